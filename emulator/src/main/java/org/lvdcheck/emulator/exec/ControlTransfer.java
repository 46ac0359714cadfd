package org.lvdcheck.emulator.exec;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.lvdcheck.emulator.irq.InterruptReturn;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.IndirectOp;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.RegOp;
import org.lvdcheck.spec.asm.TargetOp;

/** JMP, Jcc, CALL, RET and IRETQ in 64-bit mode (SDM Vol. 1 6.3, 6.4; Vol. 2 instruction pages). */
final class ControlTransfer {
    private ControlTransfer() {
    }

    /** The branch target: a direct target, or 8 bytes read through a register or memory. */
    static long target(Step s, Operand op) {
        if (op instanceof TargetOp t) {
            return t.address();
        }
        Operand inner = ((IndirectOp) op).inner();
        if (inner instanceof RegOp r) {
            return s.readReg(r.reg());
        }
        MemOp m = (MemOp) inner;
        return s.readMem(m, s.effectiveAddress(m), 8);
    }

    /** A non-canonical target faults at the branch, #GP(0) (Vol. 2A JMP, CALL, RET: 64-bit mode exceptions). */
    private static void branchTo(Step s, long target) {
        if (!GuestPaging.isCanonical(target)) {
            throw Step.gp0();
        }
        s.regs = s.regs.withRip(target);
    }

    static void jmp(Step s) {
        branchTo(s, target(s, s.insn.operand(0)));
    }

    static void jcc(Step s) {
        long target = target(s, s.insn.operand(0));
        if (Conditions.holds(s.insn.cond(), s.rflags())) {
            branchTo(s, target);
        }
    }

    /**
     * CALL: pushes the address of the next instruction and branches. A call to a kernel
     * primitive ends the step with {@link ExecOutcome.PrimitiveCall} after the push.
     */
    static ExecOutcome call(Step s) {
        long target = target(s, s.insn.operand(0));
        if (!GuestPaging.isCanonical(target)) {
            throw Step.gp0();
        }
        long ret = s.placed.end();
        s.push(ret, 8);
        s.regs = s.regs.withRip(target);
        Optional<String> primitive = s.ctx.primitiveAt(target);
        if (primitive.isPresent()) {
            return new ExecOutcome.PrimitiveCall(s.completedRegs(), s.writes(), primitive.get(), ret);
        }
        return s.next();
    }

    /** RET [$n]: pops RIP, then releases n more bytes of stack. */
    static void ret(Step s) {
        long target = s.pop(8);
        if (!s.insn.operands().isEmpty()) {
            long n = ((ImmOp) s.insn.operand(0)).value() & 0xFFFF;
            s.regs = s.regs.withRsp(s.regs.rsp() + n);
        }
        branchTo(s, target);
    }

    /** Exit-qualification bit 12 of an EPT violation: "NMI unblocking due to IRET" (Vol. 3C 27.2.1, Table 27-7). */
    static final long NMI_UNBLOCKING_DUE_TO_IRET = 1L << 12;

    /**
     * IRETQ, as {@link InterruptReturn#iretq} models it (Vol. 2A IRET, IA-32e mode): pops RIP,
     * CS, RFLAGS, RSP and SS, checks and loads CS and SS, restores RFLAGS under the CPL and IOPL
     * rules, and unblocks NMIs (per the VMX NMI controls) even when it faults. RF comes from the
     * frame. An EPT violation during IRETQ that follows NMI unblocking sets qualification bit 12.
     */
    static void iretq(Step s) {
        InterruptReturn.Result r = InterruptReturn.iretq(s.start, new ContextMemory(s), s.ctx.vmcs());
        if (r instanceof InterruptReturn.Result.Returned ok) {
            s.regs = ok.regs();
            s.keepRf();
            return;
        }
        if (r instanceof InterruptReturn.Result.Fault f) {
            OptionalLong code = Vectors.hasErrorCode(f.vector()) ? OptionalLong.of(f.errorCode()) : OptionalLong.empty();
            throw Step.abort(new ExecOutcome.Fault(f.vector(), code, f.regs().cr2(), f.regs()));
        }
        InterruptReturn.Result.EptExit e = (InterruptReturn.Result.EptExit) r;
        MemResult.EptExit x = (MemResult.EptExit) MemResult.of(new LinearResult.Fault(e.exit()), List.of());
        long qualification = x.qualification() | (e.nmiUnblocked() && x.reason() == ExitReason.EPT_VIOLATION
                ? NMI_UNBLOCKING_DUE_TO_IRET : 0);
        throw Step.abort(new ExecOutcome.VmExit(x.reason(), qualification, 0, 0, x.guestLinear(), x.guestPhysical(),
                x.reason().description() + " during IRETQ"));
    }
}
