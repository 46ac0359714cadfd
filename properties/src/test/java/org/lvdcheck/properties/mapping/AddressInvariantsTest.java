package org.lvdcheck.properties.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.properties.mapping.MiniSystem.DIRECT;
import static org.lvdcheck.properties.mapping.MiniSystem.DOMAIN_PT_GPA;
import static org.lvdcheck.properties.mapping.MiniSystem.R;
import static org.lvdcheck.properties.mapping.MiniSystem.RW;
import static org.lvdcheck.properties.mapping.MiniSystem.SHARED;
import static org.lvdcheck.properties.mapping.MiniSystem.TEXT;
import static org.lvdcheck.properties.mapping.MiniSystem.X;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.paging.Pte;
import org.lvdcheck.properties.PropertyId;

/**
 * INV1, INV2 and INV3 on hand-built machines ({@link MiniSystem}), each satisfied and violated
 * in the ways docs/PROPERTIES.md lists. A domain "d" owns [16M, 32M); its page tables are its
 * first 64 KiB, read-only in its EPT unless a test says otherwise.
 */
class AddressInvariantsTest {
    static final long IDT_GVA = TEXT + 0x18_0000L;
    static final long IDT_HPA = 0x18_0000L;
    static final long D_DATA_GVA = 0xffff_ff80_8000_0000L;
    static final long D_DATA_GPA = 0x8000_0000L;

    /** Domain d with its page tables mapped read-only, 64 KiB of data and the kernel's IDT page read-only. */
    static MiniSystem wellBuilt() {
        MiniSystem m = new MiniSystem(1, "d");
        long d = m.domainBase("d");
        m.ept("d", D_DATA_GPA, d + 0x10_0000, 0x1_0000, RW)
                .map("d", D_DATA_GVA, D_DATA_GPA, 0x1_0000, Pte.RW | Pte.XD)
                .map("d", 0xffff_ff80_4000_0000L, DOMAIN_PT_GPA, 0x1_0000, Pte.XD)
                .ept("d", 0x7f_8180_0000L, IDT_HPA, 0x1000, R)
                .map("d", IDT_GVA, 0x7f_8180_0000L, 0x1000, Pte.RW)
                .share("idt", IDT_GVA, 0x1000, R, -1);
        return m;
    }

    static List<MappingViolation> v(MappingAnalysis a, PropertyId p) {
        return a.violations(p);
    }

    static Set<Long> addresses(List<MappingViolation> l) {
        return l.stream().map(MappingViolation::address).collect(Collectors.toSet());
    }

    @Test
    void aDomainWithItsOwnMemoryAndAReadOnlySharedIdtSatisfiesAllThree() {
        MappingAnalysis a = wellBuilt().analyse();
        assertEquals(List.of(), v(a, PropertyId.INV1));
        assertEquals(List.of(), v(a, PropertyId.INV2));
        assertEquals(List.of(), v(a, PropertyId.INV3));
        ViewMaps dom = a.views(0).stream().filter(x -> !x.kernel()).findFirst().orElseThrow();
        GuestRange idt = dom.roots().stream().filter(r -> r.name().equals("pgd d")).findFirst().orElseThrow()
                .map().lookup(IDT_GVA).orElseThrow();
        assertEquals(IDT_HPA, idt.hpa(), "the guest walk goes through the domain's EPT");
        assertEquals(R, idt.rights(AccessMode.RING0), "guest rw, EPT r: the domain reads only");
    }

    @Test
    void otherPropertiesAreNotMappingProperties() {
        MappingAnalysis a = wellBuilt().analyse();
        assertThrows(IllegalArgumentException.class, () -> a.violations(PropertyId.ENTRY));
    }

    // ---- INV2 -------------------------------------------------------------------------------

