package org.lvdcheck.emulator.paging;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptWalk;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * {@link GuestPhysical} over a {@link PhysMem} and one EPTP, for one step: reads see the writes
 * made so far (EPT A/D flags, guest A/D flags, data writes); {@link #writes()} lists them in order
 * and {@link #memory()} returns the memory with them applied. The base memory is never changed.
 */
public final class EptGuestPhysical implements GuestPhysical {
    private final PhysMem base;
    private final long eptp;
    private final CpuCaps caps;
    private final LongPredicate havoc;
    private final LongPredicate domainWritable;
    private PhysMem.Editor editor;
    private List<MemWrite> writes;

    public EptGuestPhysical(PhysMem base, long eptp, CpuCaps caps) {
        this(base, eptp, caps, null);
    }

    /**
     * @param havoc frame numbers whose data this reader sees as ⊤ (havoc memory of a trusted reader,
     *        DESIGN.md §3), or null for none
     */
    public EptGuestPhysical(PhysMem base, long eptp, CpuCaps caps, LongPredicate havoc) {
        this(base, eptp, caps, havoc, null);
    }

    /**
     * @param havoc as above
     * @param domainWritable frame numbers a domain can write, whose bytes that hold no value (the
     *        dead-stack reduction forgot them) this trusted reader sees as ⊤, or null: the domain may
     *        have written any value there since (docs/MODEL.md, "Dead stack memory")
     */
    public EptGuestPhysical(PhysMem base, long eptp, CpuCaps caps, LongPredicate havoc, LongPredicate domainWritable) {
        this.base = base;
        this.eptp = eptp;
        this.caps = caps;
        this.havoc = havoc;
        this.domainWritable = domainWritable;
    }

    /**
     * Whether {@code [hpa, hpa + size)} lies in a domain-writable frame and holds a byte with no value.
     * A read asks twice for one access (its value, then whether it is ⊤): the last answer is kept
     * until the next write.
     */
    private boolean deadAndDomainWritable(long hpa, int size) {
        if (domainWritable == null) {
            return false;
        }
        if (hpa == askedHpa && size == askedSize) {
            return askedAnswer;
        }
        boolean answer = (domainWritable.test(hpa >>> PhysMem.FRAME_SHIFT)
                || domainWritable.test((hpa + size - 1) >>> PhysMem.FRAME_SHIFT))
                && (editor != null ? editor.isDead(hpa, size) : base.isDead(hpa, size));
        askedHpa = hpa;
        askedSize = size;
        askedAnswer = answer;
        return answer;
    }

    private long askedHpa = -1;
    private int askedSize;
    private boolean askedAnswer;

    public long eptp() {
        return eptp;
    }

    @Override
    public EptResult translate(long gpa, EptAccess access) {
        EptResult r = EptWalk.translate(editor != null ? editor : base, eptp, gpa, access, caps);
        if (r instanceof EptResult.Ok ok && !ok.adWrites().isEmpty()) {
            for (MemWrite w : ok.adWrites()) {
                writeHost(w.hpa(), w.size(), w.value());
            }
        }
        return r;
    }

    @Override
    public long readHost(long hpa, int size) {
        if (deadAndDomainWritable(hpa, size)) {
            return 0;
        }
        return editor != null ? editor.read(hpa, size) : base.read(hpa, size);
    }

    @Override
    public void writeHost(long hpa, int size, long value, boolean tainted) {
        if (editor == null) {
            editor = base.edit();
            writes = new ArrayList<>();
        }
        editor.write(hpa, size, value, tainted);
        writes.add(new MemWrite(hpa, size, value, tainted));
        askedHpa = -1;
    }

    @Override
    public boolean readsTop(long hpa, int size) {
        if (havoc != null && (havoc.test(hpa >>> PhysMem.FRAME_SHIFT) || havoc.test((hpa + size - 1) >>> PhysMem.FRAME_SHIFT))) {
            return true;
        }
        if (deadAndDomainWritable(hpa, size)) {
            return true;
        }
        return editor != null ? editor.isTainted(hpa, size) : base.isTainted(hpa, size);
    }

    @Override
    public CpuCaps caps() {
        return caps;
    }

    /** Every host-physical write so far, in order (A/D flags of both EPT and guest, data). */
    public List<MemWrite> writes() {
        return writes == null ? List.of() : List.copyOf(writes);
    }

    /** The base memory with the writes applied (the base itself if none). */
    public PhysMem memory() {
        return editor == null ? base : editor.freeze();
    }
}
