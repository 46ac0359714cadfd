package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A memory's content hash is a function of its contents alone: after any run of edits (words, ⊤
 * words, forgotten bytes, the driver's writes), hashed at some steps and not at others, it is what a
 * memory written from nothing with the same words, ⊤ words, dead bytes and domain-wrote bits gives,
 * and a change of a word changes it.
 */
class PhysMemHashTest {
    static final int FRAMES = 4;

    /** The same contents as {@code m}, every frame written from nothing. */
    static PhysMem rebuilt(PhysMem m) {
        PhysMem.Editor e = PhysMem.empty(m.maxPhysAddrBits()).edit();
        for (long n = 0; n < FRAMES; n++) {
            if (!m.isAllocated(n)) {
                continue;
            }
            e.allocateFrame(n);
            if (m.domainWrote(n)) {
                e.domainWrite(n); // sets the bit, and makes every word ⊤ until written below
            }
            for (long a = n << 12; a < (n + 1) << 12; a += 8) {
                if (m.isTainted(a, 8)) {
                    e.write(a, 8, 0, true);
                } else {
                    long v = 0;
                    for (int b = 0; b < 8; b++) {
                        v |= m.isDead(a + b, 1) ? 0 : m.read(a + b, 1) << (8 * b);
                    }
                    e.write(a, 8, v);
                }
                for (int b = 0; b < 8; b++) {
                    if (m.isDead(a + b, 1)) {
                        e.forget(a + b, 1);
                    }
                }
            }
        }
        return e.freeze();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void anEditedMemoryHashesAsOneWrittenFromNothing(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        PhysMem m = PhysMem.empty(46).edit().allocateFrame(0).freeze();
        for (int step = 0; step < 120; step++) {
            if (rnd.nextBoolean()) {
                m.contentHash(7); // the next memories' hashes are then computed from this one's
            }
            PhysMem.Editor e = m.edit();
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                long a = ((long) rnd.nextInt(FRAMES) << 12) + 8L * rnd.nextInt(16);
                switch (rnd.nextInt(6)) {
                    case 0, 1 -> e.write(a, 8, rnd.nextLong());
                    case 2 -> e.write(a, 8, 0);
                    case 3 -> e.write(a, 8, 0, true);
                    case 4 -> e.forget(a + rnd.nextInt(8), 1 + rnd.nextInt(1));
                    default -> e.domainWrite(a >>> 12);
                }
            }
            PhysMem before = m;
            m = e.freeze();
            long h = m.contentHash(7);
            PhysMem r = rebuilt(m);
            assertEquals(r.contentHash(7), h, "step " + step);
            if (!m.changesSince(before).isEmpty()) {
                assertNotEquals(before.contentHash(7), h, "step " + step + ": changed contents, another hash");
            }
        }
    }
}
