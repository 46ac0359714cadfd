package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PhysMemTest {

    @Test
    void absentFramesReadZeroAndAreNotAllocated() {
        PhysMem m = PhysMem.empty(46);
        assertEquals(0, m.read(0x1234_5678L, 8));
        assertFalse(m.isAllocated(0x12345));
        assertEquals(0, m.frameCount());
    }

    @Test
    void littleEndianAtEverySize() {
        PhysMem m = PhysMem.empty(46).edit().write(0x1000, 8, 0x1122334455667788L).freeze();
        assertEquals(0x88, m.read(0x1000, 1));
        assertEquals(0x7788, m.read(0x1000, 2));
        assertEquals(0x55667788L, m.read(0x1000, 4));
        assertEquals(0x66, m.read(0x1002, 1));
        assertEquals(0x3344, m.read(0x1004, 2));
        assertEquals(0x1122334455667788L, m.read(0x1000, 8));
    }

    @Test
    void unalignedAccessesCrossWordsAndFrames() {
        PhysMem m = PhysMem.empty(46).edit()
                .write(0x1005, 8, 0xAABBCCDDEEFF0011L)
                .write(0x1FFC, 8, 0x0102030405060708L)
                .freeze();
        assertEquals(0xAABBCCDDEEFF0011L, m.read(0x1005, 8));
        assertEquals(0x11, m.read(0x1005, 1));
        assertEquals(0x0102030405060708L, m.read(0x1FFC, 8));
        assertEquals(0x05060708L, m.read(0x1FFC, 4));
        assertEquals(0x01020304L, m.read(0x2000, 4));
        assertTrue(m.isAllocated(1) && m.isAllocated(2));
        assertEquals(2, m.frameCount());
    }

    @Test
    void frameHashFollowsOneFrameAndIsZeroWhenAbsent() {
        PhysMem a = PhysMem.empty(46).edit().write(0x1000, 8, 1).write(0x5000, 8, 5).freeze();
        PhysMem b = a.edit().write(0x5008, 8, 6).freeze();
        assertEquals(0, a.frameHash(7), "absent frame");
        assertEquals(a.frameHash(1), b.frameHash(1), "untouched frame keeps its hash");
        assertNotEquals(a.frameHash(5), b.frameHash(5), "a write changes the frame's hash");
        PhysMem c = b.edit().write(0x5008, 8, 0).freeze();
        assertEquals(a.frameHash(5), c.frameHash(5), "the hash is over contents, not history");
    }

    @Test
    void mayDifferInSeesWrittenAndNewFramesOnly() {
        PhysMem a = PhysMem.empty(46).edit().write(0x1000, 8, 1).write(0x5000, 8, 5).write(0x9000, 8, 9).freeze();
        PhysMem b = a.edit().write(0x5008, 8, 6).allocateFrame(3).freeze();
        assertFalse(a.mayDifferIn(a, new long[] {1, 5, 9}), "the same memory");
        assertFalse(b.mayDifferIn(a, new long[] {1, 9}), "untouched frames");
        assertTrue(b.mayDifferIn(a, new long[] {1, 5, 9}), "a written frame");
        assertTrue(b.mayDifferIn(a, new long[] {3}), "a frame allocated since");
        assertFalse(b.mayDifferIn(a, new long[] {2, 4, 7}), "frames absent from both");
        PhysMem c = b.edit().write(0x9000, 8, 9).freeze();
        assertTrue(c.mayDifferIn(b, new long[] {9}), "rewritten with equal contents: conservatively different");
        assertEquals(b.frameHash(9), c.frameHash(9), "while the contents are equal");
    }

    @Test
    void narrowWritesMergeIntoTheWord() {
        PhysMem m = PhysMem.empty(46).edit().write(0x2000, 8, -1L).write(0x2001, 1, 0).write(0x2004, 2, 0x1234).freeze();
        assertEquals(0xFFFF1234FFFF00FFL, m.read(0x2000, 8));
    }

    @Test
    void editorSeesItsOwnWritesAndFreezeSharesTheRest() {
        PhysMem base = PhysMem.empty(46).edit().write(0x1000, 8, 1).write(0x5000, 8, 5).freeze();
        PhysMem.Editor e = base.edit();
        e.write(0x1000, 8, 2);
        assertEquals(2, e.read(0x1000, 8));
        assertEquals(5, e.read(0x5000, 8));
        PhysMem next = e.freeze();
        assertEquals(1, base.read(0x1000, 8), "the base must not change");
        assertEquals(2, next.read(0x1000, 8));
        assertEquals(5, next.read(0x5000, 8));
        e.write(0x1000, 8, 3);
        assertEquals(2, next.read(0x1000, 8), "a frozen memory must not see later edits");
        assertSame(base, base.edit().freeze(), "an edit without writes returns the base");
    }

    @Test
    void largeEditsUseTheIndexAndStayCorrect() {
        PhysMem.Editor e = PhysMem.empty(46).edit();
        for (int i = 0; i < 300; i++) {
            e.write((long) (299 - i) << 12, 8, i);
        }
        PhysMem m = e.freeze();
        assertEquals(300, m.frameCount());
        for (int i = 0; i < 300; i++) {
            assertEquals(i, m.read((long) (299 - i) << 12, 8));
        }
        long[] numbers = m.frameNumbers();
        for (int i = 1; i < numbers.length; i++) {
            assertTrue(numbers[i - 1] < numbers[i]);
        }
    }

    @Test
    void writesBeyondMaxPhysAddrAreModelBugs() {
        PhysMem m = PhysMem.empty(39);
        assertThrows(IllegalArgumentException.class, () -> m.edit().write(1L << 39, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> m.edit().write((1L << 39) - 4, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> m.edit().write(0, 3, 1));
        m.edit().write((1L << 39) - 8, 8, 1);
    }

    @Test
    void allocatedZeroFrameIsAllocated() {
        PhysMem m = PhysMem.empty(46).edit().allocateFrame(7).freeze();
        assertTrue(m.isAllocated(7));
        assertEquals(0, m.read(7 << 12, 8));
        assertNotEquals(PhysMem.empty(46), m, "allocation is part of the contents");
    }

    @Test
    void contentHashAndEqualityFollowContents() {
        SplittableRandom r = new SplittableRandom(42);
        for (int round = 0; round < 50; round++) {
            long seed = r.nextLong();
            PhysMem.Editor a = PhysMem.empty(46).edit();
            long[] addrs = new long[10];
            long[] vals = new long[10];
            for (int i = 0; i < 10; i++) {
                addrs[i] = (r.nextLong(64) << 12) + 8 * r.nextInt(512);
                vals[i] = r.nextLong();
            }
            for (int i = 0; i < 10; i++) {
                a.write(addrs[i], 8, vals[i]);
            }
            PhysMem ma = a.freeze();
            // Rebuilt from scratch through apply(): same contents, distinct frame objects.
            List<MemWrite> replay = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                replay.add(new MemWrite(addrs[i], 8, vals[i]));
            }
            PhysMem mb = PhysMem.empty(46).apply(replay);
            assertEquals(ma, mb, "seed " + seed);
            assertEquals(ma.contentHash(seed), mb.contentHash(seed));
            PhysMem changed = ma.edit().write(addrs[0], 1, (vals[0] & 0xFF) ^ 1).freeze();
            assertNotEquals(ma, changed);
            assertNotEquals(ma.contentHash(seed), changed.contentHash(seed), "seed " + seed);
            assertNotEquals(ma.contentHash(seed), ma.contentHash(seed + 1));
        }
    }

    @Test
    void aMemoryFrozenFromAHashedOneHashesAsOneBuiltAfresh() {
        // The hash of a memory derived from a hashed one is computed from the frames it changed
        // (through chains of unhashed memories in between, a frame changed twice, a change back,
        // and a frame newly allocated, which takes the whole sum): every path must agree with a
        // memory of the same contents built in one go, for the seed hashed and for another.
        SplittableRandom r = new SplittableRandom(7);
        for (int round = 0; round < 40; round++) {
            long seed = r.nextLong();
            java.util.Map<Long, Long> words = new java.util.TreeMap<>();
            PhysMem m = PhysMem.empty(46);
            for (int f = 0; f < 8; f++) {
                long a = ((long) f << 12) + 8 * r.nextInt(512);
                long v = r.nextLong();
                m = m.edit().write(a, 8, v).freeze();
                words.put(a, v);
            }
            m.contentHash(seed);
            for (int step = 0; step < 6; step++) {
                long a = ((long) r.nextInt(step == 5 ? 12 : 8) << 12) + 8 * r.nextInt(512);
                long v = step == 3 ? words.getOrDefault(a, 0L) : r.nextLong();
                m = m.edit().write(a, 8, v).freeze();
                words.put(a, v);
                if (r.nextBoolean()) {
                    m.contentHash(seed);
                }
            }
            PhysMem.Editor fresh = PhysMem.empty(46).edit();
            words.forEach((a, v) -> fresh.write(a, 8, v));
            PhysMem f = fresh.freeze();
            assertEquals(f, m);
            assertEquals(f.contentHash(seed), m.contentHash(seed), "round " + round);
            assertEquals(f.contentHash(seed + 1), m.contentHash(seed + 1), "round " + round);
        }
    }

    @Test
    void sameContentsBuiltDifferentlyAreEqual() {
        PhysMem x = PhysMem.empty(46).edit().write(0x3000, 8, 9).write(0x1000, 4, 7).freeze();
        PhysMem y = PhysMem.empty(46).edit().write(0x1000, 8, 0xFFFF_FFFF_0000_0000L).freeze()
                .edit().write(0x1004, 4, 0).write(0x1000, 4, 7).freeze()
                .edit().write(0x3000, 8, 9).freeze();
        assertEquals(x, y);
        assertEquals(x.hashCode(), y.hashCode());
        assertEquals(x.contentHash(1), y.contentHash(1));
    }

    @Test
    void aDiscardedFrameKeepsItsContentsThroughEveryEditAndInEveryDerivedMemory() {
        PhysMem built = PhysMem.empty(39).edit().write(0x5000, 8, 0x1111).write(0x7000, 8, 0x2222).freeze();
        PhysMem m = built.discarding(f -> f == 5 || f == 6);
        assertTrue(m.discards(5));
        assertFalse(m.discards(7));
        assertEquals(built, m, "the predicate is not contents");
        PhysMem after = m.edit().write(0x5000, 8, 0x9999).write(0x5ffe, 4, 0x7777).domainWrite(5).forget(0x5010, 8)
                .allocateFrame(6).write(0x7000, 8, 0x3333).freeze();
        assertEquals(0x1111, after.read(0x5000, 8));
        assertFalse(after.isTainted(0x5000, 8));
        assertFalse(after.isDead(0x5010, 8));
        assertFalse(after.isAllocated(6), "no frame is allocated for a discarded number");
        assertEquals(0x3333, after.read(0x7000, 8), "other frames keep their writes");
        PhysMem later = after.apply(List.of(new MemWrite(0x5008, 8, 0x4444, false)));
        assertEquals(0, later.read(0x5008, 8), "the predicate travels with every derived memory");
        PhysMem plain = built.edit().write(0x5000, 8, 0x9999).freeze();
        assertEquals(0x9999, plain.read(0x5000, 8), "without it, edits are kept");
    }
}
