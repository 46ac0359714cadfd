package org.lvdcheck.emulator.machine;

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
 */
final class KernelAccess {
    /** A primitive's access faulted: the kernel would oops here. */
    static final class Oops extends RuntimeException {
        Oops(String message) {
            super(message, null, false, false);
        }
    }

    private final EptGuestPhysical gp;
    private final PagedLinearMemory lm;

    KernelAccess(PhysMem mem, long eptp, ArchRegs regs, CpuCaps caps) {
        this.gp = new EptGuestPhysical(mem, eptp, caps);
        this.lm = new PagedLinearMemory(PagingRegs.of(regs).withCpl(0), gp);
    }

    long read(long gva, int size) {
        LinearResult r = lm.read(gva, size, LinearAccess.SUPERVISOR_READ);
        if (r instanceof LinearResult.Value v) {
            return v.value();
        }
        throw new Oops("read of " + size + " bytes at 0x" + Long.toHexString(gva) + " faulted: " + describe(r));
    }

    void write(long gva, int size, long value) {
        LinearResult r = lm.write(gva, size, value, LinearAccess.SUPERVISOR_WRITE);
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
