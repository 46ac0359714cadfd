package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PhysMem#merged}: the frames the predicate picks come from the other memory, present or
 * absent there, with their ⊤ and dead bytes; every other frame stays as it was. Seeded random
 * memories over a handful of frame numbers, each frame present in one, both or neither.
 */
class PhysMemMergeTest {
    private static final long[] FRAMES = {0x10, 0x11, 0x12, 0x20, 0x21, 0x30};

    private static PhysMem random(SplittableRandom r) {
        PhysMem.Editor e = PhysMem.empty(46).edit();
        for (long f : FRAMES) {
            if (r.nextInt(3) == 0) {
                continue;
            }
            long base = f << PhysMem.FRAME_SHIFT;
            e.allocateFrame(f);
            for (int k = 0; k < 4; k++) {
                long at = base + 8L * r.nextInt(512);
                switch (r.nextInt(3)) {
                    case 0 -> e.write(at, 8, r.nextLong());
                    case 1 -> e.write(at, 8, 0, true);
                    default -> e.forget(at, 8);
                }
            }
        }
        return e.freeze();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void pickedFramesComeFromTheOtherMemoryAndTheRestStay(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        PhysMem a = random(r);
        PhysMem b = random(r);
        java.util.function.LongPredicate picked = f -> (f & 1) == 0;
        PhysMem m = a.merged(b, picked);
        for (long f : FRAMES) {
            PhysMem from = picked.test(f) ? b : a;
            assertEquals(from.isAllocated(f), m.isAllocated(f), "frame 0x" + Long.toHexString(f));
            if (!from.isAllocated(f)) {
                continue;
            }
            assertTrue(m.sameFrame(from, f), "the frame object itself");
            assertEquals(from.frameHash(f), m.frameHash(f));
            long base = f << PhysMem.FRAME_SHIFT;
            for (long w = base; w < base + PhysMem.FRAME_SIZE; w += 8) {
                assertEquals(from.isDead(w, 8), m.isDead(w, 8));
                if (!from.isDead(w, 8)) {
                    assertEquals(from.read(w, 8), m.read(w, 8));
                    assertEquals(from.isTainted(w, 8), m.isTainted(w, 8));
                }
            }
        }
        assertEquals(a, a.merged(b, f -> false), "nothing picked: the same contents");
        assertEquals(b, a.merged(b, f -> true), "everything picked: the other memory's contents");
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23})
    void aMergeThatKeepsTheNumberingKeepsTheIndex(long seed) {
        PhysMem a = random(new SplittableRandom(seed));
        PhysMem m = a.merged(a, f -> true);
        assertSame(a.frameSetId(), m.frameSetId());
        assertFalse(m.isAllocated(0x40));
    }
}
