package org.lvdcheck.emulator.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.testutil.Frames;
import static org.lvdcheck.emulator.paging.PagingResult.PageFault.I;
import static org.lvdcheck.emulator.paging.PagingResult.PageFault.P;
import static org.lvdcheck.emulator.paging.PagingResult.PageFault.RSVD;
import static org.lvdcheck.emulator.paging.PagingResult.PageFault.U;
import static org.lvdcheck.emulator.paging.PagingResult.PageFault.W;

class GuestPagingTest {
    static final long KVA = 0xFFFF_8880_0010_0000L;
    static final long UVA = 0x0000_7000_0000_0000L;
    static final long DATA = 0x100_0000L;

    final PagingRig rig = new PagingRig();

    long pageFault(PagingResult r) {
        return assertInstanceOf(PagingResult.PageFault.class, r).errorCode();
    }

    @Test
    void translatesThrough4kMapping() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        PagingResult.Ok ok = assertInstanceOf(PagingResult.Ok.class, rig.translate(rig.kernel(), KVA + 0x123, LinearAccess.READ));
        assertEquals(DATA + 0x123, ok.gpa());
        assertEquals(DATA + 0x123, ok.hpa());
        assertEquals(1, ok.pageSizeLevel());
    }

    @Test
    void largePagesKeepTheirOffset() {
        rig.pt.map(KVA & ~0x1F_FFFFL, 0x40_0000L, 0x20_0000L, Pte.RW, PageSize.SIZE_2M);
        rig.pt.map(0x40_0000_0000L, 0xC000_0000L, 1L << 30, Pte.RW, PageSize.SIZE_1G);
        PagingResult.Ok two = (PagingResult.Ok) rig.translate(rig.kernel(), (KVA & ~0x1F_FFFFL) + 0x12_3456L, LinearAccess.READ);
        assertEquals(0x52_3456L, two.gpa());
        assertEquals(2, two.pageSizeLevel());
        // 0xC000_0000 + 0x123_4567 is outside the rig's EPT identity range: an EPT exit for the final access.
        PagingResult one = rig.translate(rig.kernel(), 0x40_0123_4567L, LinearAccess.READ);
        PagingResult.EptExit exit = assertInstanceOf(PagingResult.EptExit.class, one);
        assertEquals(0xC123_4567L, ((EptResult.Violation) exit.ept()).gpa());
        assertTrue(((EptResult.Violation) exit.ept()).toLinearTranslation());
    }

    @Test
    void nonCanonicalAddressesRaiseGpOrSs() {
        long bad = 0x0000_8000_0000_0000L;
        assertInstanceOf(PagingResult.GeneralProtection.class, rig.translate(rig.kernel(), bad, LinearAccess.READ));
        assertInstanceOf(PagingResult.StackFault.class, rig.translate(rig.kernel(), bad, LinearAccess.STACK_WRITE));
        assertInstanceOf(PagingResult.GeneralProtection.class, rig.translate(rig.kernel(), 0xFFFF_7FFF_FFFF_F000L, LinearAccess.FETCH));
        assertTrue(GuestPaging.isCanonical(0xFFFF_8000_0000_0000L));
        assertTrue(GuestPaging.isCanonical(0x0000_7FFF_FFFF_FFFFL));
        assertFalse(GuestPaging.isCanonical(0x0001_0000_0000_0000L));
    }

    @Test
    void notPresentGivesErrorCodeWithoutP() {
        PagingRegs user = rig.kernel().withCpl(3);
        assertEquals(W | U, pageFault(rig.translate(user, UVA, LinearAccess.WRITE)));
        assertEquals(0, pageFault(rig.translate(rig.kernel(), UVA, LinearAccess.READ)));
        assertEquals(I, pageFault(rig.translate(rig.kernel(), UVA, LinearAccess.FETCH)), "I set with NXE");
        PagingRegs noNx = new PagingRegs(rig.kernel().cr0(), rig.kernel().cr3(), 0, Efer.LMA, Rflags.FIXED1, 0);
        assertEquals(0, pageFault(rig.translate(noNx, UVA, LinearAccess.FETCH)), "I clear without NXE and SMEP");
        PagingRegs smepOnly = new PagingRegs(noNx.cr0(), noNx.cr3(), Cr4.SMEP, Efer.LMA, Rflags.FIXED1, 0);
        assertEquals(I, pageFault(rig.translate(smepOnly, UVA, LinearAccess.FETCH)), "I set with SMEP");
        PagingResult.PageFault pf = (PagingResult.PageFault) rig.translate(rig.kernel(), UVA + 8, LinearAccess.READ);
        assertEquals(UVA + 8, pf.cr2());
    }

    @Test
    void reservedBitsGiveRsvd() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        long pte = rig.pt.entryGpa(KVA, 1);
        long good = rig.pt.read(pte);
        rig.pt.write(pte, good | (1L << 46));
        assertEquals(P | RSVD, pageFault(rig.translate(rig.kernel(), KVA, LinearAccess.READ)), "address bit at MAXPHYADDR");
        rig.pt.write(pte, good | Pte.XD);
        PagingRegs noNx = new PagingRegs(rig.kernel().cr0(), rig.kernel().cr3(), 0, Efer.LMA, Rflags.FIXED1, 0);
        assertEquals(P | RSVD, pageFault(rig.translate(noNx, KVA, LinearAccess.READ)), "XD without NXE");
        assertInstanceOf(PagingResult.Ok.class, rig.translate(rig.kernel(), KVA, LinearAccess.READ), "XD with NXE is fine for a read");
        rig.pt.write(pte, good);
        long pml4e = rig.pt.entryGpa(KVA, 4);
        rig.pt.write(pml4e, rig.pt.read(pml4e) | Pte.PS);
        assertEquals(P | RSVD | W, pageFault(rig.translate(rig.kernel(), KVA, LinearAccess.WRITE)), "PS in a PML4E");
    }

    @Test
    void largePageReservedBits() {
        rig.pt.map(0x40_0000_0000L, 0x4000_0000L, 1L << 30, Pte.RW, PageSize.SIZE_1G);
        long pdpte = rig.pt.entryGpa(0x40_0000_0000L, 3);
        long e = rig.pt.read(pdpte);
        rig.pt.write(pdpte, e | (1L << 13));
        assertEquals(P | RSVD, pageFault(rig.translate(rig.kernel(), 0x40_0000_0000L, LinearAccess.READ)));
        rig.pt.write(pdpte, e);
        PagingResult r = GuestPaging.translate(rig.kernel(), 0x40_0000_0000L, LinearAccess.READ,
                new EptGuestPhysical(rig.mem.freeze(), rig.ept.eptp(false), rig.caps.withPages1G(false)));
        assertEquals(P | RSVD, pageFault(r), "PS in a PDPTE without 1 GiB support");
        rig.pt.map(KVA & ~0x1F_FFFFL, 0x40_0000L, 0x20_0000L, Pte.RW, PageSize.SIZE_2M);
        long pde = rig.pt.entryGpa(KVA, 2);
        rig.pt.write(pde, rig.pt.read(pde) | (1L << 20));
        assertEquals(P | RSVD, pageFault(rig.translate(rig.kernel(), KVA, LinearAccess.READ)));
    }

    @Test
    void userAccessesNeedUserPagesAndWritesNeedRwAtEveryLevel() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        rig.pt.map(UVA, DATA, 0x1000, Pte.RW | Pte.US, PageSize.SIZE_4K);
        PagingRegs user = rig.kernel().withCpl(3);
        assertEquals(P | U, pageFault(rig.translate(user, KVA, LinearAccess.READ)));
        assertInstanceOf(PagingResult.Ok.class, rig.translate(user, UVA, LinearAccess.WRITE));
        long pde = rig.pt.entryGpa(UVA, 2);
        rig.pt.write(pde, rig.pt.read(pde) & ~Pte.RW);
        assertEquals(P | U | W, pageFault(rig.translate(user, UVA, LinearAccess.WRITE)), "R/W clear in the PDE");
        assertInstanceOf(PagingResult.Ok.class, rig.translate(user, UVA, LinearAccess.READ));
        rig.pt.write(pde, rig.pt.read(pde) | Pte.RW);
        rig.pt.write(pde, rig.pt.read(pde) & ~Pte.US);
        assertEquals(P | U, pageFault(rig.translate(user, UVA, LinearAccess.READ)), "U/S clear in the PDE");
        assertInstanceOf(PagingResult.Ok.class, rig.translate(user, UVA, LinearAccess.SUPERVISOR_WRITE),
                "an implicit access at CPL 3 is a supervisor access");
        rig.pt.write(pde, rig.pt.read(pde) & ~Pte.RW);
        assertEquals(P | W, pageFault(rig.translate(user, UVA, new LinearAccess(EptAccess.Kind.WRITE, true, false))),
                "an implicit access at CPL 3 is supervisor: no U bit, and the write hits R/W=0");
    }

    @Test
    void writeProtectGovernsSupervisorWritesToReadOnlyPages() {
        rig.pt.map(KVA, DATA, 0x1000, 0, PageSize.SIZE_4K);
        assertEquals(P | W, pageFault(rig.translate(rig.kernel(), KVA, LinearAccess.WRITE)));
        PagingRegs noWp = new PagingRegs(Cr0.PE | Cr0.PG, rig.kernel().cr3(), 0, rig.kernel().efer(), Rflags.FIXED1, 0);
        assertInstanceOf(PagingResult.Ok.class, rig.translate(noWp, KVA, LinearAccess.WRITE));
        assertEquals(P | W | U, pageFault(rig.translate(noWp.withCpl(3), KVA, LinearAccess.WRITE)), "WP does not help user mode");
    }

    @Test
    void smepBlocksSupervisorFetchesFromUserPages() {
        rig.pt.map(UVA, DATA, 0x1000, Pte.US, PageSize.SIZE_4K);
        PagingRegs k = rig.kernel();
        PagingRegs smep = new PagingRegs(k.cr0(), k.cr3(), Cr4.SMEP, k.efer(), k.rflags(), 0);
        assertInstanceOf(PagingResult.Ok.class, rig.translate(k, UVA, LinearAccess.FETCH));
        assertEquals(P | I, pageFault(rig.translate(smep, UVA, LinearAccess.FETCH)));
        assertInstanceOf(PagingResult.Ok.class, rig.translate(smep.withCpl(3), UVA, LinearAccess.FETCH), "user fetch is fine");
        assertInstanceOf(PagingResult.Ok.class, rig.translate(smep, UVA, LinearAccess.READ), "SMEP is about fetches");
    }

    @Test
    void smapBlocksSupervisorDataAccessToUserPagesUnlessAc() {
        rig.pt.map(UVA, DATA, 0x1000, Pte.US | Pte.RW, PageSize.SIZE_4K);
        PagingRegs k = rig.kernel();
        PagingRegs smap = new PagingRegs(k.cr0(), k.cr3(), Cr4.SMAP, k.efer(), Rflags.FIXED1, 0);
        PagingRegs smapAc = new PagingRegs(k.cr0(), k.cr3(), Cr4.SMAP, k.efer(), Rflags.FIXED1 | Rflags.AC, 0);
        assertEquals(P, pageFault(rig.translate(smap, UVA, LinearAccess.READ)));
        assertEquals(P | W, pageFault(rig.translate(smap, UVA, LinearAccess.WRITE)));
        assertInstanceOf(PagingResult.Ok.class, rig.translate(smapAc, UVA, LinearAccess.READ));
        assertInstanceOf(PagingResult.Ok.class, rig.translate(smapAc, UVA, LinearAccess.WRITE));
        assertEquals(P, pageFault(rig.translate(smapAc, UVA, LinearAccess.SUPERVISOR_READ)), "implicit accesses ignore AC");
        assertEquals(P | W, pageFault(rig.translate(smapAc.withCpl(3), UVA, LinearAccess.SUPERVISOR_STACK_WRITE)));
        assertInstanceOf(PagingResult.Ok.class, rig.translate(smap.withCpl(3), UVA, LinearAccess.READ), "user mode is unaffected");
        assertInstanceOf(PagingResult.Ok.class, rig.translate(smap, UVA, LinearAccess.FETCH), "SMAP is about data");
    }

    @Test
    void executeDisableWithNxe() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW | Pte.XD, PageSize.SIZE_4K);
        assertEquals(P | I, pageFault(rig.translate(rig.kernel(), KVA, LinearAccess.FETCH)));
        assertInstanceOf(PagingResult.Ok.class, rig.translate(rig.kernel(), KVA, LinearAccess.WRITE));
        long pdpte = rig.pt.entryGpa(KVA + 0x1000, 3);
        rig.pt.map(KVA + 0x1000, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        rig.pt.write(pdpte, rig.pt.read(pdpte) | Pte.XD);
        assertEquals(P | I, pageFault(rig.translate(rig.kernel(), KVA + 0x1000, LinearAccess.FETCH)), "XD at any level");
    }

    @Test
    void accessedAndDirtyFlagsAreWrittenThroughTheEpt() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        EptGuestPhysical gp = rig.view(false);
        assertInstanceOf(PagingResult.Ok.class, GuestPaging.translate(rig.kernel(), KVA, LinearAccess.READ, gp));
        for (int level = 1; level <= 4; level++) {
            long e = gp.memory().read(rig.pt.entryGpa(KVA, level), 8);
            assertTrue((e & Pte.A) != 0, "A at level " + level);
            assertEquals(0, e & Pte.D);
        }
        assertEquals(4, gp.writes().size());
        assertInstanceOf(PagingResult.Ok.class, GuestPaging.translate(rig.kernel(), KVA, LinearAccess.WRITE, gp));
        assertTrue((gp.memory().read(rig.pt.entryGpa(KVA, 1), 8) & Pte.D) != 0);
        assertEquals(5, gp.writes().size(), "one more write: D on the PTE");
    }

    @Test
    void readOnlyEptMappingOfAPageTableFaultsWhenAFlagMustBeSet() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        long pteGpa = rig.pt.entryGpa(KVA, 1);
        rig.ept.protect(pteGpa & ~0xFFFL, 0x1000, EptEntry.R);
        PagingResult r = rig.translate(rig.kernel(), KVA, LinearAccess.READ);
        PagingResult.EptExit exit = assertInstanceOf(PagingResult.EptExit.class, r);
        EptResult.Violation v = assertInstanceOf(EptResult.Violation.class, exit.ept());
        assertEquals(pteGpa, v.gpa());
        assertEquals(KVA, exit.linear());
        assertEquals(2 | (1 << 3) | (1 << 7), v.exitQualification(), "paging-structure write, R only, GVA valid, bit 8 clear");

        rig.pt.write(pteGpa, rig.pt.read(pteGpa) | Pte.A);
        assertInstanceOf(PagingResult.Ok.class, rig.translate(rig.kernel(), KVA, LinearAccess.READ), "A preset: no write needed");
        PagingResult w = rig.translate(rig.kernel(), KVA, LinearAccess.WRITE);
        assertInstanceOf(PagingResult.EptExit.class, w, "D must still be set");
        rig.pt.write(pteGpa, rig.pt.read(pteGpa) | Pte.D);
        assertInstanceOf(PagingResult.Ok.class, rig.translate(rig.kernel(), KVA, LinearAccess.WRITE));

        PagingResult withAd = GuestPaging.translate(rig.kernel(), KVA, LinearAccess.READ, rig.view(true));
        PagingResult.EptExit adExit = assertInstanceOf(PagingResult.EptExit.class, withAd,
                "with EPTP bit 6 every paging-structure read is a write");
        assertEquals(3 | (1 << 3) | (1 << 7), ((EptResult.Violation) adExit.ept()).exitQualification());
    }

    @Test
    void eptAdFlagsAreSetOnPageTablePagesWhenEnabled() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        long pteGpa = rig.pt.entryGpa(KVA, 1);
        EptGuestPhysical gp = rig.view(true);
        assertInstanceOf(PagingResult.Ok.class, GuestPaging.translate(rig.kernel(), KVA, LinearAccess.READ, gp));
        long eptLeafOfPtPage = EptBuilder.leafEntry(gp.memory(), rig.ept.root(), pteGpa);
        assertTrue((eptLeafOfPtPage & EptEntry.ACCESSED) != 0);
        assertTrue((eptLeafOfPtPage & EptEntry.DIRTY) != 0, "paging-structure accesses are writes: D set");
        long eptLeafOfData = EptBuilder.leafEntry(gp.memory(), rig.ept.root(), DATA);
        assertTrue((eptLeafOfData & EptEntry.ACCESSED) != 0);
        assertEquals(0, eptLeafOfData & EptEntry.DIRTY, "data page was only read");
    }

    @Test
    void finalAccessIsCheckedByTheEpt() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        rig.ept.protect(DATA, 0x1000, EptEntry.R | EptEntry.X);
        PagingResult.EptExit exit = assertInstanceOf(PagingResult.EptExit.class, rig.translate(rig.kernel(), KVA + 8, LinearAccess.WRITE));
        EptResult.Violation v = (EptResult.Violation) exit.ept();
        assertEquals(DATA + 8, v.gpa());
        assertEquals(2 | (5 << 3) | (1 << 7) | (1 << 8), v.exitQualification());
    }

    /** LVD's remap_cr3 trick: the same CR3 GPA reaches a different root under the driver's EPT. */
    @Test
    void sameCr3GpaDifferentRootUnderAnotherEpt() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        // The driver's tables: a copy of the kernel's root in another frame whose PML4E points to
        // a second hierarchy mapping KVA to another page.
        PageTableBuilder driverPt = PageTableBuilder.create(rig.mem, g -> g, new Frames(0x30_0000L), rig.caps);
        driverPt.map(KVA, DATA + 0x5000, 0x1000, Pte.RW, PageSize.SIZE_4K);
        EptBuilder driverEpt = EptBuilder.create(rig.mem,
                new Frames(0x2000_0000L), rig.caps);
        driverEpt.map(0, 0, 0x400_0000L, EptEntry.RWX, PageSize.SIZE_2M);
        driverEpt.remap4k(rig.pt.root(), driverPt.root(), EptEntry.RWX);
        PagingRegs regs = rig.kernel();
        PagingResult.Ok kernel = (PagingResult.Ok) GuestPaging.translate(regs, KVA, LinearAccess.READ, rig.view(false));
        PagingResult.Ok driver = (PagingResult.Ok) GuestPaging.translate(regs, KVA, LinearAccess.READ,
                new EptGuestPhysical(rig.mem.freeze(), driverEpt.eptp(false), rig.caps));
        assertEquals(DATA, kernel.gpa());
        assertEquals(DATA + 0x5000, driver.gpa());
    }

    @Test
    void pcidBitsAndBit63OfCr3AreIgnoredByTheWalk() {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        PagingRegs k = rig.kernel();
        PagingRegs pcid = new PagingRegs(k.cr0(), k.cr3() | 0x5 | (1L << 63), Cr4.PCIDE, k.efer(), k.rflags(), 0);
        assertEquals(5, pcid.pcid());
        assertEquals(DATA, ((PagingResult.Ok) rig.translate(pcid, KVA, LinearAccess.READ)).gpa());
    }

    @Test
    void pagingOffUsesTheLinearAddressAsGpa() {
        PagingRegs off = new PagingRegs(Cr0.PE, 0, 0, 0, Rflags.FIXED1, 0);
        PagingResult.Ok ok = (PagingResult.Ok) rig.translate(off, 0x12_3456L, LinearAccess.WRITE);
        assertEquals(0x12_3456L, ok.gpa());
        assertEquals(0, ok.pageSizeLevel());
    }

    @Test
    void linearMemoryCrossesPages() {
        rig.pt.map(KVA, DATA + 0x3000, 0x1000, Pte.RW, PageSize.SIZE_4K);
        rig.pt.map(KVA + 0x1000, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        EptGuestPhysical gp = rig.view(false);
        PagedLinearMemory lm = new PagedLinearMemory(rig.kernel(), gp);
        assertInstanceOf(LinearResult.Value.class, lm.write(KVA + 0xFFC, 8, 0x1122334455667788L, LinearAccess.WRITE));
        assertEquals(0x55667788L, gp.memory().read(DATA + 0x3FFC, 4));
        assertEquals(0x11223344L, gp.memory().read(DATA, 4));
        assertEquals(0x1122334455667788L, ((LinearResult.Value) lm.read(KVA + 0xFFC, 8, LinearAccess.READ)).value());
        LinearResult f = lm.write(KVA + 0x1FFC, 8, 1, LinearAccess.WRITE);
        assertInstanceOf(PagingResult.PageFault.class, ((LinearResult.Fault) f).failure());
        assertEquals(0, gp.memory().read(DATA + 0xFFC, 4), "no partial write when the second page faults");
    }
}
