package org.lvdcheck.emulator.exec;

import static org.lvdcheck.emulator.cpu.Rflags.AF;
import static org.lvdcheck.emulator.cpu.Rflags.CF;
import static org.lvdcheck.emulator.cpu.Rflags.OF;
import static org.lvdcheck.emulator.cpu.Rflags.PF;
import static org.lvdcheck.emulator.cpu.Rflags.SF;
import static org.lvdcheck.emulator.cpu.Rflags.ZF;

/**
 * Integer arithmetic and logic with every RFLAGS status bit the SDM defines (Vol. 1 3.4.3.1,
 * Appendix A; Vol. 2 instruction pages). Operands are {@code size}-byte values in longs (upper
 * bits ignored); results are zero-extended. Where the SDM leaves a flag undefined this model
 * makes a fixed, documented choice (docs/INSTRUCTIONS.md): AF = 0 after logic operations and
 * shifts, OF after a multi-bit shift computed as for a 1-bit shift.
 */
public final class Alu {
    private Alu() {
    }

    /** The six status flags (CF, PF, AF, ZF, SF, OF). */
    public static final long STATUS = CF | PF | AF | ZF | SF | OF;

    /** A result value and the complete new RFLAGS. */
    public record Result(long value, long rflags) {
    }

    public static Result add(long a, long b, int size, long rflags) {
        return addWithCarry(a, b, 0, size, rflags, STATUS);
    }

    /** ADC: a + b + CF. */
    public static Result adc(long a, long b, int size, long rflags) {
        return addWithCarry(a, b, (rflags & CF) != 0 ? 1 : 0, size, rflags, STATUS);
    }

    /** SUB and CMP: a - b. */
    public static Result sub(long a, long b, int size, long rflags) {
        return subWithBorrow(a, b, 0, size, rflags, STATUS);
    }

    /** SBB: a - (b + CF). */
    public static Result sbb(long a, long b, int size, long rflags) {
        return subWithBorrow(a, b, (rflags & CF) != 0 ? 1 : 0, size, rflags, STATUS);
    }

    /** INC: as ADD 1 but CF is left unchanged (Vol. 2A INC). */
    public static Result inc(long a, int size, long rflags) {
        return addWithCarry(a, 1, 0, size, rflags, STATUS & ~CF);
    }

    /** DEC: as SUB 1 but CF is left unchanged (Vol. 2A DEC). */
    public static Result dec(long a, int size, long rflags) {
        return subWithBorrow(a, 1, 0, size, rflags, STATUS & ~CF);
    }

    /** NEG: 0 - a; CF = (a != 0), the other flags as for the subtraction (Vol. 2B NEG). */
    public static Result neg(long a, int size, long rflags) {
        return subWithBorrow(0, a, 0, size, rflags, STATUS);
    }

    /** NOT: no flags affected. */
    public static Result not(long a, int size, long rflags) {
        return new Result(OperandSize.truncate(~a, size), rflags);
    }

    /** AND and TEST: CF = OF = 0; SF, ZF, PF from the result; AF undefined, here 0. */
    public static Result and(long a, long b, int size, long rflags) {
        return logic(a & b, size, rflags);
    }

    public static Result or(long a, long b, int size, long rflags) {
        return logic(a | b, size, rflags);
    }

    public static Result xor(long a, long b, int size, long rflags) {
        return logic(a ^ b, size, rflags);
    }

    /**
     * SHL/SAL (Vol. 2B SAL/SAR/SHL/SHR): the count is masked to 5 bits (6 with a 64-bit operand);
     * a masked count of 0 changes no flag. CF is the last bit shifted out (0 when the count
     * exceeds the operand width, where the SDM leaves it undefined); OF = MSB(result) XOR CF
     * (defined for count 1 only; the same formula otherwise); AF undefined, here 0.
     */
    public static Result shl(long a, long count, int size, long rflags) {
        int c = maskedCount(count, size);
        long v = OperandSize.truncate(a, size);
        if (c == 0) {
            return new Result(v, rflags);
        }
        int bits = OperandSize.bits(size);
        long r = c >= 64 ? 0 : OperandSize.truncate(v << c, size);
        boolean cf = c <= bits && ((v >>> (bits - c)) & 1) != 0;
        boolean msb = (r & OperandSize.signBit(size)) != 0;
        long f = resultFlags(r, size, rflags & ~STATUS);
        f |= (cf ? CF : 0) | (msb != cf ? OF : 0);
        return new Result(r, f);
    }

