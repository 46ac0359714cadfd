package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.asm.Condition;

class ConditionsTest {
    /**
     * For each of the 32 combinations of CF, PF, ZF, SF, OF (RFLAGS in hex), the SETcc results
     * of the 16 conditions in encoding order (bit i = condition code i), recorded once from the
     * hardware with gcc inline asm (popfq; setcc).
     */
    private static final String HARDWARE = """
            202 aaaa 203 aa66 206 a6aa 207 a666 242 6a5a 243 6a56 246 665a 247 6656
            282 59aa 283 5966 286 55aa 287 5566 2c2 595a 2c3 5956 2c6 555a 2c7 5556
            a02 5aa9 a03 5a65 a06 56a9 a07 5665 a42 5a59 a43 5a55 a46 5659 a47 5655
            a82 a9a9 a83 a965 a86 a5a9 a87 a565 ac2 6959 ac3 6955 ac6 6559 ac7 6555
            """;

    @Test
    void everyConditionAgreesWithTheHardwareOnEveryFlagCombination() {
        String[] t = HARDWARE.strip().split("\\s+");
        assertEquals(64, t.length);
        for (int k = 0; k < t.length; k += 2) {
            long rflags = Long.parseLong(t[k], 16);
            int expected = Integer.parseInt(t[k + 1], 16);
            for (Condition c : Condition.values()) {
                boolean want = ((expected >>> c.code()) & 1) != 0;
                assertEquals(want, Conditions.holds(c, rflags), c + " with RFLAGS " + t[k]);
            }
        }
    }

    @Test
    void signedAndUnsignedComparisonsAfterCmp() {
        // cmp $1, x  computes x - 1: -1 < 1 signed, 0xff..ff > 1 unsigned.
        long f = Alu.sub(-1L, 1, 8, 2).rflags();
        assertTrue(Conditions.holds(Condition.L, f));
        assertTrue(Conditions.holds(Condition.A, f));
        assertFalse(Conditions.holds(Condition.B, f));
        assertFalse(Conditions.holds(Condition.GE, f));
        // INT_MIN - 1 overflows: still "less" through SF != OF.
        long g = Alu.sub(0x8000_0000L, 1, 4, 2).rflags();
        assertTrue(Conditions.holds(Condition.L, g));
        assertTrue(Conditions.holds(Condition.O, g));
        assertFalse(Conditions.holds(Condition.S, g));
    }
}
