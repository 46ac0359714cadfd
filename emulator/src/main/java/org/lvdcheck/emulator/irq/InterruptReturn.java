package org.lvdcheck.emulator.irq;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearMemory;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * IRETQ in 64-bit mode back to 64-bit code (SDM Vol. 2A IRET pseudo-code, IA-32e mode; Vol. 3A
 * 6.14.3): pops RIP, CS, RFLAGS, RSP, SS; checks the return CS (non-null, RPL &ge; CPL, a present
 * 64-bit code segment whose DPL is its RPL, or &le; RPL if conforming) and, on a return to an outer
 * level, SS (RPL = DPL = new CPL, a writable data segment); RIP must be canonical. RFLAGS: IOPL
 * changes only at CPL 0, IF only when CPL &le; IOPL. NMIs are unblocked even if IRET faults
 * (6.7.1; in VMX non-root per {@link ArrivalRules#afterIret}). Returns to compatibility mode,
 * task returns (NT = 1) and virtual-8086 mode are not modelled: they raise #GP(0).
 *
 * <p>An EPT exit during IRET should carry exit-qualification bit 12 ("NMI unblocking due to
 * IRET") when NMIs were blocked before it; {@link Result.EptExit#nmiUnblocked()} tells the caller.
 */
public final class InterruptReturn {
    private InterruptReturn() {
    }

    public sealed interface Result permits Result.Returned, Result.Fault, Result.EptExit, Result.TaintedFrame {
        record Returned(ArchRegs regs) implements Result {
        }

        /**
         * The stack pointer, a frame field or a descriptor IRET needs is ⊤ (DESIGN.md §3): the
         * return goes where the attacker says. {@code regs}: the registers with NMIs unblocked.
         */
        record TaintedFrame(String what, ArchRegs regs) implements Result {
        }

        /** Deliver this exception next from {@code regs} (NMIs already unblocked, CR2 set for #PF). */
        record Fault(int vector, long errorCode, ArchRegs regs) implements Result {
        }

        record EptExit(PagingResult.EptExit exit, boolean nmiUnblocked, ArchRegs regs) implements Result {
        }
    }

    private static final String[] FRAME_FIELDS = {"RIP", "CS", "RFLAGS", "RSP", "SS"};

    /** Flags IRET may always load (besides IF and IOPL, which depend on the CPL). */
    private static final long ALWAYS = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.TF
            | Rflags.DF | Rflags.OF | Rflags.NT | Rflags.RF | Rflags.AC | Rflags.ID;

    /** Executes IRETQ; {@code vmcs} is null outside VMX non-root operation. */
    public static Result iretq(ArchRegs regs, LinearMemory mem, Vmcs vmcs) {
        boolean wasBlocked = regs.blockingByNmi();
        ArchRegs base = ArrivalRules.afterIret(regs, vmcs);
        boolean unblocked = wasBlocked && !base.blockingByNmi();
        int cpl = regs.cpl();
        if ((regs.rflags() & Rflags.NT) != 0) {
            return new Result.Fault(Vectors.GP, 0, base);
        }
        if (regs.gprTainted(ArchRegs.RSP)) {
            return new Result.TaintedFrame("iretq stack pointer", base);
        }
        long sp = regs.rsp();
        long[] popped = new long[5];
        for (int i = 0; i < 5; i++) {
            LinearResult r = mem.read(sp + 8L * i, 8, LinearAccess.STACK_READ);
            if (r instanceof LinearResult.Fault f) {
                return fromPaging(f.failure(), unblocked, base);
            }
            if (((LinearResult.Value) r).tainted()) {
                return new Result.TaintedFrame("iretq frame " + FRAME_FIELDS[i], base);
            }
            popped[i] = ((LinearResult.Value) r).value();
        }
        long rip = popped[0];
        int csSel = (int) (popped[1] & 0xFFFF);
        long newFlags = popped[2];
        long newRsp = popped[3];
        int ssSel = (int) (popped[4] & 0xFFFF);

        int rpl = csSel & 3;
        if ((csSel & 0xFFFC) == 0) {
            return new Result.Fault(Vectors.GP, 0, base);
        }
        if (rpl < cpl) {
            return new Result.Fault(Vectors.GP, csSel & 0xFFFC, base);
        }
        long[] cs = new long[2];
        Result bad = descriptor(regs, mem, csSel, cs, unblocked, base);
        if (bad == null && cs[1] != 0) {
            return new Result.TaintedFrame("iretq CS descriptor", base);
        }
        if (bad != null) {
            return bad;
        }
        long d = cs[0];
        boolean code = ((d >>> 44) & 1) != 0 && ((d >>> 43) & 1) != 0;
        boolean conforming = ((d >>> 42) & 1) != 0;
        int dpl = (int) ((d >>> 45) & 3);
        if (!code || (conforming ? dpl > rpl : dpl != rpl)) {
            return new Result.Fault(Vectors.GP, csSel & 0xFFFC, base);
        }
        if (((d >>> 47) & 1) == 0) {
            return new Result.Fault(Vectors.NP, csSel & 0xFFFC, base);
        }
        if (((d >>> 53) & 1) == 0 || ((d >>> 54) & 1) != 0) {
            return new Result.Fault(Vectors.GP, 0, base);
        }
        Segment ss;
        if ((ssSel & 0xFFFC) == 0) {
            // A null SS is allowed only when returning to a 64-bit CPL below 3.
            if (rpl == 3 || (ssSel & 3) != rpl) {
                return new Result.Fault(Vectors.GP, 0, base);
            }
            ss = Segment.nullSelector(rpl);
        } else {
            if ((ssSel & 3) != rpl) {
                return new Result.Fault(Vectors.GP, ssSel & 0xFFFC, base);
            }
            long[] sd = new long[2];
            bad = descriptor(regs, mem, ssSel, sd, unblocked, base);
            if (bad != null) {
                return bad;
            }
            if (sd[1] != 0) {
                return new Result.TaintedFrame("iretq SS descriptor", base);
            }
            long s = sd[0];
            boolean writableData = ((s >>> 44) & 1) != 0 && ((s >>> 43) & 1) == 0 && ((s >>> 41) & 1) != 0;
            if (!writableData || ((s >>> 45) & 3) != rpl) {
                return new Result.Fault(Vectors.GP, ssSel & 0xFFFC, base);
            }
            if (((s >>> 47) & 1) == 0) {
                return new Result.Fault(Vectors.SS, ssSel & 0xFFFC, base);
            }
            ss = Segment.fromDescriptor(ssSel, s);
        }
        if (!GuestPaging.isCanonical(rip)) {
            return new Result.Fault(Vectors.GP, 0, base);
        }
        long mask = ALWAYS;
        if (cpl <= Rflags.iopl(regs.rflags())) {
            mask |= Rflags.IF;
        }
        if (cpl == 0) {
            mask |= Rflags.IOPL;
        }
        long rflags = (regs.rflags() & ~mask) | (newFlags & mask) | Rflags.FIXED1;
        long taint = Rflags.statusTop(newFlags) ? base.taintMask() | ArchRegs.T_FLAGS : base.taintMask() & ~ArchRegs.T_FLAGS;
        ArchRegs out = base.toBuilder()
                .rip(rip)
                .cs(Segment.fromDescriptor(csSel, d))
                .rflags(rflags)
                .gpr(ArchRegs.RSP, newRsp)
                .ss(ss)
                .taint(taint & ~ArchRegs.T_RIP & ~ArchRegs.tGpr(ArchRegs.RSP))
                .build();
        return new Result.Returned(out);
    }

    /** Reads the GDT/LDT descriptor of {@code sel} into out[0] (out[1] = 1 when it is ⊤), or returns the failure. */
    private static Result descriptor(ArchRegs regs, LinearMemory mem, int sel, long[] out, boolean unblocked, ArchRegs base) {
        boolean ldt = (sel & 4) != 0;
        long tableBase = ldt ? regs.ldtr().base() : regs.gdtr().base();
        long limit = ldt ? regs.ldtr().limit() : regs.gdtr().limit();
        if ((ldt && regs.ldtr().unusable()) || (sel & ~7L) + 7 > limit) {
            return new Result.Fault(Vectors.GP, sel & 0xFFFC, base);
        }
        LinearResult r = mem.read(tableBase + (sel & ~7L), 8, LinearAccess.SUPERVISOR_READ);
        if (r instanceof LinearResult.Fault f) {
            return fromPaging(f.failure(), unblocked, base);
        }
        LinearResult.Value v = (LinearResult.Value) r;
        out[0] = v.value();
        out[1] = v.tainted() ? 1 : 0;
        return null;
    }

    private static Result fromPaging(PagingResult.Failure f, boolean unblocked, ArchRegs base) {
        if (f instanceof PagingResult.EptExit x) {
            return new Result.EptExit(x, unblocked, base);
        }
        if (f instanceof PagingResult.PageFault pf) {
            return new Result.Fault(Vectors.PF, pf.errorCode(), base.withCr2(pf.cr2()));
        }
        if (f instanceof PagingResult.StackFault s) {
            return new Result.Fault(Vectors.SS, s.errorCode(), base);
        }
        return new Result.Fault(Vectors.GP, ((PagingResult.GeneralProtection) f).errorCode(), base);
    }
}
