package org.lvdcheck.emulator.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Word-granular taint and the "domain wrote since" bit of {@link PhysMem} (DESIGN.md §3). */
class PhysMemTaintTest {
    private final PhysMem clean = PhysMem.empty(46).edit().write(0x1000, 8, 0x1122334455667788L)
            .write(0x1008, 8, 0x99).freeze();

    @Test
    void aTaintedStoreTaintsAndZeroesEveryWordItTouches() {
        PhysMem m = clean.edit().write(0x1006, 4, 0xDEADBEEF, true).freeze();
        assertTrue(m.isTainted(0x1000, 8), "first word touched");
        assertTrue(m.isTainted(0x1008, 1), "second word touched");
        assertEquals(0, m.read(0x1000, 8), "a tainted word holds the canonical 0");
        assertEquals(0, m.read(0x1008, 8));
        assertFalse(m.isTainted(0x1010, 8), "the next word is clean");
        assertTrue(m.isTainted(0x0FFC, 8), "a read that touches a tainted word is tainted");
        assertFalse(clean.isTainted(0x1000, 8), "the base memory is unchanged");
    }

    @Test
    void aPartialCleanStoreKeepsTaintAndAWholeOneClearsIt() {
        PhysMem t = clean.edit().write(0x1000, 8, 0, true).freeze();
        PhysMem partial = t.edit().write(0x1000, 4, 0x12345678).write(0x1004, 2, 0x55).freeze();
        assertTrue(partial.isTainted(0x1000, 8));
        assertEquals(0, partial.read(0x1000, 8), "the clean bytes do not merge into ⊤");
        PhysMem whole = t.edit().write(0x1000, 8, 0xABCDL).freeze();
        assertFalse(whole.isTainted(0x1000, 8));
        assertEquals(0xABCDL, whole.read(0x1000, 8));
        PhysMem unaligned = t.edit().write(0x1004, 8, -1L).freeze();
        assertTrue(unaligned.isTainted(0x1000, 1), "an unaligned store covers no word whole");
        assertEquals(0xFFFFFFFFL, unaligned.read(0x1008, 4), "the clean word it touches merges as before");
    }

    @Test
    void framesAreCopiedOnWriteWithTheirTaint() {
        PhysMem t = clean.edit().write(0x1010, 8, 0, true).freeze();
        PhysMem.Editor e = t.edit();
        e.write(0x1010, 8, 7);
        PhysMem cleaned = e.freeze();
        e.write(0x1018, 8, 0, true);
        assertTrue(t.isTainted(0x1010, 8), "the frozen memory keeps its taint");
        assertFalse(cleaned.isTainted(0x1010, 8));
        assertFalse(cleaned.isTainted(0x1018, 8), "later edits do not reach a frozen result");
        assertTrue(e.isTainted(0x1018, 8), "the editor sees its own taint");
        assertTrue(e.freeze().isTainted(0x1018, 8));
    }

    @Test
    void hashAndEqualityIncludeTaintAndTheDomainWroteBit() {
        PhysMem a = clean.edit().write(0x1010, 8, 0, true).freeze();
        PhysMem b = clean.edit().write(0x1010, 8, 0).freeze();
        assertEquals(a.read(0x1010, 8), b.read(0x1010, 8), "same bytes");
        assertNotEquals(a, b, "different taint");
        assertNotEquals(a.contentHash(1), b.contentHash(1));
        PhysMem c = clean.edit().write(0x1010, 8, 5, true).freeze();
        assertEquals(a, c, "⊤ is one value whatever was stored");
        assertEquals(a.contentHash(1), c.contentHash(1));
        PhysMem w1 = clean.edit().domainWrite(1).freeze();
        PhysMem w2 = clean.edit().domainWrite(1).freeze();
        PhysMem notWrote = clean.edit().write(0x1000, 8, 0, true).freeze();
        for (int i = 0; i < 512; i++) {
            notWrote = notWrote.edit().write(0x1000 + 8L * i, 8, 0, true).freeze();
        }
        assertEquals(w1, w2);
        assertTrue(w1.domainWrote(1));
        assertFalse(notWrote.domainWrote(1));
        assertTrue(notWrote.isTainted(0x1FF8, 8));
        assertNotEquals(w1, notWrote, "same taint, different domain-wrote bit");
        assertNotEquals(w1.contentHash(9), notWrote.contentHash(9));
    }

    @Test
    void aDomainWriteTaintsTheWholeFrameAndCleanWritesLaterClearWordsNotTheBit() {
        PhysMem w = clean.edit().domainWrite(1).freeze();
        for (long a = 0x1000; a < 0x2000; a += 8) {
            assertTrue(w.isTainted(a, 8), "word at 0x" + Long.toHexString(a));
            assertEquals(0, w.read(a, 8));
        }
        PhysMem after = w.edit().write(0x1008, 8, 42).freeze();
        assertFalse(after.isTainted(0x1008, 8));
        assertEquals(42, after.read(0x1008, 8));
        assertTrue(after.isTainted(0x1000, 8));
        assertTrue(after.domainWrote(1), "the bit records that the domain wrote the frame");
    }

    @Test
    void applyHonoursTheTaintOfEachWrite() {
        PhysMem m = clean.apply(List.of(new MemWrite(0x1000, 8, 3, true), new MemWrite(0x1008, 8, 4)));
        assertTrue(m.isTainted(0x1000, 8));
        assertFalse(m.isTainted(0x1008, 8));
        assertEquals(4, m.read(0x1008, 8));
    }
}