    @Test
    void inv2DomainCanWriteItsOwnPageTable() {
        MiniSystem m = wellBuilt();
        long d = m.domainBase("d");
        m.ept("d", DOMAIN_PT_GPA, d, 0x1_0000, RW);
        MappingAnalysis a = m.analyse();
        List<MappingViolation> l = v(a, PropertyId.INV2);
        Set<Long> tables = a.views(0).stream().filter(x -> !x.kernel()).flatMap(x -> x.roots().stream())
                .flatMap(r -> r.map().tables().stream()).map(GuestMap.Table::hpa).collect(Collectors.toSet());
        assertTrue(tables.contains(d), "the root is the domain's first frame");
        assertEquals(tables, addresses(l), "every table of the domain's page table, and nothing else");
        MappingViolation root = l.stream().filter(x -> x.address() == d).findFirst().orElseThrow();
        assertEquals("d", root.view());
        assertTrue(root.evidence().startsWith("domain d, cpu0: GPA 0x40000000 -> HPA 0x1000000 (EPT rw-) is the root (PML4) "
                + "of pgd d as view d walks it on cpu0"), root.evidence());
        assertTrue(root.evidence().contains("not writable through that mapping"), "the guest maps its tables read-only: "
                + root.evidence());
        assertEquals(List.of(), v(a, PropertyId.INV3), "its own frames: INV3 holds");
    }

    @Test
    void inv2DomainCanWriteTheKernelsPageTable() {
        MiniSystem m = wellBuilt();
        m.ept("d", 0x9000_0000L, MiniSystem.KERNEL_PT, 0x1000, RW).map("d", 0xffff_ff80_9000_0000L, 0x9000_0000L, 0x1000,
                Pte.RW);
        MappingAnalysis a = m.analyse();
        MappingViolation x = v(a, PropertyId.INV2).get(0);
        assertEquals(Set.of(MiniSystem.KERNEL_PT), addresses(v(a, PropertyId.INV2)));
        assertTrue(x.evidence().contains("is the root (PML4) of pgd k as view kernel walks it on cpu0"), x.evidence());
        assertTrue(x.evidence().contains("writable from ring 0"), x.evidence());
        assertEquals(Set.of(MiniSystem.KERNEL_PT), addresses(v(a, PropertyId.INV3)), "and it is kernel memory");
    }

    @Test
    void inv2ReadOnlyAccessToAPageTableIsNoViolationButStillKernelMemory() {
        MiniSystem m = wellBuilt();
        m.ept("d", 0x9000_0000L, MiniSystem.KERNEL_PT, 0x1000, R);
        MappingAnalysis a = m.analyse();
        assertEquals(List.of(), v(a, PropertyId.INV2));
        assertEquals(Set.of(MiniSystem.KERNEL_PT), addresses(v(a, PropertyId.INV3)));
    }

    @Test
    void inv2DomainCanWriteAnEptTableOrAnEptpList() {
        MiniSystem m = wellBuilt();
        long kernelEptRoot = m.kernelEpt.root();
        m.ept("d", 0x9000_0000L, kernelEptRoot, 0x1000, RW).ept("d", 0x9000_1000L, m.lists[0], 0x1000, RW);
        MappingAnalysis a = m.analyse();
        List<MappingViolation> l = v(a, PropertyId.INV2);
        assertEquals(Set.of(kernelEptRoot, m.lists[0]), addresses(l));
        String ept = l.stream().filter(x -> x.address() == kernelEptRoot).findFirst().orElseThrow().evidence();
        assertTrue(ept.contains("the root (PML4) of the EPT of view kernel on cpu0"), ept);
        assertTrue(ept.contains("no guest mapping of the view reaches it yet"), ept);
        String list = l.stream().filter(x -> x.address() == m.lists[0]).findFirst().orElseThrow().evidence();
        assertTrue(list.contains("the EPTP list of cpu0"), list);
        assertTrue(a.pagingFrames().get(m.domainEpt.get("d")[0].root()).stream()
                .anyMatch(r -> r.kind() == FrameRole.Kind.EPT_TABLE && r.level() == 4 && r.view().equals("d")));
    }

    // ---- INV3 -------------------------------------------------------------------------------

