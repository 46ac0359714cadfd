package org.lvdcheck.emulator.exec;

import java.util.Optional;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
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
        if (!Canonical.is(target)) {
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
        if (!Canonical.is(target)) {
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

    /**
     * IRETQ (Vol. 2A IRET, IA-32e-MODE-RETURN): pops RIP, CS, RFLAGS, RSP and SS (all five, to
     * the same or an outer privilege level); checks the selectors and loads CS and SS from the
     * GDT; restores RFLAGS under the rules of the current CPL and IOPL; on a return to an outer
     * level nulls ES, DS, FS, GS that the new CPL may not use; unblocks NMIs (Vol. 3A 6.7.1).
     * NT = 1 (a task return) is #GP(0) in IA-32e mode.
     */
    static void iretq(Step s) {
        long old = s.rflags();
        if ((old & Rflags.NT) != 0) {
            throw Step.gp0();
        }
        long rip = s.pop(8);
        int cs = (int) (s.pop(8) & 0xFFFF);
        long flags = s.pop(8);
        long rsp = s.pop(8);
        int ss = (int) (s.pop(8) & 0xFFFF);
        int cpl = s.cpl();
        int newCpl = cs & 3;
        if (Segments.isNull(cs) || !Canonical.is(rip)) {
            throw Step.gp0();
        }
        if (Segments.isNull(ss) && (newCpl == 3 || (ss & 3) != newCpl)) {
            throw Step.gp0();
        }
        Segment code = Segments.codeSegmentForReturn(s, cs);
        Segment stack = Segments.isNull(ss) ? Segment.nullSelector(ss & 3)
                : Segments.stackSegmentForReturn(s, ss, newCpl);

        long mask = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.TF | Rflags.DF
                | Rflags.OF | Rflags.NT | Rflags.RF | Rflags.AC | Rflags.ID;
        if (cpl <= Rflags.iopl(old)) {
            mask |= Rflags.IF;
        }
        if (cpl == 0) {
            mask |= Rflags.IOPL | Rflags.VIF | Rflags.VIP;
        }
        long newFlags = (old & ~mask) | (flags & mask) | Rflags.FIXED1;

        ArchRegs.Builder b = s.regs.toBuilder().rip(rip).cs(code).ss(stack).gpr(ArchRegs.RSP, rsp)
                .rflags(newFlags).blockingByNmi(false);
        if (newCpl > cpl) {
            for (int sreg : new int[] {ArchRegs.ES, ArchRegs.DS, ArchRegs.FS, ArchRegs.GS}) {
                Segment seg = s.regs.seg(sreg);
                boolean dataOrNonConformingCode = (seg.type() & 8) == 0 || (seg.type() & 4) == 0;
                if (!seg.unusable() && dataOrNonConformingCode && newCpl > seg.dpl()) {
                    Segment nulled = new Segment(0, seg.base(), seg.limit(), seg.accessRights() | Segment.AR_UNUSABLE);
                    switch (sreg) {
                        case ArchRegs.ES -> b.es(nulled);
                        case ArchRegs.DS -> b.ds(nulled);
                        case ArchRegs.FS -> b.fs(nulled);
                        default -> b.gs(nulled);
                    }
                }
            }
        }
        s.regs = b.build();
        s.keepRf();
    }
}
