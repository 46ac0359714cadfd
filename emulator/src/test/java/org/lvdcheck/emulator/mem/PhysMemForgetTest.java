package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PhysMem.Editor#forget}: a range forgotten at once is the same as each of its bytes forgotten alone. */
class PhysMemForgetTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void forgettingARangeIsForgettingEachOfItsBytes(long seed) {
        Random r = new Random(seed);
        for (int round = 0; round < 50; round++) {
            PhysMem.Editor e = PhysMem.empty(46).edit();
            for (int i = 0; i < 60; i++) {
                e.write(0x1000 + 8L * r.nextInt(512), 8, r.nextLong(), r.nextInt(3) == 0);
            }
            PhysMem m = e.freeze();
            int from = r.nextInt(4096);
            int length = r.nextInt(4096 - from) + 1;
            PhysMem whole = m.edit().forget(0x1000 + from, length).freeze();
            PhysMem.Editor bytes = m.edit();
            for (int b = from; b < from + length; b++) {
                bytes.forget(0x1000 + b, 1);
            }
            assertEquals(bytes.freeze(), whole, "seed " + seed + " round " + round + ": [" + from + ", +" + length + ")");
        }
    }

    @Test
    void aWholeBlockLosesItsWordsAndTheirTaintAndReadsThrow() {
        PhysMem m = PhysMem.empty(46).edit().write(0x1040, 8, 5, true).write(0x1080, 8, 6, true).freeze();
        PhysMem f = m.edit().forget(0x1040, 64).freeze();
        assertThrows(PhysMem.DeadRead.class, () -> f.read(0x1040, 8));
        assertTrue(f.isAllDead(0x1040, 64));
        assertFalse(f.isAllDead(0x1080, 8));
        assertTrue(f.isTainted(0x1080, 8), "the next block keeps its ⊤ word");
        assertFalse(f.isTainted(0x1000, 8), "words before it are as they were");
    }
}
