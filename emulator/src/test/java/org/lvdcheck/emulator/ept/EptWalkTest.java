package org.lvdcheck.emulator.ept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.mem.PageSize;

class EptWalkTest {
    static final long GPA = 0x4020_3000L;
    static final long HPA = 0x7777_7000L;

    static CpuCaps caps(boolean executeOnly) {
        return CpuCaps.skylake().withEptExecuteOnly(executeOnly);
    }

    /** 28.2.3: all 8 leaf rights x read/write/fetch, with and without execute-only support. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyRightsCombinationAgainstEveryAccessKind(boolean executeOnly) {
        for (int rwx = 0; rwx < 8; rwx++) {
            EptTestRig rig = new EptTestRig(caps(executeOnly)).map4k(GPA, HPA, EptEntry.RWX);
            rig.setEntry(GPA, 1, HPA | rwx | (EptEntry.MT_WB << 3));
            for (EptAccess.Kind kind : EptAccess.Kind.values()) {
                EptResult r = rig.translate(GPA + 0x10, EptAccess.linear(kind), false);
                String what = "rwx=" + EptEntry.rightsString(rwx) + " " + kind + " execOnly=" + executeOnly;
                int need = kind == EptAccess.Kind.READ ? EptEntry.R : kind == EptAccess.Kind.WRITE ? EptEntry.W : EptEntry.X;
                if (rwx == 0) {
                    EptResult.Violation v = assertInstanceOf(EptResult.Violation.class, r, what);
                    assertEquals(0, v.rwx(), what);
                } else if (rwx == 2 || rwx == 6 || (rwx == 4 && !executeOnly)) {
                    assertInstanceOf(EptResult.Misconfig.class, r, what);
                } else if ((rwx & need) != 0) {
                    EptResult.Ok ok = assertInstanceOf(EptResult.Ok.class, r, what);
                    assertEquals(HPA + 0x10, ok.hpa(), what);
                    assertEquals(rwx, ok.rwx(), what);
                    assertEquals(1, ok.pageSizeLevel());
                } else {
                    EptResult.Violation v = assertInstanceOf(EptResult.Violation.class, r, what);
                    assertEquals(rwx, v.rwx(), what);
                    assertEquals(GPA + 0x10, v.gpa());
                    assertEquals(kind == EptAccess.Kind.READ, v.read(), what);
                    assertEquals(kind == EptAccess.Kind.WRITE, v.write(), what);
                    assertEquals(kind == EptAccess.Kind.FETCH, v.fetch(), what);
                }
            }
        }
    }

    @Test
    void effectiveRightsAreTheAndOverAllLevels() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        long pde = rig.entry(GPA, 2);
        rig.setEntry(GPA, 2, (pde & ~7L) | EptEntry.R | EptEntry.X);
        EptResult.Ok ok = (EptResult.Ok) rig.translate(GPA, EptAccess.LINEAR_READ, false);
        assertEquals(EptEntry.R | EptEntry.X, ok.rwx());
        EptResult.Violation v = (EptResult.Violation) rig.translate(GPA, EptAccess.LINEAR_WRITE, false);
        assertEquals(EptEntry.R | EptEntry.X, v.rwx(), "bits 5:3 are the AND over the walk");
    }

    @Test
    void notPresentUpperLevelIsAViolationWithNoRights() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        EptResult.Violation v = (EptResult.Violation) rig.translate(GPA + (1L << 39), EptAccess.LINEAR_READ, false);
        assertEquals(0, v.rwx());
        assertEquals((1L << 0) | (1L << 7) | (1L << 8), v.exitQualification());
    }

    @Test
    void misconfigurationTakesPrecedenceOverARightsViolation() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        long pdpte = rig.entry(GPA, 3);
        rig.setEntry(GPA, 3, (pdpte & ~7L) | EptEntry.R);
        rig.setEntry(GPA, 1, HPA | EptEntry.RWX | (2 << 3));
        assertInstanceOf(EptResult.Misconfig.class, rig.translate(GPA, EptAccess.LINEAR_WRITE, false));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 7})
    void reservedMemoryTypesInALeafAreMisconfigurations(int mt) {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        rig.setEntry(GPA, 1, HPA | EptEntry.R | ((long) mt << 3));
        assertInstanceOf(EptResult.Misconfig.class, rig.translate(GPA, EptAccess.LINEAR_READ, false));
        EptTestRig big = new EptTestRig(caps(true));
        big.ept.map(0x4000_0000L, 0x8000_0000L, 0x20_0000, EptEntry.RWX, PageSize.SIZE_2M);
        big.setEntry(0x4000_0000L, 2, 0x8000_0000L | EptEntry.LARGE | EptEntry.R | ((long) mt << 3));
        assertInstanceOf(EptResult.Misconfig.class, big.translate(0x4000_1000L, EptAccess.LINEAR_READ, false));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 5, 6})
    void validMemoryTypesAreAccepted(int mt) {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        rig.setEntry(GPA, 1, HPA | EptEntry.R | ((long) mt << 3));
        EptResult.Ok ok = (EptResult.Ok) rig.translate(GPA, EptAccess.LINEAR_READ, false);
        assertEquals(mt, ok.memoryType());
    }

    @Test
    void memoryTypeBitsOfNonLeafEntriesAreReserved() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        for (int level = 2; level <= 4; level++) {
            for (int bit = 3; bit <= 7; bit++) {
                if (level <= 3 && bit == 7) {
                    continue; // bit 7 of a PDPTE/PDE means "maps a page", tested apart
                }
                long e = rig.entry(GPA, level);
                rig.setEntry(GPA, level, e | (1L << bit));
                assertInstanceOf(EptResult.Misconfig.class, rig.translate(GPA, EptAccess.LINEAR_READ, false),
                        "level " + level + " bit " + bit);
                rig.setEntry(GPA, level, e);
            }
        }
        assertInstanceOf(EptResult.Ok.class, rig.translate(GPA, EptAccess.LINEAR_READ, false));
    }

    @Test
    void largePageBitInAPml4eIsReserved() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        rig.setEntry(GPA, 4, rig.entry(GPA, 4) | EptEntry.LARGE);
        assertInstanceOf(EptResult.Misconfig.class, rig.translate(GPA, EptAccess.LINEAR_READ, false));
    }

    @Test
    void addressBitsAtOrAboveMaxPhysAddrAreReservedAtEveryLevel() {
        CpuCaps c = caps(true).withMaxPhysAddr(39);
        for (int level = 1; level <= 4; level++) {
            EptTestRig rig = new EptTestRig(c).map4k(GPA, HPA, EptEntry.RWX);
            rig.setEntry(GPA, level, rig.entry(GPA, level) | (1L << 39));
            assertInstanceOf(EptResult.Misconfig.class, rig.translate(GPA, EptAccess.LINEAR_READ, false), "level " + level);
            rig.setEntry(GPA, level, rig.entry(GPA, level) & ~(1L << 39) | (1L << 51));
            assertInstanceOf(EptResult.Misconfig.class, rig.translate(GPA, EptAccess.LINEAR_READ, false), "level " + level);
        }
    }

    @Test
    void notPresentEntryIgnoresItsReservedBits() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        rig.setEntry(GPA, 1, (1L << 51) | (7L << 3));
        assertInstanceOf(EptResult.Violation.class, rig.translate(GPA, EptAccess.LINEAR_READ, false));
    }

    @Test
    void largePagesTranslateWithTheirOffsetAndCheckTheirReservedBits() {
        EptTestRig rig = new EptTestRig(caps(true));
        rig.ept.map(0x4000_0000L, 0x1_C000_0000L, 1L << 30, EptEntry.R | EptEntry.W, PageSize.SIZE_1G);
        rig.ept.map(0x8000_0000L, 0x20_0000L, 2L << 20, EptEntry.R, PageSize.SIZE_2M);
        EptResult.Ok g = (EptResult.Ok) rig.translate(0x4123_4567L, EptAccess.LINEAR_WRITE, false);
        assertEquals(0x1_C123_4567L, g.hpa());
        assertEquals(3, g.pageSizeLevel());
        EptResult.Ok m = (EptResult.Ok) rig.translate(0x801F_FFF8L, EptAccess.LINEAR_READ, false);
        assertEquals(0x3F_FFF8L, m.hpa());
        assertEquals(2, m.pageSizeLevel());
        rig.setEntry(0x4000_0000L, 3, rig.entry(0x4000_0000L, 3) | (1L << 20));
        assertInstanceOf(EptResult.Misconfig.class, rig.translate(0x4000_0000L, EptAccess.LINEAR_READ, false));
        rig.setEntry(0x8000_0000L, 2, rig.entry(0x8000_0000L, 2) | (1L << 12));
        assertInstanceOf(EptResult.Misconfig.class, rig.translate(0x8000_0000L, EptAccess.LINEAR_READ, false));
    }

    @Test
    void largePageBitWithoutSupportIsReserved() {
        EptTestRig rig = new EptTestRig(caps(true));
        rig.ept.map(0x4000_0000L, 0x1_C000_0000L, 1L << 30, EptEntry.RWX, PageSize.SIZE_1G);
        rig.ept.map(0x8000_0000L, 0x20_0000L, 2L << 20, EptEntry.RWX, PageSize.SIZE_2M);
        CpuCaps no1g = rig.caps.withPages1G(false);
        CpuCaps no2m = rig.caps.withPages2M(false);
        long eptp = rig.ept.eptp(false);
        assertInstanceOf(EptResult.Misconfig.class, EptWalk.translate(rig.mem, eptp, 0x4000_0000L, EptAccess.LINEAR_READ, no1g));
        assertInstanceOf(EptResult.Ok.class, EptWalk.translate(rig.mem, eptp, 0x8000_0000L, EptAccess.LINEAR_READ, no1g));
        assertInstanceOf(EptResult.Misconfig.class, EptWalk.translate(rig.mem, eptp, 0x8000_0000L, EptAccess.LINEAR_READ, no2m));
    }

    @Test
    void exitQualificationDistinguishesLinearTranslationFromPagingStructureAccess() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.R);
        EptResult.Violation lin = (EptResult.Violation) rig.translate(GPA, EptAccess.LINEAR_FETCH, false);
        assertEquals(4 | (1 << 3) | (1 << 7) | (1 << 8), lin.exitQualification());
        EptResult.Violation pw = (EptResult.Violation) rig.translate(GPA, EptAccess.PAGING_WRITE, false);
        assertEquals(2 | (1 << 3) | (1 << 7), pw.exitQualification());
        assertTrue(pw.linearValid());
        assertFalse(pw.toLinearTranslation());
        EptResult.Violation phys = (EptResult.Violation) rig.translate(GPA, EptAccess.WRITE, false);
        assertEquals(2 | (1 << 3), phys.exitQualification());
        EptResult.Violation iret = (EptResult.Violation) rig.translate(GPA,
                EptAccess.LINEAR_WRITE.withNmiUnblockingByIret(true), false);
        assertTrue(iret.nmiUnblocking());
        assertEquals(2 | (1 << 3) | (1 << 7) | (1 << 8) | (1 << 12), iret.exitQualification());
    }

    @Test
    void withAdEnabledPagingStructureReadsAreWrites() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.R);
        assertInstanceOf(EptResult.Ok.class, rig.translate(GPA, EptAccess.PAGING_READ, false));
        EptResult.Violation v = (EptResult.Violation) rig.translate(GPA, EptAccess.PAGING_READ, true);
        assertEquals(3 | (1 << 3) | (1 << 7), v.exitQualification(), "bits 0 and 1 both set");
        assertInstanceOf(EptResult.Ok.class, rig.translate(GPA, EptAccess.LINEAR_READ, true),
                "an ordinary read of the same page is still a read");
    }

    @Test
    void adFlagsAreReturnedAsWritesOnlyWhenEnabled() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX);
        EptResult.Ok plain = (EptResult.Ok) rig.translate(GPA, EptAccess.LINEAR_WRITE, false);
        assertTrue(plain.adWrites().isEmpty());
        EptResult.Ok read = (EptResult.Ok) rig.translate(GPA, EptAccess.LINEAR_READ, true);
        assertEquals(4, read.adWrites().size());
        for (int i = 0; i < 4; i++) {
            MemWrite w = read.adWrites().get(i);
            assertEquals(rig.entryAddr(GPA, 4 - i), w.hpa());
            assertEquals(rig.entry(GPA, 4 - i) | EptEntry.ACCESSED, w.value(), "A only on a read");
        }
        rig.mem.apply(read.adWrites());
        EptResult.Ok again = (EptResult.Ok) rig.translate(GPA, EptAccess.LINEAR_READ, true);
        assertTrue(again.adWrites().isEmpty(), "A already set: no write");
        EptResult.Ok write = (EptResult.Ok) rig.translate(GPA, EptAccess.LINEAR_WRITE, true);
        assertEquals(List.of(new MemWrite(rig.entryAddr(GPA, 1), 8, rig.entry(GPA, 1) | EptEntry.DIRTY)), write.adWrites());
        EptResult.Ok paging = (EptResult.Ok) new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.RWX)
                .translate(GPA, EptAccess.PAGING_READ, true);
        assertTrue((paging.adWrites().get(3).value() & EptEntry.DIRTY) != 0,
                "a paging-structure read is treated as a write: the leaf gets D");
    }

    @Test
    void violationsAndMisconfigurationsWriteNothing() {
        EptTestRig rig = new EptTestRig(caps(true)).map4k(GPA, HPA, EptEntry.R);
        assertInstanceOf(EptResult.Violation.class, rig.translate(GPA, EptAccess.LINEAR_WRITE, true));
        assertEquals(0, rig.entry(GPA, 4) & EptEntry.ACCESSED);
    }
}
