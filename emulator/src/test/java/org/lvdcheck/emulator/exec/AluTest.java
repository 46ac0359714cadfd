package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lvdcheck.emulator.cpu.Rflags.AF;
import static org.lvdcheck.emulator.cpu.Rflags.CF;
import static org.lvdcheck.emulator.cpu.Rflags.DF;
import static org.lvdcheck.emulator.cpu.Rflags.FIXED1;
import static org.lvdcheck.emulator.cpu.Rflags.IF;
import static org.lvdcheck.emulator.cpu.Rflags.OF;
import static org.lvdcheck.emulator.cpu.Rflags.PF;
import static org.lvdcheck.emulator.cpu.Rflags.SF;
import static org.lvdcheck.emulator.cpu.Rflags.ZF;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hand-computed flag results on boundary values; the hardware table is AluHardwareTableTest. */
class AluTest {
    private static final long BASE = FIXED1 | IF;

    private static long status(Alu.Result r) {
        return r.rflags() & Alu.STATUS;
    }

    @Test
    void addCarriesAndOverflows() {
        // 0xff + 1 = 0x00 (8-bit): CF, ZF, PF (0 has even parity), AF (carry out of bit 3).
        Alu.Result r = Alu.add(0xFF, 1, 1, BASE);
        assertEquals(0, r.value());
        assertEquals(CF | ZF | PF | AF, status(r));
        // 0x7f + 1 = 0x80: signed overflow, SF, AF; 0x80 has one bit set: PF clear.
        r = Alu.add(0x7F, 1, 1, BASE);
        assertEquals(0x80, r.value());
        assertEquals(OF | SF | AF, status(r));
        // 64-bit: 0x8000..0 + 0x8000..0 = 0: CF, OF, ZF, PF.
        r = Alu.add(Long.MIN_VALUE, Long.MIN_VALUE, 8, BASE);
        assertEquals(0, r.value());
        assertEquals(CF | OF | ZF | PF, status(r));
        // 32-bit: 0xffffffff + 1 carries out of bit 31 even with junk above bit 31 in the inputs.
        r = Alu.add(0xABCD_FFFF_FFFFL, 1, 4, BASE);
        assertEquals(0, r.value());
        assertEquals(CF | ZF | PF | AF, status(r));
        assertEquals(BASE, r.rflags() & ~Alu.STATUS, "non-status bits untouched");
    }

    @Test
    void adcAndSbbUseTheIncomingCarry() {
        Alu.Result r = Alu.adc(0xFFFF, 0, 2, BASE | CF);
        assertEquals(0, r.value());
        assertEquals(CF | ZF | PF | AF, status(r));
        r = Alu.sbb(0, 0, 4, BASE | CF);
        assertEquals(0xFFFF_FFFFL, r.value());
        assertEquals(CF | SF | PF | AF, status(r));
        r = Alu.sbb(5, 3, 1, BASE);
        assertEquals(2, r.value());
    }

    @Test
    void subAndCmpBorrowAndOverflow() {
        Alu.Result r = Alu.sub(0, 1, 8, BASE);
        assertEquals(-1L, r.value());
        assertEquals(CF | SF | PF | AF, status(r));
        r = Alu.sub(0x80, 1, 1, BASE);
        assertEquals(0x7F, r.value());
        assertEquals(OF | AF, status(r));
        r = Alu.sub(42, 42, 4, BASE | CF | SF);
        assertEquals(0, r.value());
        assertEquals(ZF | PF, status(r));
    }

    @Test
    void incAndDecLeaveCarryAlone() {
        Alu.Result r = Alu.inc(0xFF, 1, BASE | CF);
        assertEquals(0, r.value());
        assertEquals(CF | ZF | PF | AF, status(r), "CF kept from input");
        r = Alu.inc(0xFF, 1, BASE);
        assertEquals(ZF | PF | AF, status(r), "inc never sets CF");
        r = Alu.dec(0, 8, BASE);
        assertEquals(-1L, r.value());
        assertEquals(SF | PF | AF, status(r));
        r = Alu.dec(0x8000, 2, BASE | CF);
        assertEquals(0x7FFF, r.value());
        assertEquals(CF | OF | PF | AF, status(r));
    }

    @Test
    void negSetsCarryUnlessZero() {
        Alu.Result r = Alu.neg(0, 4, BASE | CF);
        assertEquals(0, r.value());
        assertEquals(ZF | PF, status(r));
        r = Alu.neg(1, 1, BASE);
        assertEquals(0xFF, r.value());
        assertEquals(CF | SF | PF | AF, status(r));
        r = Alu.neg(0x80, 1, BASE);
        assertEquals(0x80, r.value(), "neg of the most negative value is itself");
        assertEquals(CF | OF | SF, status(r));
    }