    @Test
    void inv3KernelFrameOtherDomainsFrameAndFrameOfNoRegion() {
        MiniSystem m = new MiniSystem(1, "d", "e");
        m.ept("d", 0x9000_0000L, 0x50_0000L, 0x2000, R)
                .ept("d", 0xa000_0000L, m.domainBase("e") + 0x10_0000, 0x1000, RW)
                .ept("d", 0xb000_0000L, 0x1000_0000L, 0x1000, RW)
                .ept("e", 0x9000_0000L, m.domainBase("e") + 0x10_0000, 0x1000, RW);
        MappingAnalysis a = m.analyse();
        List<MappingViolation> l = v(a, PropertyId.INV3);
        assertEquals(Set.of(0x50_0000L, m.domainBase("e") + 0x10_0000, 0x1000_0000L), addresses(l), l.toString());
        assertTrue(l.stream().allMatch(x -> x.view().equals("d")), "e maps only its own frame");
        String kernel = l.stream().filter(x -> x.address() == 0x50_0000L).findFirst().orElseThrow().evidence();
        assertTrue(kernel.contains("is kernel memory (region k), not the domain's own and not declared shared with this "
                + "view; so is the next frame"), kernel);
        assertTrue(l.stream().anyMatch(x -> x.evidence().contains("is e memory (region e.mem)")), l.toString());
        assertTrue(l.stream().anyMatch(x -> x.evidence().contains("is memory of no region")), l.toString());
    }

