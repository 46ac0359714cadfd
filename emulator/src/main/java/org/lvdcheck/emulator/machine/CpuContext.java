package org.lvdcheck.emulator.machine;

import java.util.Optional;
import java.util.function.LongPredicate;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.exec.AccessKind;
import org.lvdcheck.emulator.exec.ExecContext;
import org.lvdcheck.emulator.exec.MemResult;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.mem.PhysReader;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * The executor's view of the machine around one CPU in one state: every access goes through
 * the segment base, guest paging with the CPU's paging registers, and the CPU's current EPT,
 * over the state's memory. Nothing is changed here; accesses report their writes.
 *
 * <p>Who runs the instruction shapes what it reads (DESIGN.md §3): a trusted reader sees every
 * frame a domain can change at any time as ⊤ ({@code havoc}); trusted code under a domain's EPT
 * is {@link #confined()}.
 */
final class CpuContext implements ExecContext, PagedLinearMemory.Footprint {
    private final LvdSystem system;
    /** The instruction's data accesses: host-physical address << 4 | (size - 1) << 1 | 1 for a write. */
    private long[] touched;
    private int touchedCount;
    private final PhysMem mem;
    private final CpuState cpu;
    private final LongPredicate havoc;
    private final boolean confined;

    /** The context of the emulate semantics: everything concrete, nothing confined. */
    CpuContext(LvdSystem system, PhysMem mem, CpuState cpu) {
        this(system, mem, cpu, null, false);
    }

    /**
     * @param havoc frames whose data reads as ⊤ for this instruction, or null
     * @param confined trusted code running under a domain's EPT
     */
    CpuContext(LvdSystem system, PhysMem mem, CpuState cpu, LongPredicate havoc, boolean confined) {
        this.system = system;
        this.mem = mem;
        this.cpu = cpu;
        this.havoc = havoc;
        this.confined = confined;
    }

    @Override
    public MemResult read(ArchRegs regs, int segment, long offset, int size, AccessKind kind) {
        return access(regs, segment, offset, size, 0, false, kind);
    }

    @Override
    public MemResult write(ArchRegs regs, int segment, long offset, int size, long value, boolean tainted,
                           AccessKind kind) {
        return access(regs, segment, offset, size, value, tainted, kind);
    }

    @Override
    public boolean confined() {
        return confined;
    }

    private MemResult access(ArchRegs regs, int segment, long offset, int size, long value, boolean tainted,
                             AccessKind kind) {
        long linear = offset + base(regs, segment);
        if (!GuestPaging.isCanonical(linear) || !GuestPaging.isCanonical(linear + size - 1)) {
            return new MemResult.Fault(kind.isStack() ? 12 : 13, 0, 0);
        }
        EptGuestPhysical gp = new EptGuestPhysical(mem, cpu.eptp(), system.caps(), havoc,
                havoc == null ? null : system.domainWrites()::domainWritable);
        PagedLinearMemory lm = new PagedLinearMemory(PagingRegs.of(regs), gp, this);
        LinearAccess la = kind.linearAccess();
        LinearResult r = kind.isWrite() ? lm.write(linear, size, value, tainted, la) : lm.read(linear, size, la);
        return MemResult.of(r, gp.writes());
    }

    @Override
    public void accessed(long hpa, int size, boolean write) {
        long code = hpa << 4 | (long) (size - 1) << 1 | (write ? 1 : 0);
        for (int i = 0; i < touchedCount; i++) {
            if (touched[i] == code) {
                return;
            }
        }
        if (touched == null) {
            touched = new long[4];
        } else if (touchedCount == touched.length) {
            touched = java.util.Arrays.copyOf(touched, touchedCount * 2);
        }
        touched[touchedCount++] = code;
    }

    /** The data accesses so far, as {@link Event.Accessed} encodes them, in first-access order; empty if none. */
    long[] footprint() {
        return touchedCount == 0 ? EMPTY : java.util.Arrays.copyOf(touched, touchedCount);
    }

    private static final long[] EMPTY = new long[0];

    /** A paging failure as the executor's memory result (the conversion the exec package defines). */
    static MemResult fault(PagingResult.Failure f) {
        return MemResult.of(new LinearResult.Fault(f), java.util.List.of());
    }

    /** In 64-bit mode only FS and GS have bases; system-table accesses are linear (SDM Vol. 3A 3.4.4). */
    private static long base(ArchRegs regs, int segment) {
        if (segment == ArchRegs.FS) {
            return regs.fsBase();
        }
        if (segment == ArchRegs.GS) {
            return regs.gsBase();
        }
        return 0;
    }

    @Override
    public Vmcs vmcs() {
        return cpu.vmcs();
    }

    @Override
    public CpuCaps caps() {
        return system.caps();
    }

    @Override
    public PhysReader physMem() {
        return mem;
    }

    @Override
    public Optional<String> primitiveAt(long address) {
        LvdSystem.PrimitiveAt p = system.primitives().get(address);
        return p == null ? Optional.empty() : Optional.of(p.name());
    }
}
