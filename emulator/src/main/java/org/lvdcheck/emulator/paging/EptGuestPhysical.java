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
import org.lvdcheck.emulator.mem.PhysReader;

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
        EptResult r = EptWalk.translate(noting ? notingReader : editor != null ? editor : base, eptp, gpa, access, caps);
        if (r instanceof EptResult.Ok ok && !ok.adWrites().isEmpty()) {
            for (MemWrite w : ok.adWrites()) {
                writeHost(w.hpa(), w.size(), w.value());
            }
        }
        return r;
    }

    @Override
    public long readHost(long hpa, int size) {
        if (noting) {
            note(hpa);
        }
        if (deadAndDomainWritable(hpa, size)) {
            unkeepable |= noting;
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

    // Translations remembered (docs/MODEL.md, "Paging-structure caches"). A linear walk's outcome is
    // a function of the translation registers, the access, the page and the paging-structure
    // entries it reads. Each worker thread keeps the last walks it did, each with the frames it
    // read, as the objects the memory held (frames are immutable: the same object, the same
    // entries). A walk is remembered only when it read no byte without a value and no frame this
    // step has written, which leaves out every walk that set an accessed or dirty flag (guest or
    // EPT): the flag is written into an entry the walk read. It is given again only while the
    // memory still holds every one of those frame objects at the same places and this step has
    // written none of them.

    private static final int REMEMBERED = 1 << 12;
    private static final ThreadLocal<Remembered> WALKED = ThreadLocal.withInitial(Remembered::new);

    /** A worker thread's remembered walks, and how many translations it gave from them. */
    private static final class Remembered {
        final Walked[] slots = new Walked[REMEMBERED];
        long given;
    }

    /** How many translations this thread was given from remembered walks (for tests). */
    static long rememberedOnThisThread() {
        return WALKED.get().given;
    }

    /** One remembered walk: its key, the frames it read and the 4 KiB pages it reached. */
    private record Walked(long eptp, long cr0, long cr3, long cr4, long efer, int flags, long page, CpuCaps caps,
            Object frameSet, int[] positions, Object[] frames, long[] numbers, long gpaPage, long hpaPage, int level) {}

    private Remembered walked;
    private boolean noting;
    private boolean unkeepable;
    private long[] noted;
    private int notedCount;

    /** Reads for the EPT walks of a noted linear walk: the same memory, each frame noted. */
    private final PhysReader notingReader = new PhysReader() {
        @Override
        public long read(long hpa, int size) {
            note(hpa);
            return (editor != null ? editor : base).read(hpa, size);
        }

        @Override
        public int maxPhysAddrBits() {
            return base.maxPhysAddrBits();
        }

        @Override
        public boolean isTainted(long hpa, int size) {
            return (editor != null ? editor : base).isTainted(hpa, size);
        }
    };

    private void note(long hpa) {
        long n = hpa >>> PhysMem.FRAME_SHIFT;
        for (int i = 0; i < notedCount; i++) {
            if (noted[i] == n) {
                return;
            }
        }
        if (notedCount == noted.length) {
            noted = java.util.Arrays.copyOf(noted, notedCount * 2);
        }
        noted[notedCount++] = n;
    }

    private static int walkFlags(PagingRegs regs, LinearAccess a) {
        return regs.cpl() | (regs.ac() ? 4 : 0) | (a.kind().ordinal() << 3) | (a.implicitSupervisor() ? 64 : 0)
                | (a.stackSegment() ? 128 : 0);
    }

    private static int walkSlot(long eptp, long cr3, long page, int flags) {
        long h = eptp * 0x9E3779B97F4A7C15L ^ cr3 * 0xC2B2AE3D27D4EB4FL ^ page * 0x165667B19E3779F9L ^ flags;
        h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L;
        return (int) (h >>> 52) & (REMEMBERED - 1);
    }

    @Override
    public PagingResult remembered(PagingRegs regs, long linear, LinearAccess access) {
        if (walked == null) {
            walked = WALKED.get();
        }
        long page = linear >>> 12;
        int flags = walkFlags(regs, access);
        Walked w = walked.slots[walkSlot(eptp, regs.cr3(), page, flags)];
        if (w == null || w.page != page || w.eptp != eptp || w.cr3 != regs.cr3() || w.flags != flags
                || w.cr0 != regs.cr0() || w.cr4 != regs.cr4() || w.efer != regs.efer() || w.caps != caps
                || w.frameSet != base.frameSetId()) {
            return null;
        }
        for (int i = 0; i < w.positions.length; i++) {
            if (base.frameAt(w.positions[i]) != w.frames[i] || editor != null && editor.touches(w.numbers[i])) {
                return null;
            }
        }
        walked.given++;
        long offset = linear & 0xFFF;
        return new PagingResult.Ok(w.gpaPage | offset, w.hpaPage | offset, w.level);
    }

    @Override
    public void walkStarts() {
        if (noted == null) {
            noted = new long[8];
        }
        noting = true;
        unkeepable = false;
        notedCount = 0;
    }

    @Override
    public void walkEnded(PagingRegs regs, long linear, LinearAccess access, PagingResult result) {
        noting = false;
        if (unkeepable || !(result instanceof PagingResult.Ok ok)) {
            return;
        }
        int[] positions = new int[notedCount];
        Object[] frames = new Object[notedCount];
        long[] numbers = java.util.Arrays.copyOf(noted, notedCount);
        for (int i = 0; i < notedCount; i++) {
            int p = base.positionOf(numbers[i]);
            if (p < 0 || editor != null && editor.touches(numbers[i])) {
                return;
            }
            positions[i] = p;
            frames[i] = base.frameAt(p);
        }
        if (walked == null) {
            walked = WALKED.get();
        }
        long page = linear >>> 12;
        int flags = walkFlags(regs, access);
        walked.slots[walkSlot(eptp, regs.cr3(), page, flags)] = new Walked(eptp, regs.cr0(), regs.cr3(), regs.cr4(), regs.efer(),
                flags, page, caps, base.frameSetId(), positions, frames, numbers, ok.gpa() & ~0xFFFL, ok.hpa() & ~0xFFFL,
                ok.pageSizeLevel());
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
