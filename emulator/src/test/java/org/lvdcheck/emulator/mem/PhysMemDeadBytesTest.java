package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Dead bytes of {@link PhysMem}: forgotten bytes read as nothing until written again. */
class PhysMemDeadBytesTest {
    private final PhysMem base = PhysMem.empty(46).edit().write(0x1000, 8, 0x1122334455667788L)
            .write(0x1008, 8, 0x99).freeze();

    @Test
    void aReadOfAForgottenByteThrowsAndNamesIt() {
        PhysMem m = base.edit().forget(0x1004, 2).freeze();
        PhysMem.DeadRead e = assertThrows(PhysMem.DeadRead.class, () -> m.read(0x1000, 8));
        assertEquals(0x1004, e.hpa());
        assertEquals(0x7788, m.read(0x1000, 2), "bytes outside the forgotten range still read");
        assertEquals(0x99, m.read(0x1008, 8));
        assertThrows(PhysMem.DeadRead.class, () -> m.read(0x1005, 1));
        assertThrows(PhysMem.DeadRead.class, () -> m.edit().read(0x1002, 4), "the editor checks too");
    }

    @Test
    void aWriteGivesTheBytesItCoversAValueAgain() {
        PhysMem m = base.edit().forget(0x1000, 8).freeze();
        PhysMem w = m.edit().write(0x1000, 4, 0xAABBCCDDL).freeze();
        assertEquals(0xAABBCCDDL, w.read(0x1000, 4));
        assertThrows(PhysMem.DeadRead.class, () -> w.read(0x1000, 8), "the upper half is still dead");
        assertTrue(w.isDead(0x1004, 4));
        assertFalse(w.isDead(0x1000, 4));
        PhysMem full = m.edit().write(0x1000, 8, 5).freeze();
        assertEquals(5, full.read(0x1000, 8));
    }

    @Test
    void forgottenBytesHoldZeroAndDifferFromWrittenZeros() {
        PhysMem zero = base.edit().write(0x1000, 8, 0).freeze();
        PhysMem dead = base.edit().forget(0x1000, 8).freeze();
        assertNotEquals(zero, dead);
        assertNotEquals(zero.contentHash(7), dead.contentHash(7));
        PhysMem dead2 = base.edit().write(0x1000, 8, 42).freeze().edit().forget(0x1000, 8).freeze();
        assertEquals(dead, dead2, "what a forgotten byte held does not matter");
        assertEquals(dead.contentHash(7), dead2.contentHash(7));
    }

    @Test
    void isAllDeadNeedsEveryByte() {
        PhysMem m = base.edit().forget(0x1000, 0x100).freeze();
        assertTrue(m.isAllDead(0x1000, 0x100));
        assertTrue(m.isAllDead(0x1040, 64));
        assertFalse(m.isAllDead(0x1000, 0x101));
        assertFalse(base.isAllDead(0x1000, 8));
    }

    @Test
    void aWordForgottenWholeLosesItsTaintAndADomainWriteRevivesTheFrame() {
        PhysMem t = base.edit().write(0x1000, 8, 0, true).freeze().edit().forget(0x1000, 8).freeze();
        assertFalse(t.isTainted(0x1000, 8));
        PhysMem d = t.edit().domainWrite(1).freeze();
        assertTrue(d.isTainted(0x1000, 8));
        assertEquals(0, d.read(0x1000, 8), "a ⊤ word reads as its canonical 0, not as nothing");
    }

    @Test
    void aFrameForgottenWholeKeepsNothingOfWhatWasWrittenToIt() {
        PhysMem never = PhysMem.empty(46).edit().forget(0x3000, 0x1000).freeze();
        assertTrue(never.isAllocated(3), "forgetting a frame no one wrote allocates it, dead");
        assertTrue(never.isAllDead(0x3000, 0x1000));
        PhysMem wrote = PhysMem.empty(46).edit().domainWrite(3).freeze();
        assertTrue(wrote.domainWrote(3));
        PhysMem gone = wrote.edit().forget(0x3000, 0x800).forget(0x3800, 0x800).freeze();
        assertFalse(gone.domainWrote(3), "nothing the domain wrote is left");
        for (long a = 0x3000; a < 0x4000; a += 8) {
            assertFalse(gone.isTainted(a, 8));
        }
        assertEquals(never, gone);
        assertEquals(never.contentHash(7), gone.contentHash(7));
        assertEquals(never.frameHash(3), gone.frameHash(3));
        PhysMem half = wrote.edit().forget(0x3000, 0x800).freeze();
        assertTrue(half.domainWrote(3), "a frame with a byte left keeps the bit");
        assertTrue(half.isTainted(0x3800, 8));
        assertNotEquals(never, half);
    }

    @Test
    void changesSinceLeavesOutForgottenWords() {
        PhysMem m = base.edit().forget(0x1000, 8).write(0x1010, 8, 3).freeze();
        var ch = m.changesSince(base);
        assertEquals(1, ch.size(), ch.toString());
        assertEquals(0x1010, ch.get(0).hpa());
    }

    @Test
    void forgettingAcrossAFrameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> base.edit().forget(0x1FFC, 8));
    }

    @Test
    void derivedValuesAreComputedOncePerFrameAndMemoOncePerMemory() {
        Object key = new Object();
        int[] calls = new int[1];
        PhysMem.ContentFunction<Long> sum = (w, dead) -> {
            calls[0]++;
            long s = 0;
            for (long x : w) {
                s += x;
            }
            return s;
        };
        long[] total = new long[1];
        base.forEachContentDerived(key, n -> false, sum, (n, v) -> total[0] += v);
        base.forEachContentDerived(key, n -> false, sum, (n, v) -> { });
        assertEquals(1, calls[0]);
        assertEquals(0x1122334455667788L + 0x99, total[0]);
        PhysMem other = base.edit().write(0x5000, 8, 1).freeze();
        other.forEachContentDerived(key, n -> false, sum, (n, v) -> { });
        assertEquals(2, calls[0], "only the new frame is computed; frame 1 is shared");
        assertEquals(1L, (long) other.contentDerived(5, key, sum));
        assertEquals(2, calls[0], "the frame's value is kept with it");
        assertNull(other.contentDerived(9, key, sum), "an unallocated frame has none");
        PhysMem third = other.edit().write(0x6000, 8, 2).freeze();
        List<Long> seen = new java.util.ArrayList<>();
        third.forEachContentDerived(key, n -> n == 6, sum, (n, v) -> seen.add(n));
        assertEquals(List.of(1L, 5L), seen, "a skipped frame is neither computed nor given");
        assertEquals(2, calls[0]);
        long[][] deadSeen = new long[1][];
        PhysMem forgotten = base.edit().forget(0x1008, 8).freeze();
        forgotten.contentDerived(1, new Object(), (w, dead) -> deadSeen[0] = dead);
        assertEquals(0xFFL << 8, deadSeen[0][0], "the dead bytes reach the function, one bit per byte");
        int[] memos = new int[1];
        assertEquals(3, (int) other.memo(key, m -> ++memos[0] + 2));
        assertEquals(3, (int) other.memo(key, m -> ++memos[0] + 2));
        assertEquals(1, memos[0]);
        assertTrue(other.sameFrame(base, 1));
        assertFalse(other.sameFrame(base, 5));
        assertSame(base.frameToken(1), other.frameToken(1), "a shared frame gives the same token");
        assertNotSame(base.frameToken(5), other.frameToken(5), "a written frame gives another");
        assertNull(other.frameToken(9), "an unallocated frame has none");
    }
}
