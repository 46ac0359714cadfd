package org.lvdcheck.emulator.exec;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.lvdcheck.emulator.cpu.ArchRegs;
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

/**
 * JMP, Jcc, CALL, RET and IRETQ in 64-bit mode (SDM Vol. 1 6.3, 6.4; Vol. 2 instruction pages).
 * A ⊤ target (an indirect operand or a popped return address the attacker chose) is a use of ⊤
 * (DESIGN.md §3, {@link Step#branchTo}); a conditional jump on ⊤ flags takes the outcome the
 * caller picked ({@link Executor#executeBranch}).
 */
final class ControlTransfer {
    private ControlTransfer() {
    }

    /** A branch target and whether it is ⊤. */
    record Target(long address, boolean top) {
    }

    /** The branch target: a direct target, or 8 bytes read through a register or memory. */
    static Target target(Step s, Operand op) {
        if (op instanceof TargetOp t) {
            return new Target(t.address(), false);
        }
        Operand inner = ((IndirectOp) op).inner();
        if (inner instanceof RegOp r) {
            long v = s.readReg(r.reg());
            return new Target(v, s.loadedTaint());
        }
        long v = s.readMem((MemOp) inner, 0, 8);
        return new Target(v, s.loadedTaint());
    }

    /** A non-canonical target faults at the branch, #GP(0) (Vol. 2A JMP, CALL, RET: 64-bit mode exceptions). */
    private static void branchTo(Step s, Target t) {
        if (!t.top() && !GuestPaging.isCanonical(t.address())) {
            throw Step.gp0();
        }
        s.branchTo(t.address(), t.top());
    }

    static void jmp(Step s) {
        branchTo(s, target(s, s.insn.operand(0)));
    }

    static void jcc(Step s) {
        Target target = target(s, s.insn.operand(0));
        boolean taken;
        if (s.flagsTainted()) {
            if (s.branch == null) {
                throw new IllegalStateException("a conditional jump on ⊤ flags has two outcomes: pick one with "
                        + "Executor.executeBranch (" + s.placed + ")");
            }
            taken = s.branch;
        } else {
            taken = Conditions.holds(s.insn.cond(), s.rflags());
        }
        if (taken) {
            branchTo(s, target);
        }
    }

    /**
     * CALL: pushes the address of the next instruction and branches. A call to a kernel
     * primitive ends the step with {@link ExecOutcome.PrimitiveCall} after the push.
     */
    static ExecOutcome call(Step s) {
        Target target = target(s, s.insn.operand(0));
        if (!target.top() && !GuestPaging.isCanonical(target.address())) {
            throw Step.gp0();
        }
        long ret = s.placed.end();
        Optional<String> primitive = target.top() ? Optional.empty() : s.ctx.primitiveAt(target.address());
        if (primitive.isPresent() && s.regs.gprTainted(ArchRegs.RSP)) {
            throw s.operandUse("stack pointer of a call to " + primitive.get());
        }
        s.push(ret, 8, false);
        s.branchTo(target.address(), target.top());
        if (primitive.isPresent()) {
            return new ExecOutcome.PrimitiveCall(s.completedRegs(), s.writes(), primitive.get(), ret);
        }
        return s.next();
    }

    /** RET [$n]: pops RIP, then releases n more bytes of stack. */
    static void ret(Step s) {
        long address = s.pop(8);
        Target target = new Target(address, s.loadedTaint());
        if (!s.insn.operands().isEmpty() && !s.regs.gprTainted(ArchRegs.RSP)) {
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
     * A ⊤ stack pointer, frame field or descriptor returns where the attacker says: in confined
     * code the domain's own return (RIP, RSP and the status flags ⊤), otherwise a use of ⊤.
     */
    static void iretq(Step s) {
        InterruptReturn.Result r = InterruptReturn.iretq(s.start, new ContextMemory(s), s.ctx.vmcs());
        if (r instanceof InterruptReturn.Result.Returned ok) {
            s.regs = ok.regs();
            s.keepRf();
            return;
        }
        if (r instanceof InterruptReturn.Result.TaintedFrame t) {
            if (!s.ctx.confined()) {
                throw Step.abort(new ExecOutcome.TaintedUse(t.what()));
            }
            s.regs = t.regs().withTaint(ArchRegs.T_RIP
                    | ArchRegs.tGpr(ArchRegs.RSP)
                    | ArchRegs.T_FLAGS, true);
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