    /**
     * SHR: CF is the last bit shifted out; OF = MSB of the original operand (defined for count 1;
     * the same formula otherwise); AF here 0.
     */
    public static Result shr(long a, long count, int size, long rflags) {
        int c = maskedCount(count, size);
        long v = OperandSize.truncate(a, size);
        if (c == 0) {
            return new Result(v, rflags);
        }
        long r = c >= 64 ? 0 : v >>> c;
        boolean cf = ((v >>> (c - 1)) & 1) != 0;
        boolean of = (v & OperandSize.signBit(size)) != 0;
        long f = resultFlags(r, size, rflags & ~STATUS);
        f |= (cf ? CF : 0) | (of ? OF : 0);
        return new Result(r, f);
    }

    /** SAR: fills with the sign bit; CF is the last bit shifted out; OF = 0; AF here 0. */
    public static Result sar(long a, long count, int size, long rflags) {
        int c = maskedCount(count, size);
        long v = OperandSize.truncate(a, size);
        if (c == 0) {
            return new Result(v, rflags);
        }
        long s = OperandSize.signExtend(a, size);
        long r = OperandSize.truncate(s >> Math.min(c, 63), size);
        boolean cf = ((s >> Math.min(c - 1, 63)) & 1) != 0;
        long f = resultFlags(r, size, rflags & ~STATUS);
        f |= cf ? CF : 0;
        return new Result(r, f);
    }

    /** The count a shift uses: the low 5 bits, or 6 bits with a 64-bit operand. */
    public static int maskedCount(long count, int size) {
        return (int) (count & (size == 8 ? 0x3F : 0x1F));
    }

    /** PF: set when the low byte of the result has an even number of 1 bits. */
    public static boolean parity(long r) {
        return (Long.bitCount(r & 0xFF) & 1) == 0;
    }

    private static Result addWithCarry(long a, long b, int carryIn, int size, long rflags, long affected) {
        long r = OperandSize.truncate(a + b + carryIn, size);
        long carries = (a & b) | ((a | b) & ~r);
        int top = OperandSize.bits(size) - 1;
        boolean cf = ((carries >>> top) & 1) != 0;
        boolean of = (((a ^ r) & (b ^ r)) & OperandSize.signBit(size)) != 0;
        boolean af = ((a ^ b ^ r) & 0x10) != 0;
        return withFlags(r, size, rflags, affected, cf, of, af);
    }

    private static Result subWithBorrow(long a, long b, int borrowIn, int size, long rflags, long affected) {
        long r = OperandSize.truncate(a - b - borrowIn, size);
        long borrows = (~a & b) | (~(a ^ b) & r);
        int top = OperandSize.bits(size) - 1;
        boolean cf = ((borrows >>> top) & 1) != 0;
        boolean of = (((a ^ b) & (a ^ r)) & OperandSize.signBit(size)) != 0;
        boolean af = ((a ^ b ^ r) & 0x10) != 0;
        return withFlags(r, size, rflags, affected, cf, of, af);
    }

    private static Result withFlags(long r, int size, long rflags, long affected, boolean cf, boolean of,
            boolean af) {
        long f = resultFlags(r, size, 0) | (cf ? CF : 0) | (of ? OF : 0) | (af ? AF : 0);
        return new Result(r, (rflags & ~affected) | (f & affected));
    }

    private static Result logic(long value, int size, long rflags) {
        long r = OperandSize.truncate(value, size);
        return new Result(r, resultFlags(r, size, rflags & ~STATUS));
    }

    /** {@code base} with ZF, SF and PF set from {@code r}. */
    private static long resultFlags(long r, int size, long base) {
        long f = base;
        if (r == 0) {
            f |= ZF;
        }
        if ((r & OperandSize.signBit(size)) != 0) {
            f |= SF;
        }
        if (parity(r)) {
            f |= PF;
        }
        return f;
    }
}
