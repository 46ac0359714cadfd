package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** SDM Vol. 3A Table 6-5, cell by cell. */
class DoubleFaultRulesTest {
    static final int[] BENIGN = {Vectors.DB, Vectors.NMI, Vectors.BP, Vectors.UD, Vectors.MC};
    static final int[] CONTRIBUTORY = {Vectors.DE, Vectors.TS, Vectors.NP, Vectors.SS, Vectors.GP};

    @Test
    void table6dash5() {
        for (int first : BENIGN) {
            for (int second : CONTRIBUTORY) {
                assertEquals(second, DoubleFaultRules.combine(first, EventKind.EXCEPTION, second));
            }
            assertEquals(Vectors.PF, DoubleFaultRules.combine(first, EventKind.EXCEPTION, Vectors.PF));
        }
        for (int first : CONTRIBUTORY) {
            for (int second : BENIGN) {
                assertEquals(second, DoubleFaultRules.combine(first, EventKind.EXCEPTION, second));
            }
            for (int second : CONTRIBUTORY) {
                assertEquals(Vectors.DF, DoubleFaultRules.combine(first, EventKind.EXCEPTION, second), first + "," + second);
            }
            assertEquals(Vectors.PF, DoubleFaultRules.combine(first, EventKind.EXCEPTION, Vectors.PF));
        }
        for (int second : CONTRIBUTORY) {
            assertEquals(Vectors.DF, DoubleFaultRules.combine(Vectors.PF, EventKind.EXCEPTION, second));
        }
        assertEquals(Vectors.DF, DoubleFaultRules.combine(Vectors.PF, EventKind.EXCEPTION, Vectors.PF));
        assertEquals(Vectors.UD, DoubleFaultRules.combine(Vectors.PF, EventKind.EXCEPTION, Vectors.UD));
        assertEquals(DoubleFaultRules.TRIPLE_FAULT, DoubleFaultRules.combine(Vectors.DF, EventKind.EXCEPTION, Vectors.GP));
        assertEquals(DoubleFaultRules.TRIPLE_FAULT, DoubleFaultRules.combine(Vectors.DF, EventKind.EXCEPTION, Vectors.PF));
    }

    @Test
    void interruptsAreBenignFirstEvents() {
        for (EventKind k : new EventKind[] {EventKind.EXTERNAL, EventKind.NMI, EventKind.SOFTWARE}) {
            assertEquals(Vectors.GP, DoubleFaultRules.combine(13, k, Vectors.GP), "vector 13 as " + k + " is not #GP");
            assertEquals(Vectors.PF, DoubleFaultRules.combine(14, k, Vectors.PF));
        }
    }
}