    @Test
    void logicClearsCarryAndOverflowAndAf() {
        Alu.Result r = Alu.and(0xF0, 0x0F, 1, BASE | CF | OF | AF);
        assertEquals(0, r.value());
        assertEquals(ZF | PF, status(r));
        r = Alu.or(0x8000_0000L, 1, 4, BASE | CF);
        assertEquals(0x8000_0001L, r.value());
        assertEquals(SF, status(r));
        r = Alu.xor(-1L, -1L, 8, BASE);
        assertEquals(ZF | PF, status(r));
        assertEquals(0xF0, Alu.not(0x0F, 1, BASE | CF).value());
        assertEquals(BASE | CF, Alu.not(0x0F, 1, BASE | CF).rflags(), "not leaves flags");
    }

    @Test
    void shiftsByOneAndByMore() {
        Alu.Result r = Alu.shl(0x80, 1, 1, BASE);
        assertEquals(0, r.value());
        assertEquals(CF | ZF | PF | OF, status(r), "MSB(0)=0 xor CF=1");
        r = Alu.shl(0x40, 1, 1, BASE);
        assertEquals(0x80, r.value());
        assertEquals(SF | OF, status(r));
        r = Alu.shr(0x81, 1, 1, BASE);
        assertEquals(0x40, r.value());
        assertEquals(CF | OF, status(r), "OF = MSB of the original");
        r = Alu.sar(0x81, 1, 1, BASE);
        assertEquals(0xC0, r.value());
        assertEquals(CF | SF | PF, status(r));
        r = Alu.sar(Long.MIN_VALUE, 63, 8, BASE);
        assertEquals(-1L, r.value());
        r = Alu.shl(1, 64, 8, BASE | ZF);
        assertEquals(1, r.value(), "64 masks to 0 for a 64-bit operand");
        assertEquals(BASE | ZF, r.rflags(), "count 0 leaves every flag");
        r = Alu.shl(1, 32, 4, BASE | CF | OF);
        assertEquals(BASE | CF | OF, r.rflags(), "32 masks to 0 for a 32-bit operand");
        r = Alu.shr(0xFF, 9, 1, BASE);
        assertEquals(0, r.value(), "an 8-bit shift by 9 (masked count 9) empties the byte");
    }

    @Test
    void randomAddSubAgreeWithWideArithmetic() {
        long seed = 0x5EED_A1L;
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] sizes = {1, 2, 4, 8};
        for (int i = 0; i < 5000; i++) {
            int size = sizes[rnd.nextInt(4)];
            long a = rnd.nextLong();
            long b = rnd.nextLong();
            java.math.BigInteger ua = new java.math.BigInteger(Long.toUnsignedString(OperandSize.truncate(a, size)));
            java.math.BigInteger ub = new java.math.BigInteger(Long.toUnsignedString(OperandSize.truncate(b, size)));
            java.math.BigInteger sa = java.math.BigInteger.valueOf(OperandSize.signExtend(a, size));
            java.math.BigInteger sb = java.math.BigInteger.valueOf(OperandSize.signExtend(b, size));
            java.math.BigInteger lim = java.math.BigInteger.ONE.shiftLeft(size * 8);
            java.math.BigInteger half = java.math.BigInteger.ONE.shiftLeft(size * 8 - 1);
            Alu.Result add = Alu.add(a, b, size, BASE | DF);
            boolean cf = ua.add(ub).compareTo(lim) >= 0;
            java.math.BigInteger ss = sa.add(sb);
            boolean of = ss.compareTo(half) >= 0 || ss.compareTo(half.negate()) < 0;
            String msg = "seed " + seed + " iteration " + i + " size " + size;
            assertEquals(cf, (add.rflags() & CF) != 0, msg);
            assertEquals(of, (add.rflags() & OF) != 0, msg);
            assertEquals(ua.add(ub).mod(lim).longValue(), add.value(), msg);
            Alu.Result sub = Alu.sub(a, b, size, BASE);
            assertEquals(ua.compareTo(ub) < 0, (sub.rflags() & CF) != 0, msg);
            java.math.BigInteger sd = sa.subtract(sb);
            assertEquals(sd.compareTo(half) >= 0 || sd.compareTo(half.negate()) < 0, (sub.rflags() & OF) != 0, msg);
            assertEquals(ua.equals(ub), (sub.rflags() & ZF) != 0, msg);
        }
    }
}
