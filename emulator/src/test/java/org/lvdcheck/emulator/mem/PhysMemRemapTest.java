package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link PhysMem#remapped}: frames move to their new numbers with their labels and dead bytes,
 * the rewrite sees which words are plain, the result equals the memory built directly, and two
 * frames may not land on one.
 */
class PhysMemRemapTest {
    private static final java.util.function.LongUnaryOperator SWAP_1_2 = f -> f == 1 ? 2 : f == 2 ? 1 : f;
    /** Adds the frame's number to every plain nonzero word of it. */
    private static final PhysMem.FrameRewrite ADD_FRAME_NUMBER = (from, w) -> {
        for (int i = 0; i < PhysMem.FrameWords.size(); i++) {
            if (w.plain(i) && w.word(i) != 0) {
                w.set(i, w.word(i) + from);
            }
        }
    };

    @Test
    void framesSwapWithTheirLabelsAndTheRewriteSeesPlainWords() {
        PhysMem m = PhysMem.empty(46).edit().write(0x1000, 8, 0x1010).write(0x1008, 8, 7, true).write(0x3000, 8, 3)
                .forget(0x1010, 2).freeze();
        java.util.List<Integer> plainSeen = new java.util.ArrayList<>();
        PhysMem r = m.remapped(SWAP_1_2, (from, w) -> {
            for (int i = 0; i < 3; i++) {
                if (from == 1 && w.plain(i)) {
                    plainSeen.add(i);
                    w.set(i, w.word(i) == 0x1010 ? 0x2010 : w.word(i));
                }
            }
        });
        assertEquals(java.util.List.of(0), plainSeen, "word 1 is ⊤, word 2 has dead bytes");
        assertFalse(r.isAllocated(1));
        assertEquals(0x2010, r.read(0x2000, 8));
        assertTrue(r.isTainted(0x2008, 8));
        assertTrue(r.isDead(0x2010, 2));
        assertEquals(3, r.read(0x3000, 8));
        PhysMem direct = PhysMem.empty(46).edit().write(0x2000, 8, 0x2010).write(0x2008, 8, 7, true).write(0x3000, 8, 3)
                .forget(0x2010, 2).freeze();
        assertEquals(direct, r);
        assertEquals(direct.contentHash(5), r.contentHash(5));
        assertEquals(m, r.remapped(SWAP_1_2, (from, w) -> w.set(0, w.word(0) == 0x2010 ? 0x1010 : w.word(0))));
    }

    @Test
    void theRemappedHashIsTheHashOfTheRemappedMemoryFromScratchCachedAndByTheChangedFrames() {
        PhysMem m = PhysMem.empty(46).edit().write(0x1000, 8, 0x10).write(0x2000, 8, 0x20).write(0x3000, 8, 3, true)
                .freeze();
        long whole = m.remapped(SWAP_1_2, ADD_FRAME_NUMBER).contentHash(7);
        assertEquals(whole, m.remappedContentHash(7, SWAP_1_2, ADD_FRAME_NUMBER));
        assertEquals(whole, m.remappedContentHash(7, SWAP_1_2, ADD_FRAME_NUMBER), "kept");
        // Frozen from m with the same frames: from m's sum by the changed frame's terms.
        PhysMem n = m.edit().write(0x2008, 8, 5).freeze();
        assertEquals(n.remapped(SWAP_1_2, ADD_FRAME_NUMBER).contentHash(7), n.remappedContentHash(7, SWAP_1_2, ADD_FRAME_NUMBER));
        // One frame object at two numbers: each number's rewrite is kept apart.
        PhysMem twins = PhysMem.empty(46).edit().write(0x1000, 8, 1).write(0x2000, 8, 1).freeze();
        assertEquals(twins.remapped(SWAP_1_2, ADD_FRAME_NUMBER).contentHash(7), twins.remappedContentHash(7, SWAP_1_2, ADD_FRAME_NUMBER));
    }

    @Test
    void aRunThatHashesOnlyItsMirrorImagesKeepsBothHashesRight() {
        PhysMem m = PhysMem.empty(46).edit().write(0x1000, 8, 0x10).write(0x2000, 8, 0x20).freeze();
        m.contentHash(7);
        for (int step = 0; step < 5; step++) {
            // A child of a memory whose mirror image alone was hashed: its mirror hash from the parent's.
            m = m.edit().write(0x1000 + (step % 2) * 0x1000 + 8 * step, 8, step + 1).freeze();
            assertEquals(m.remapped(SWAP_1_2, ADD_FRAME_NUMBER).contentHash(7), m.remappedContentHash(7, SWAP_1_2, ADD_FRAME_NUMBER),
                    "mirror hash at step " + step);
            m.dropHashBase();
        }
        // Its own hash, never asked for on the way, over every frame.
        PhysMem direct = PhysMem.empty(46).edit().write(0x1000, 8, 0x10).write(0x2000, 8, 0x20).freeze().edit()
                .write(0x1000, 8, 1).write(0x2008, 8, 2).write(0x1010, 8, 3).write(0x2018, 8, 4).write(0x1020, 8, 5)
                .freeze();
        assertEquals(direct, m);
        assertEquals(direct.contentHash(7), m.contentHash(7));
    }

    @Test
    void twoFramesMayNotLandOnOne() {
        PhysMem m = PhysMem.empty(46).edit().write(0x1000, 8, 1).write(0x2000, 8, 2).freeze();
        assertThrows(IllegalArgumentException.class, () -> m.remapped(f -> 1, (from, w) -> { }));
    }
}
