package org.lvdcheck.emulator.ept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.PageSize;

class EptBuilderTest {
    final CpuCaps caps = CpuCaps.skylake();

    long hpaOf(EptTestRig rig, long gpa, EptAccess a) {
        return ((EptResult.Ok) rig.translate(gpa, a, false)).hpa();
    }

    /** The hypervisor's handling of LVD hypercall 0x4BF00034: split a 2 MiB identity leaf, remap one page. */
    @Test
    void remapOne4kPageInsideA2MiBIdentityMapping() {
        EptTestRig rig = new EptTestRig(caps);
        rig.ept.map(0x20_0000L, 0x20_0000L, 0x20_0000L, EptEntry.RWX, PageSize.SIZE_2M, EptEntry.MT_WB);
        rig.ept.remap4k(0x23_5000L, 0x9_9000L, EptEntry.R | EptEntry.W);
        EptResult.Ok remapped = (EptResult.Ok) rig.translate(0x23_5008L, EptAccess.LINEAR_READ, false);
        assertEquals(0x9_9008L, remapped.hpa());
        assertEquals(1, remapped.pageSizeLevel());
        assertEquals(EptEntry.R | EptEntry.W, remapped.rwx());
        for (long gpa = 0x20_0000L; gpa < 0x40_0000L; gpa += 0x1000) {
            if (gpa == 0x23_5000L) {
                continue;
            }
            EptResult.Ok ok = (EptResult.Ok) rig.translate(gpa + 0x18, EptAccess.LINEAR_FETCH, false);
            assertEquals(gpa + 0x18, ok.hpa(), "identity kept after split at " + Long.toHexString(gpa));
            assertEquals(EptEntry.RWX, ok.rwx());
            assertEquals(EptEntry.MT_WB, ok.memoryType());
        }
    }

    /** The INVEPT obligation's view of a change: each 4 KiB page's translation before and after. */
    @Test
    void pageTranslationsAndWhichChangesLeaveStaleOnes() {
        EptTestRig rig = new EptTestRig(caps);
        rig.ept.map(0x20_0000L, 0x20_0000L, 0x20_0000L, EptEntry.RWX, PageSize.SIZE_2M, EptEntry.MT_WB);
        long before = EptBuilder.pageTranslation(rig.mem, rig.ept.root(), 0x23_5abcL);
        assertEquals(0x23_5000L | EptEntry.RWX, before, "a page inside the 2 MiB leaf");
        assertEquals(0, EptBuilder.pageTranslation(rig.mem, rig.ept.root(), 0x40_0000L), "unmapped");
        rig.ept.remap4k(0x23_5000L, 0x9_9000L, EptEntry.R | EptEntry.W);
        long after = EptBuilder.pageTranslation(rig.mem, rig.ept.root(), 0x23_5000L);
        assertEquals(0x9_9000L | EptEntry.R | EptEntry.W, after);
        assertTrue(EptBuilder.removesOrDowngrades(before, after), "another frame");
        long neighbour = EptBuilder.pageTranslation(rig.mem, rig.ept.root(), 0x23_6000L);
        assertFalse(EptBuilder.removesOrDowngrades(0x23_6000L | EptEntry.RWX, neighbour), "a split keeps the others");
        assertTrue(EptBuilder.removesOrDowngrades(0x23_6000L | EptEntry.RWX, 0x23_6000L | EptEntry.R), "fewer rights");
        assertTrue(EptBuilder.removesOrDowngrades(0x23_6000L | EptEntry.R, 0), "unmapped");
        assertFalse(EptBuilder.removesOrDowngrades(0x23_6000L | EptEntry.R, 0x23_6000L | EptEntry.RWX), "more rights");
        assertFalse(EptBuilder.removesOrDowngrades(0, 0x23_6000L | EptEntry.R), "a new mapping");
    }

    @Test
    void unmapPartOfA1GiBPageSplitsDownTo4k() {
        EptTestRig rig = new EptTestRig(caps);
        rig.ept.map(0, 0x4000_0000L, 1L << 30, EptEntry.RWX, PageSize.SIZE_1G);
        rig.ept.unmap(0x1234_5000L, 0x2000);
        assertInstanceOf(EptResult.Violation.class, rig.translate(0x1234_5000L, EptAccess.LINEAR_READ, false));
        assertInstanceOf(EptResult.Violation.class, rig.translate(0x1234_6FFFL, EptAccess.LINEAR_READ, false));
        assertEquals(0x4000_0000L + 0x1234_4FFFL, hpaOf(rig, 0x1234_4FFFL, EptAccess.LINEAR_READ));
        assertEquals(0x4000_0000L + 0x1234_7000L, hpaOf(rig, 0x1234_7000L, EptAccess.LINEAR_READ));
        assertEquals(0x4000_0000L + 0x3FFF_F000L, hpaOf(rig, 0x3FFF_F000L, EptAccess.LINEAR_READ));
        assertEquals(2, ((EptResult.Ok) rig.translate(0x3FFF_F000L, EptAccess.LINEAR_READ, false)).pageSizeLevel(),
                "untouched parts stay 2 MiB after a 1 GiB split");
    }

    @Test
    void protectDowngradesAWholeRangeAndKeepsOthers() {
        EptTestRig rig = new EptTestRig(caps);
        rig.ept.map(0x10_0000L, 0x50_0000L, 0x10_0000L, EptEntry.RWX, PageSize.SIZE_4K);
        rig.ept.protect(0x10_1000L, 0x3000, EptEntry.R);
        assertInstanceOf(EptResult.Violation.class, rig.translate(0x10_2000L, EptAccess.LINEAR_WRITE, false));
        assertInstanceOf(EptResult.Ok.class, rig.translate(0x10_2000L, EptAccess.LINEAR_READ, false));
        assertInstanceOf(EptResult.Ok.class, rig.translate(0x10_4000L, EptAccess.LINEAR_WRITE, false));
        assertInstanceOf(EptResult.Ok.class, rig.translate(0x10_0000L, EptAccess.LINEAR_WRITE, false));
        assertEquals(0, rig.ept.leafEntry(0x90_0000L));
        assertEquals(0x50_2000L | EptEntry.R | (EptEntry.MT_WB << 3), rig.ept.leafEntry(0x10_2000L));
    }

    @Test
    void mappingOverAnExistingLargePageReplacesIt() {
        EptTestRig rig = new EptTestRig(caps);
        rig.ept.map(0, 0, 0x20_0000L, EptEntry.RWX, PageSize.SIZE_2M);
        rig.ept.map(0, 0x80_0000L, 0x20_0000L, EptEntry.R, PageSize.SIZE_2M);
        assertEquals(0x80_1234L, hpaOf(rig, 0x1234, EptAccess.LINEAR_READ));
    }

    @Test
    void rejectsMisalignedOrUnsupportedRequests() {
        EptTestRig rig = new EptTestRig(caps);
        assertThrows(IllegalArgumentException.class, () -> rig.ept.map(0x1000, 0, 0x20_0000L, 7, PageSize.SIZE_2M));
        assertThrows(IllegalArgumentException.class, () -> rig.ept.map(0, 0, 0x1000, 0, PageSize.SIZE_4K));
        EptTestRig small = new EptTestRig(caps.withPages1G(false));
        assertThrows(IllegalArgumentException.class, () -> small.ept.map(0, 0, 1L << 30, 7, PageSize.SIZE_1G));
    }
}
