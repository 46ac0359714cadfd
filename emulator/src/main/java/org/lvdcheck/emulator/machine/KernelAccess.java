package org.lvdcheck.emulator.machine;

import java.util.function.LongPredicate;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;

/**
 * Memory as a kernel primitive sees it: guest-linear accesses under the CPU's paging
 * registers (at CPL 0) and its current EPT, accumulating the writes of one step. A fault is
 * a kernel oops: the primitive's C code would have crashed, so the step stops the CPU with
 * that evidence rather than inventing a value.
 *
 * <p>Taint (DESIGN.md §3): a trusted reader sees the havoc frames as ⊤. {@link #read} is for
 * values the C code uses as pointers, indices or decisions: ⊤ there is a use of the attacker's
 * value ({@link TopUse}). {@link #data} is for values it only moves.
 */
final class KernelAccess {
    /** A primitive's access faulted: the kernel would oops here. */
    static final class Oops extends RuntimeException {
        Oops(String message) {
            super(message, null, false, false);
        }
    }

    /** Trusted code, the hypervisor or the hardware used ⊤ where only a trusted value may go (DESIGN.md §3). */
    static final class TopUse extends RuntimeException {
        TopUse(String what) {
            super(what, null, false, false);
        }
    }

    /** A value read and whether it is ⊤ (then the value is 0). */
    record Word(long value, boolean top) {}

    private final EptGuestPhysical gp;
    private final PagedLinearMemory lm;

    KernelAccess(PhysMem mem, long eptp, ArchRegs regs, CpuCaps caps) {
        this(mem, eptp, regs, caps, null);
    }

    /** @param havoc frames a trusted reader sees as ⊤, or null */
    KernelAccess(PhysMem mem, long eptp, ArchRegs regs, CpuCaps caps, LongPredicate havoc) {
        this(mem, eptp, regs, caps, havoc, null);
    }

    /** @param domainWritable frames whose bytes with no value a trusted reader sees as ⊤, or null */
    KernelAccess(PhysMem mem, long eptp, ArchRegs regs, CpuCaps caps, LongPredicate havoc,
                 LongPredicate domainWritable) {
        this.gp = new EptGuestPhysical(mem, eptp, caps, havoc, domainWritable);
        this.lm = new PagedLinearMemory(PagingRegs.of(regs).withCpl(0), gp);
    }

    /** Reads a value the caller uses as a pointer, index or decision: ⊤ is a {@link TopUse}. */
    long read(long gva, int size) {
        Word w = data(gva, size);
        if (w.top()) {
            throw new TopUse("a ⊤ value at 0x" + Long.toHexString(gva) + " used as a pointer, index or decision");
        }
        return w.value();
    }

    /** Reads a value the caller only moves, with its label. */
    Word data(long gva, int size) {
        LinearResult r = lm.read(gva, size, LinearAccess.SUPERVISOR_READ);
        if (r instanceof LinearResult.Value v) {
            return new Word(v.value(), v.tainted());
        }
        throw new Oops("read of " + size + " bytes at 0x" + Long.toHexString(gva) + " faulted: " + describe(r));
    }

    void write(long gva, int size, long value) {
        write(gva, size, value, false);
    }

    void write(long gva, int size, long value, boolean top) {
        LinearResult r = lm.write(gva, size, value, top, LinearAccess.SUPERVISOR_WRITE);
        if (!(r instanceof LinearResult.Value)) {
            throw new Oops("write of " + size + " bytes at 0x" + Long.toHexString(gva) + " faulted: " + describe(r));
        }
    }

    PhysMem memory() {
        return gp.memory();
    }

    private static String describe(LinearResult r) {
        PagingResult.Failure f = ((LinearResult.Fault) r).failure();
        return f.toString();
    }
}
