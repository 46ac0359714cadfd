package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegKind;
import org.lvdcheck.spec.asm.RegOp;

/** MOV between GPRs, memory and immediates, MOVZX/MOVSX, LEA, PUSH and POP (SDM Vol. 1 7.3.1). */
final class DataTransfer {
    private DataTransfer() {
    }

    /** MOV src, dst; the immediate arrives sign-extended and is truncated to the operand size. */
    static void mov(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        long v = s.readOperand(in.operand(0), size);
        s.writeOperand(in.operand(1), size, v, s.loadedTaint());
    }

    /** MOVZX and MOVSX (movz*, movs*, movslq): the source width is the operand's own. */
    static void extend(Step s, boolean signed) {
        Instruction in = s.insn;
        Operand src = in.operand(0);
        int srcSize = src instanceof RegOp r ? r.reg().width() : ((MemOp) src).width();
        long v = s.readOperand(src, srcSize);
        boolean t = s.loadedTaint();
        if (signed) {
            v = OperandSize.signExtend(v, srcSize);
        }
        s.writeOperand(in.operand(1), in.opSize(), OperandSize.truncate(v, in.opSize()), t);
    }

    /** LEA: the effective address, truncated to the operand size; no memory access (Vol. 2A LEA). ⊤ with a ⊤ base or index. */
    static void lea(Step s) {
        Instruction in = s.insn;
        MemOp m = (MemOp) in.operand(0);
        long ea = s.effectiveAddress(m);
        s.writeReg(((RegOp) in.operand(1)).reg(), OperandSize.truncate(ea, in.opSize()), s.addressTainted(m));
    }

    /**
     * PUSH (Vol. 2B PUSH): an immediate is pushed sign-extended to the operand size (8 or 2); a
     * memory source is read with the RSP before the push. PUSH FS/GS writes the 16-bit selector
     * and lowers RSP by 8, leaving the upper bytes of the slot unwritten as recent processors do.
     */
    static void push(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Operand src = in.operand(0);
        if (src instanceof RegOp r && r.reg().kind() == RegKind.SEGMENT) {
            int selector = s.regs.seg(segmentNumber(r.reg())).selector();
            if (s.regs.gprTainted(ArchRegs.RSP)) {
                s.push(selector, 8, false);
                return;
            }
            long rsp = s.regs.rsp() - 8;
            s.write(ArchRegs.SS, rsp, 2, selector, AccessKind.STACK_WRITE);
            s.regs = s.regs.withRsp(rsp);
            return;
        }
        if (src instanceof ImmOp i) {
            s.push(i.value(), size, false);
            return;
        }
        long v = s.readOperand(src, size);
        s.push(v, size, s.loadedTaint());
    }

    /**
     * POP (Vol. 2B POP): POP RSP loads the popped value (the increment is lost); a memory
     * destination based on RSP uses the RSP after the increment. POP FS/GS loads the selector
     * as MOV to a segment register does.
     */
    static void pop(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Operand dst = in.operand(0);
        if (dst instanceof RegOp r && r.reg().kind() == RegKind.SEGMENT) {
            long rsp = s.regs.rsp();
            int selector = (int) ((s.regs.gprTainted(ArchRegs.RSP) ? s.pop(8)
                    : s.read(ArchRegs.SS, rsp, 2, AccessKind.STACK_READ)) & 0xFFFF);
            if (s.loadedTaint()) {
                throw s.operandUse("a segment selector popped from ⊤");
            }
            Segments.loadDataSegment(s, segmentNumber(r.reg()), selector);
            s.regs = s.regs.withRsp(rsp + 8);
            return;
        }
        long v = s.pop(size);
        s.writeOperand(dst, size, v, s.loadedTaint());
    }

    static int segmentNumber(Reg r) {
        return switch (r) {
            case ES -> ArchRegs.ES;
            case CS -> ArchRegs.CS;
            case SS -> ArchRegs.SS;
            case DS -> ArchRegs.DS;
            case FS -> ArchRegs.FS;
            case GS -> ArchRegs.GS;
            default -> throw new IllegalArgumentException("not a segment register: " + r);
        };
    }
}
