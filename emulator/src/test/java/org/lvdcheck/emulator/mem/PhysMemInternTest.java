package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@link PhysMem#interned}: the same memory, sharing frames of equal contents within one generation. */
class PhysMemInternTest {
    /** Three frames: 1 and 2 written alike in every memory built here (2 with a ⊤ word too), 3 holding {@code third}. */
    private static PhysMem build(long third) {
        return PhysMem.empty(46).edit().write(0x1000, 8, 7).write(0x2000, 8, 7).write(0x2008, 8, 0, true)
                .write(0x3000, 8, third).freeze();
    }

    @Test
    void internedMemoriesAreEqualToTheOriginalsAndShareEveryFrameOfEqualContents() {
        PhysMem a = build(1), b = build(2);
        PhysMem.Interner in = new PhysMem.Interner();
        PhysMem ia = a.interned(in), ib = b.interned(in);
        assertEquals(a, ia);
        assertEquals(b, ib);
        assertEquals(a.contentHash(5), ia.contentHash(5));
        assertEquals(a.read(0x1000, 8), ia.read(0x1000, 8));
        assertTrue(ia.isTainted(0x2008, 8));
        assertEquals(4, in.frames(), "a's three frames, and b's frame 3: its frames 1 and 2 are a's");
        assertSame(ia, ia.interned(in), "an interned memory is its own canonical form in the same generation");
        PhysMem b2 = build(2).interned(in);
        assertEquals(4, in.frames(), "nothing new");
        assertEquals(ib, b2);
    }

    @Test
    void aNewGenerationForgetsTheCanonicalFramesButInterningStillGivesAnEqualMemory() {
        PhysMem.Interner in = new PhysMem.Interner();
        PhysMem a = build(1).interned(in);
        in.clear();
        assertEquals(0, in.frames());
        PhysMem again = a.interned(in);
        assertEquals(a, again);
        assertEquals(3, in.frames());
        PhysMem edited = again.edit().write(0x3000, 8, 9).freeze();
        assertNotSame(again, edited.interned(in));
        assertEquals(edited, edited.interned(in));
    }

    /** Random memories over a few frames, interned together, read back exactly as before. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomMemoriesReadTheSameAfterInterning(long seed) {
        Random r = new Random(seed);
        PhysMem.Interner in = new PhysMem.Interner();
        PhysMem base = PhysMem.empty(46);
        for (int round = 0; round < 40; round++) {
            PhysMem.Editor e = base.edit();
            for (int w = 0; w < 6; w++) {
                long hpa = (1 + r.nextInt(4)) * 0x1000L + 8L * r.nextInt(4);
                e.write(hpa, 8, r.nextInt(3), r.nextInt(5) == 0);
            }
            PhysMem m = e.freeze();
            PhysMem i = m.interned(in);
            assertEquals(m, i);
            assertEquals(m.contentHash(seed), i.contentHash(seed));
            for (long hpa = 0x1000; hpa < 0x5000; hpa += 8) {
                assertEquals(m.read(hpa, 8), i.read(hpa, 8));
                assertEquals(m.isTainted(hpa, 8), i.isTainted(hpa, 8));
            }
            base = r.nextBoolean() ? i : m;
        }
    }
    /**
     * Memories of many frames: packed ones are kept in runs of frames that the memories of one
     * generation share, and read, hash, compare and edit exactly as the originals, also when they
     * are edited further and interned again.
     */
    @ParameterizedTest
    @ValueSource(longs = {6, 7, 8})
    void packedMemoriesOfManyFramesBehaveAsTheOriginals(long seed) {
        Random r = new Random(seed);
        PhysMem.Interner in = new PhysMem.Interner();
        PhysMem.Editor init = PhysMem.empty(46).edit();
        for (int frame = 1; frame <= 40; frame++) {
            init.write(frame * 0x1000L, 8, frame);
        }
        PhysMem base = init.freeze();
        PhysMem previous = base.packed(in);
        for (int round = 0; round < 30; round++) {
            PhysMem.Editor e = base.edit();
            long hpa = (1 + r.nextInt(r.nextInt(8) == 0 ? 44 : 40)) * 0x1000L + 8L * r.nextInt(512);
            e.write(hpa, 8, r.nextInt(3), r.nextInt(5) == 0);
            PhysMem m = e.freeze();
            PhysMem i = m.packed(in);
            assertEquals(m, i);
            assertEquals(i, m);
            assertEquals(m, i.unpacked());
            assertEquals(m.interned(in), i);
            assertEquals(m.hashCode(), i.hashCode());
            assertEquals(m.contentHash(seed), i.contentHash(seed));
            assertEquals(m.frameCount(), i.frameCount());
            for (long a = 0x1000; a <= 44 * 0x1000L; a += 0x1000) {
                assertEquals(m.isAllocated(a >>> 12), i.isAllocated(a >>> 12));
                if (m.isAllocated(a >>> 12)) {
                    for (long w = a; w < a + 0x1000; w += 8) {
                        assertEquals(m.read(w, 8), i.read(w, 8));
                        assertEquals(m.isTainted(w, 8), i.isTainted(w, 8));
                    }
                }
            }
            if (m.frameCount() == previous.frameCount()) {
                int shared = 0;
                for (int k = 0; k < i.packedRuns(); k++) {
                    shared += i.packedRun(k) == previous.packedRun(k) ? 1 : 0;
                }
                assertTrue(shared >= i.packedRuns() - 1, "a memory one write away shares every other run");
            }
            previous = i;
            base = r.nextBoolean() ? i : m;
        }
    }

    /** A value {@link PhysMem#memo} derived from a memory's contents stays with its interned copy. */
    @Test
    void anInternedCopyKeepsTheMemo() {
        PhysMem.Interner in = new PhysMem.Interner();
        build(1).interned(in); // its frames become the canonical ones, so a's interned form is a copy
        PhysMem a = build(1);
        Object key = new Object();
        int[] calls = {0};
        java.util.function.Function<PhysMem, Long> f = m -> {
            calls[0]++;
            return m.read(0x3000, 8);
        };
        assertEquals(1L, a.memo(key, f));
        PhysMem ia = a.interned(in);
        assertNotSame(a, ia);
        assertEquals(1L, ia.memo(key, f));
        assertEquals(1, calls[0], "computed once");
        PhysMem edited = ia.edit().write(0x3000, 8, 5).freeze();
        assertEquals(5L, edited.memo(key, f), "an edit starts afresh");
        assertEquals(2, calls[0]);
    }
}