    @Test
    void inv3SharedFrameWithMoreRightsThanDeclared() {
        MiniSystem m = wellBuilt();
        m.ept("d", 0x7f_8180_0000L, IDT_HPA, 0x1000, RW);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV3);
        assertEquals(Set.of(IDT_HPA), addresses(l));
        assertTrue(l.get(0).evidence().contains("is declared shared as idt (r--) but this view maps it rw-"),
                l.get(0).evidence());
    }

    @Test
    void inv3SharedRegionIsReadWriteNeverExecute() {
        MiniSystem m = wellBuilt();
        m.ept("d", 0x9000_0000L, SHARED, 0x1000, RW);
        assertEquals(List.of(), v(m.analyse(), PropertyId.INV3));
        m.ept("d", 0x9000_1000L, SHARED + 0x1000, 0x1000, RW | X);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV3);
        assertEquals(Set.of(SHARED + 0x1000), addresses(l));
        assertTrue(l.get(0).evidence().contains("declared shared as region buf (owner=shared) (rw-)"), l.get(0).evidence());
    }

    @Test
    void inv3AStackSharedWithOneCpuIsKernelMemoryOnTheOther() {
        MiniSystem m = new MiniSystem(2, "d");
        long ist = 0x20_0000L;
        m.share("ist5 stack of cpu1", DIRECT + ist, 0x2000, RW, 1).ept("d", ist, ist, 0x2000, RW);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV3);
        assertEquals(1, l.size(), l.toString());
        assertEquals(0, l.get(0).cpu(), "cpu1's view may map it; cpu0's may not");
        assertTrue(l.get(0).evidence().contains("(declared shared only with cpu1's views as ist5 stack of cpu1)"),
                l.get(0).evidence());
    }

    @Test
    void inv3AHypercallThatMapsAnyFrameServedToADomain() {
        MiniSystem m = wellBuilt();
        m.hypercalls.add(new MappingInputs.ServedHypercall(0x4BF00034L, "maps any host frame", "the policy at x.lvd:3:1"));
        MappingAnalysis a = m.analyse();
        List<MappingViolation> l = v(a, PropertyId.INV3);
        assertEquals(1, l.size());
        assertEquals(-1, l.get(0).cpu());
        assertEquals(Eptp.pml4Address(m.kernelEpt.eptp(false), 39), l.get(0).address());
        assertTrue(l.get(0).evidence().startsWith("domain d, every cpu: hypercall 0x4bf00034 maps any host frame; the "
                + "policy at x.lvd:3:1: the domain reaches every frame, e.g. HPA "), l.get(0).evidence());
        assertTrue(l.get(0).evidence().endsWith("hypervisor memory (region hv)"), l.get(0).evidence());
    }

    // ---- INV1 -------------------------------------------------------------------------------

    @Test
    void inv1DomainPutsItsOwnFrameAtAKernelAddress() {
        MiniSystem m = wellBuilt();
        long gva = DIRECT + 0x50_0000L;
        m.map("d", gva, D_DATA_GPA, 0x1000, Pte.RW | Pte.XD);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV1);
        assertEquals(Set.of(gva), addresses(l));
        String e = l.get(0).evidence();
        assertTrue(e.startsWith("domain d, cpu0: GVA 0xffff888000500000 is in domain d (GVA 0xffff888000500000 -> GPA "
                + "0x80000000 (guest rw-k) -> HPA 0x1100000 (EPT rw-) via pgd d) and in the kernel (GVA 0xffff888000500000 "
                + "-> GPA 0x500000 (guest rw-k) -> HPA 0x500000 (EPT rwx) via pgd k), and maps two different frames"), e);
    }

    @Test
    void inv1DomainMapsAKernelFrameAtItsKernelAddressWithoutDeclaration() {
        MiniSystem m = wellBuilt();
        long gva = DIRECT + 0x50_0000L;
        m.ept("d", 0x50_0000L, 0x50_0000L, 0x1000, R).map("d", gva, 0x50_0000L, 0x1000, Pte.XD);
        MappingAnalysis a = m.analyse();
        List<MappingViolation> l = v(a, PropertyId.INV1);
        assertEquals(Set.of(gva), addresses(l));
        assertTrue(l.get(0).evidence().endsWith("maps one frame, kernel memory (region k), which is not declared shared"),
                l.get(0).evidence());
        m.share("a kernel object", gva, 0x1000, R, -1);
        assertEquals(List.of(), v(m.analyse(), PropertyId.INV1), "declared shared, read-only: allowed");
    }

    @Test
    void inv1SharedPageWithMoreRightsThanDeclared() {
        MiniSystem m = wellBuilt();
        m.ept("d", 0x7f_8180_0000L, IDT_HPA, 0x1000, RW);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV1);
        assertEquals(Set.of(IDT_GVA), addresses(l));
        assertTrue(l.get(0).evidence().endsWith("is declared shared as idt (r--), but domain d has rw- there"),
                l.get(0).evidence());
    }

    @Test
    void inv1PerViewPagesMustBeSeparateCopies() {
        MiniSystem m = wellBuilt();
        long state = TEXT + 0x18_1000L;
        m.perView("the state page", state, 0x1000, "kernel", "d")
                .ept("d", 0x7f_8180_1000L, m.domainBase("d") + 0x20_0000, 0x1000, R)
                .map("d", state, 0x7f_8180_1000L, 0x1000, 0);
        assertEquals(List.of(), v(m.analyse(), PropertyId.INV1), "its own copy");
        m.ept("d", 0x7f_8180_1000L, 0x18_1000L, 0x1000, R);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV1);
        assertEquals(Set.of(state), addresses(l));
        assertTrue(l.get(0).evidence().endsWith("is a per-view page (each view has its own copy), but both map the same "
                + "frame"), l.get(0).evidence());
    }

    @Test
    void inv1TheKernelMaySeeADomainsFrameAtTheDomainsAddress() {
        MiniSystem m = wellBuilt();
        long frame = m.domainBase("d") + 0x10_0000;
        m.mapKernel(D_DATA_GVA, frame, 0x1000, Pte.RW | Pte.XD);
        assertEquals(List.of(), v(m.analyse(), PropertyId.INV1));
        m.mapKernel(D_DATA_GVA + 0x1000, 0x50_0000L, 0x1000, Pte.RW | Pte.XD);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV1);
        assertEquals(Set.of(D_DATA_GVA + 0x1000), addresses(l), "a kernel frame behind the domain's address");
    }

    @Test
    void inv1UserPagesAgainstDomainsAndTheKernel() {
        MiniSystem m = wellBuilt();
        long user = 0x40_0000L;
        m.mapProcess(user, 0x60_0000L, 0x1000, Pte.RW | Pte.US);
        assertEquals(List.of(), v(m.analyse(), PropertyId.INV1), "a process's own range");
        m.map("d", user, D_DATA_GPA, 0x1000, Pte.RW);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV1);
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).evidence().contains("and in the user pages of pgd p"), l.get(0).evidence());
        MiniSystem k = wellBuilt();
        k.mapProcess(user, 0x60_0000L, 0x1000, Pte.RW | Pte.US).mapKernel(user, 0x61_0000L, 0x1000, Pte.RW);
        List<MappingViolation> kl = v(k.analyse(), PropertyId.INV1);
        assertEquals(1, kl.size(), kl.toString());
        assertEquals("kernel", kl.get(0).view());
        assertTrue(kl.get(0).evidence().startsWith("the kernel, cpu0: GVA 0x400000 is in the kernel"), kl.get(0).evidence());
    }

    /**
     * Two domains, each with its own page table and EPT, use one guest-virtual address for their
     * own frames (LVD gives every domain the same layout): two address spaces, no overlap.
     */
    @Test
    void inv1TwoDomainsWithTheirOwnTablesMayReuseOneAddress() {
        MiniSystem m = new MiniSystem(1, "d", "e");
        long gva = 0xffff_ff80_c000_0000L;
        m.ept("d", D_DATA_GPA, m.domainBase("d") + 0x10_0000, 0x1000, RW).map("d", gva, D_DATA_GPA, 0x1000, Pte.RW)
                .ept("e", D_DATA_GPA, m.domainBase("e") + 0x10_0000, 0x1000, RW).map("e", gva, D_DATA_GPA, 0x1000, Pte.RW);
        MappingAnalysis a = m.analyse();
        assertEquals(List.of(), v(a, PropertyId.INV1));
        assertEquals(List.of(), v(a, PropertyId.INV3), "each maps only its own frames");
    }

    /**
     * Two domains whose EPTs put one page table behind their CR3 are one address space: there,
     * one address must name one frame. d's table maps the address to a GPA that d's EPT backs with
     * d's frame and e's EPT with e's: two frames behind one address of one table.
     */
    @Test
    void inv1TwoDomainsWalkingOnePageTable() {
        MiniSystem m = new MiniSystem(1, "d", "e");
        long gva = 0xffff_ff80_c000_0000L;
        long dTables = m.domainBase("d");
        m.ept("e", DOMAIN_PT_GPA, dTables, 0x1_0000, R)
                .ept("d", D_DATA_GPA, m.domainBase("d") + 0x10_0000, 0x1000, RW)
                .ept("e", D_DATA_GPA, m.domainBase("e") + 0x10_0000, 0x1000, RW)
                .map("d", gva, D_DATA_GPA, 0x1000, Pte.RW);
        List<MappingViolation> l = v(m.analyse(), PropertyId.INV1);
        assertEquals(Set.of(gva), addresses(l), l.toString());
        String e = l.get(0).evidence();
        assertTrue(e.startsWith("domain d, cpu0: GVA 0xffffff80c0000000 is in domain d (GVA 0xffffff80c0000000 -> GPA "
                + "0x80000000 (guest rwxk) -> HPA 0x1100000 (EPT rw-) via pgd d, a root table at HPA 0x1000000 both "
                + "domains walk) and in domain e (GVA 0xffffff80c0000000 -> GPA 0x80000000 (guest rwxk) -> HPA "
                + "0x2100000 (EPT rw-) via pgd e, a root table at HPA 0x1000000 both domains walk), and maps two "
                + "different frames"), e);
        m.perView("a page each domain backs itself", gva, 0x1000, "d", "e");
        assertEquals(List.of(), v(m.analyse(), PropertyId.INV1), "declared per-view in both domains");
    }

    // ---- the analysis ------------------------------------------------------------------------

    @Test
    void keyChangesWithAPagingStructureAndNotWithData() {
        MiniSystem m = wellBuilt();
        MappingAnalysis a = m.analyse();
        m.mem.write(m.domainBase("d") + 0x10_0000, 8, 42);
        MappingAnalysis same = m.analyse();
        assertEquals(a.key(), same.key(), "a data write");
        assertTrue(a.framesUnchangedIn(m.mem.freeze()));
        m.map("d", D_DATA_GVA + 0x1_0000, D_DATA_GPA, 0x1000, Pte.RW);
        assertTrue(!a.framesUnchangedIn(m.mem.freeze()), "a guest page-table write");
        assertTrue(a.key() != m.analyse().key());
    }
}
