package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegOp;

/**
 * Integer instructions (SDM Vol. 1 7.3.2-7.3.7): two-operand ALU operations, INC/DEC/NEG/NOT,
 * shifts, BT/BTS/BTR, XCHG and CMPXCHG. A memory destination is read, then written at the same
 * effective address; the writes are locked by nature here, since one instruction is one atomic step.
 */
final class Arithmetic {
    private Arithmetic() {
    }

    /** ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, TEST: {@code op src, dst} computes dst OP src. */
    static void binary(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        long src = s.readOperand(in.operand(0), size);
        Step.Loc dst = s.loc(in.operand(1));
        long d = s.read(dst, size);
        long f = s.rflags();
        Alu.Result r = switch (in.mnemonic()) {
            case ADD -> Alu.add(d, src, size, f);
            case ADC -> Alu.adc(d, src, size, f);
            case SUB, CMP -> Alu.sub(d, src, size, f);
            case SBB -> Alu.sbb(d, src, size, f);
            case AND, TEST -> Alu.and(d, src, size, f);
            case OR -> Alu.or(d, src, size, f);
            case XOR -> Alu.xor(d, src, size, f);
            default -> throw new IllegalArgumentException(in.mnemonic().toString());
        };
        if (in.mnemonic() != Mnemonic.CMP && in.mnemonic() != Mnemonic.TEST) {
            s.write(dst, size, r.value());
        }
        s.setRflags(r.rflags());
    }

    /** INC, DEC, NEG, NOT. */
    static void unary(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Step.Loc dst = s.loc(in.operand(0));
        long d = s.read(dst, size);
        long f = s.rflags();
        Alu.Result r = switch (in.mnemonic()) {
            case INC -> Alu.inc(d, size, f);
            case DEC -> Alu.dec(d, size, f);
            case NEG -> Alu.neg(d, size, f);
            case NOT -> Alu.not(d, size, f);
            default -> throw new IllegalArgumentException(in.mnemonic().toString());
        };
        s.write(dst, size, r.value());
        s.setRflags(r.rflags());
    }

    /** SHL, SHR, SAR by an immediate or CL. A masked count of 0 still writes the destination back. */
    static void shift(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        long count = s.readOperand(in.operand(0), 1);
        Step.Loc dst = s.loc(in.operand(1));
        long d = s.read(dst, size);
        long f = s.rflags();
        Alu.Result r = switch (in.mnemonic()) {
            case SHL -> Alu.shl(d, count, size, f);
            case SHR -> Alu.shr(d, count, size, f);
            case SAR -> Alu.sar(d, count, size, f);
            default -> throw new IllegalArgumentException(in.mnemonic().toString());
        };
        s.write(dst, size, r.value());
        s.setRflags(r.rflags());
    }

    /**
     * BT, BTS, BTR (Vol. 2A BT): CF = the selected bit; BTS sets it, BTR clears it. An immediate
     * offset is taken modulo the operand width. A register offset into a memory operand is signed
     * and may select a bit outside it: the access moves by (offset DIV width) operands, the bit
     * is offset MOD width (floor division, as the SDM's bit-string addressing). ZF is unchanged;
     * OF, SF, AF and PF are undefined and left unchanged here.
     */
    static void bitTest(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        int bits = size * 8;
        Operand offsetOp = in.operand(0);
        Step.Loc dst = s.loc(in.operand(1));
        int bit;
        if (offsetOp instanceof RegOp r && dst.isMemory()) {
            long offset = OperandSize.signExtend(s.readReg(r.reg()), size);
            long ea = dst.ea() + Math.floorDiv(offset, (long) bits) * size;
            dst = new Step.Loc(null, dst.mem(), ea);
            bit = (int) Math.floorMod(offset, (long) bits);
        } else {
            long offset = offsetOp instanceof ImmOp i ? i.value() : s.readReg(((RegOp) offsetOp).reg());
            bit = (int) (offset & (bits - 1));
        }
        long d = s.read(dst, size);
        boolean set = ((d >>> bit) & 1) != 0;
        if (in.mnemonic() == Mnemonic.BTS) {
            s.write(dst, size, d | (1L << bit));
        } else if (in.mnemonic() == Mnemonic.BTR) {
            s.write(dst, size, d & ~(1L << bit));
        }
        s.setRflags(set ? s.rflags() | Rflags.CF : s.rflags() & ~Rflags.CF);
    }

    /** XCHG reg, reg/mem (Vol. 2B XCHG): a memory operand is locked implicitly. */
    static void exchange(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Reg a = ((RegOp) in.operand(0)).reg();
        Step.Loc b = s.loc(in.operand(1));
        long va = s.readReg(a);
        long vb = s.read(b, size);
        s.write(b, size, va);
        s.writeReg(a, vb);
    }

    /**
     * CMPXCHG src, dst (Vol. 2A CMPXCHG): compares the accumulator with dst (flags as CMP). Equal:
     * dst = src. Not equal: accumulator = dst, and dst is written back with its own value (the
     * processor always writes the destination, so a read-only page faults either way).
     */
    static void compareExchange(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Reg src = ((RegOp) in.operand(0)).reg();
        Step.Loc dst = s.loc(in.operand(1));
        Reg acc = Reg.ofGpr(ArchRegs.RAX, size);
        long t = s.read(dst, size);
        long a = s.readReg(acc);
        Alu.Result cmp = Alu.sub(a, t, size, s.rflags());
        if (a == t) {
            s.write(dst, size, s.readReg(src));
        } else {
            s.writeReg(acc, t);
            s.write(dst, size, t);
        }
        s.setRflags(cmp.rflags());
    }
}
