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

    /**
     * ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, TEST: {@code op src, dst} computes dst OP src. The
     * result and the status flags are ⊤ when an operand is (ADC and SBB also read CF), except
     * {@code xor r, r} and {@code sub r, r}, whose 0 depends on no value (DESIGN.md §3).
     */
    static void binary(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        long src = s.readOperand(in.operand(0), size);
        boolean srcTop = s.loadedTaint();
        Step.Loc dst = s.loc(in.operand(1));
        long d = s.read(dst, size);
        boolean dstTop = s.loadedTaint();
        long f = s.rflags();
        Mnemonic m = in.mnemonic();
        Alu.Result r = switch (m) {
            case ADD -> Alu.add(d, src, size, f);
            case ADC -> Alu.adc(d, src, size, f);
            case SUB, CMP -> Alu.sub(d, src, size, f);
            case SBB -> Alu.sbb(d, src, size, f);
            case AND, TEST -> Alu.and(d, src, size, f);
            case OR -> Alu.or(d, src, size, f);
            case XOR -> Alu.xor(d, src, size, f);
            default -> throw new IllegalArgumentException(m.toString());
        };
        boolean top = !zeroing(in) && (srcTop || dstTop || (m == Mnemonic.ADC || m == Mnemonic.SBB) && s.flagsTainted());
        if (m != Mnemonic.CMP && m != Mnemonic.TEST) {
            s.write(dst, size, r.value(), top);
        }
        s.setRflags(r.rflags(), top);
    }

    /** {@code xor r, r} or {@code sub r, r}: the result is 0 whatever the register held. */
    private static boolean zeroing(Instruction in) {
        return (in.mnemonic() == Mnemonic.XOR || in.mnemonic() == Mnemonic.SUB)
                && in.operand(0) instanceof RegOp a && in.operand(1) instanceof RegOp b && a.reg() == b.reg();
    }

    /** INC, DEC, NEG, NOT. INC and DEC keep CF, so their flags are ⊤ also when the old flags were. */
    static void unary(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Step.Loc dst = s.loc(in.operand(0));
        long d = s.read(dst, size);
        boolean top = s.loadedTaint();
        long f = s.rflags();
        Alu.Result r = switch (in.mnemonic()) {
            case INC -> Alu.inc(d, size, f);
            case DEC -> Alu.dec(d, size, f);
            case NEG -> Alu.neg(d, size, f);
            case NOT -> Alu.not(d, size, f);
            default -> throw new IllegalArgumentException(in.mnemonic().toString());
        };
        s.write(dst, size, r.value(), top);
        switch (in.mnemonic()) {
            case INC, DEC -> s.setRflags(r.rflags(), top || s.flagsTainted());
            case NEG -> s.setRflags(r.rflags(), top);
            default -> s.setRflags(r.rflags());
        }
    }

    /**
     * SHL, SHR, SAR by an immediate or CL. A masked count of 0 still writes the destination back
     * and leaves the flags, so a ⊤ count keeps the old flags' taint in the union.
     */
    static void shift(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        long count = s.readOperand(in.operand(0), 1);
        boolean countTop = s.loadedTaint();
        Step.Loc dst = s.loc(in.operand(1));
        long d = s.read(dst, size);
        boolean top = s.loadedTaint() || countTop;
        long f = s.rflags();
        Alu.Result r = switch (in.mnemonic()) {
            case SHL -> Alu.shl(d, count, size, f);
            case SHR -> Alu.shr(d, count, size, f);
            case SAR -> Alu.sar(d, count, size, f);
            default -> throw new IllegalArgumentException(in.mnemonic().toString());
        };
        s.write(dst, size, r.value(), top);
        boolean flagsKept = countTop || Alu.maskedCount(count, size) == 0;
        s.setRflags(r.rflags(), top || flagsKept && s.flagsTainted());
    }

    /**
     * BT, BTS, BTR (Vol. 2A BT): CF = the selected bit; BTS sets it, BTR clears it. An immediate
     * offset is taken modulo the operand width. A register offset into a memory operand is signed
     * and may select a bit outside it: the access moves by (offset DIV width) operands, the bit
     * is offset MOD width (floor division, as the SDM's bit-string addressing); a ⊤ offset there
     * makes the address ⊤. ZF is unchanged; OF, SF, AF and PF are undefined and left unchanged here.
     */
    static void bitTest(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        int bits = size * 8;
        Operand offsetOp = in.operand(0);
        Step.Loc dst = s.loc(in.operand(1));
        int bit;
        boolean offsetTop = false;
        if (offsetOp instanceof RegOp r && dst.isMemory()) {
            long offset = OperandSize.signExtend(s.readReg(r.reg()), size);
            boolean top = s.loadedTaint();
            long ea = dst.ea() + Math.floorDiv(offset, (long) bits) * size;
            dst = new Step.Loc(null, dst.mem(), ea, dst.top() || top);
            bit = (int) Math.floorMod(offset, (long) bits);
        } else {
            long offset = offsetOp instanceof ImmOp i ? i.value() : s.readReg(((RegOp) offsetOp).reg());
            offsetTop = offsetOp instanceof RegOp && s.loadedTaint();
            bit = (int) (offset & (bits - 1));
        }
        long d = s.read(dst, size);
        boolean top = s.loadedTaint() || offsetTop;
        boolean set = ((d >>> bit) & 1) != 0;
        if (in.mnemonic() == Mnemonic.BTS) {
            s.write(dst, size, d | (1L << bit), top);
        } else if (in.mnemonic() == Mnemonic.BTR) {
            s.write(dst, size, d & ~(1L << bit), top);
        }
        s.setRflags(set ? s.rflags() | Rflags.CF : s.rflags() & ~Rflags.CF, top || s.flagsTainted());
    }

    /** XCHG reg, reg/mem (Vol. 2B XCHG): a memory operand is locked implicitly. The taints swap too. */
    static void exchange(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Reg a = ((RegOp) in.operand(0)).reg();
        Step.Loc b = s.loc(in.operand(1));
        long va = s.readReg(a);
        boolean ta = s.loadedTaint();
        long vb = s.read(b, size);
        boolean tb = s.loadedTaint();
        s.write(b, size, va, ta);
        s.writeReg(a, vb, tb);
    }

    /**
     * CMPXCHG src, dst (Vol. 2A CMPXCHG): compares the accumulator with dst (flags as CMP). Equal:
     * dst = src. Not equal: accumulator = dst, and dst is written back with its own value (the
     * processor always writes the destination, so a read-only page faults either way). Either way
     * the accumulator ends equal to the old dst; when the comparison involves ⊤, dst may end as
     * either value and is ⊤.
     */
    static void compareExchange(Step s) {
        Instruction in = s.insn;
        int size = in.opSize();
        Reg src = ((RegOp) in.operand(0)).reg();
        Step.Loc dst = s.loc(in.operand(1));
        Reg acc = Reg.ofGpr(ArchRegs.RAX, size);
        long t = s.read(dst, size);
        boolean tt = s.loadedTaint();
        long a = s.readReg(acc);
        boolean ta = s.loadedTaint();
        Alu.Result cmp = Alu.sub(a, t, size, s.rflags());
        if (tt || ta) {
            s.write(dst, size, 0, true);
            s.writeReg(acc, t, tt);
        } else if (a == t) {
            long v = s.readReg(src);
            s.write(dst, size, v, s.loadedTaint());
        } else {
            s.writeReg(acc, t);
            s.write(dst, size, t, false);
        }
        s.setRflags(cmp.rflags(), tt || ta);
    }
}
