package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PhysMem#differingWords}: the words two memories of the same frames hold differently. */
class PhysMemDifferingWordsTest {
    private static PhysMem base() {
        return PhysMem.empty(46).edit().write(0x1000, 8, 1).write(0x2000, 8, 2).write(0x3ff8, 8, 3).freeze();
    }

    @Test
    void valuesAndTaintThatDifferAreListedInAscendingOrder() {
        PhysMem a = base();
        PhysMem b = a.edit().write(0x3ff8, 8, 4).write(0x1008, 8, 0, true).write(0x2000, 1, 9).freeze();
        assertTrue(a.sameFrameNumbers(b));
        assertArrayEquals(new long[] {0x1008, 0x2000, 0x3ff8}, a.differingWords(b));
        assertArrayEquals(new long[] {0x1008, 0x2000, 0x3ff8}, b.differingWords(a));
        assertArrayEquals(new long[0], a.differingWords(a));
        PhysMem same = a.edit().write(0x1000, 8, 1).freeze(); // rewritten with its own value: a new frame object
        assertArrayEquals(new long[0], a.differingWords(same));
    }

    @Test
    void aWordWithAValueInOneAndAByteWithoutInTheOtherIsNoImage() {
        PhysMem a = base();
        PhysMem b = a.edit().forget(0x2004, 1).freeze();
        assertNull(a.differingWords(b));
        PhysMem both = a.edit().forget(0x2000, 8).freeze();
        PhysMem bothAgain = b.edit().forget(0x2000, 8).freeze();
        assertArrayEquals(new long[0], both.differingWords(bothAgain), "dead in both: nothing to compare");
    }

    @Test
    void memoriesOfOtherFramesAreRefused() {
        PhysMem a = base();
        PhysMem b = a.edit().write(0x5000, 8, 1).freeze();
        assertFalse(a.sameFrameNumbers(b));
        assertThrows(IllegalArgumentException.class, () -> a.differingWords(b));
    }

    /** Random edits of a few frames: the list is what reading every word of both says. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void theListIsWhatAWordByWordComparisonFinds(long seed) {
        Random r = new Random(seed);
        PhysMem a = PhysMem.empty(46);
        PhysMem.Editor e = a.edit();
        for (long f = 1; f <= 3; f++) {
            e.write(f << 12, 8, f);
        }
        a = e.freeze();
        for (int round = 0; round < 30; round++) {
            PhysMem.Editor x = a.edit();
            for (int k = 0; k < 6; k++) {
                long w = ((1 + r.nextInt(3)) << 12) + 8L * r.nextInt(512);
                x.write(w, 8, r.nextInt(4), r.nextInt(6) == 0);
            }
            PhysMem b = x.freeze();
            List<Long> expected = new ArrayList<>();
            for (long f = 1; f <= 3; f++) {
                for (long w = f << 12; w < (f + 1) << 12; w += 8) {
                    if (a.read(w, 8) != b.read(w, 8) || a.isTainted(w, 8) != b.isTainted(w, 8)) {
                        expected.add(w);
                    }
                }
            }
            assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), a.differingWords(b), "round " + round);
        }
    }
}
