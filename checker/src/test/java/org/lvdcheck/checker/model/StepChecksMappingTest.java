package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.paging.Pte;
import org.lvdcheck.properties.mapping.GuestMap;
import org.lvdcheck.properties.mapping.MappingAnalysis;
import org.lvdcheck.properties.mapping.ViewMaps;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * INV1–INV3 in the explorer's checks: the initial state of each built-in spec, and a step of the
 * net driver that writes an entry of its own page table. As built the driver's EPT lets it: the
 * entry it writes makes a heap frame one of its page tables (INV2) or puts its own frame behind
 * a kernel address (INV1), and a step reports just that, not what the state broke before; a
 * write to its stack reports nothing. Hardened, the same write faults.
 */
class StepChecksMappingTest {
    /** Where net's page table maps its own tables: GVA = GPA + this (LVD-AS-BUILT.md §1.9). */
    static final long LVD_GVA_BASE = 0xffffff8000000000L;
    /** init_level4_pgt's GPA, the CR3 the kernel runs with; net's EPT remaps it to net's root. */
    static final long KERNEL_CR3 = 0x3000000L;
    /** A 2 MiB-aligned kernel direct-map address net's page table does not map. */
    static final long KERNEL_GVA = 0xffff888003000000L;
    /** net's UTCB page (GPA of net.misc), mapped by net's EPT. */
    static final long NET_MISC_GPA = 0x40000000L;
    static final long NET_STACK_GVA = 0xffffff80c0000000L;
    /** net's heap (GPA 5 GiB, region net.heap at HPA 0x4200000). */
    static final long NET_HEAP_GPA = 0x140000000L;
    /** net's page-table pool: GPA in net's view, HPA of region net.pt (the EPT maps one to the other). */
    static final long NET_PT_GPA = 0x40002000L;
    static final long NET_PT = 0x4002000L;

    record Rig(Machine machine, StepChecks checks) {
        static Rig of(String spec) throws Exception {
            SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load(spec), 1);
            Machine m = new Machine(b.system(), b.initial());
            return new Rig(m, new StepChecks(m));
        }

        MachineState initial() {
            return machine.initial();
        }

        /**
         * CPU 0 running net's ndo_start_xmit, whose first instruction is {@code pushq %rbx}, under
         * net's EPT with the kernel's CR3, RSP and RBX as given.
         */
        MachineState pushInNet(long rsp, long rbx) {
            MachineState s = initial();
            var sys = machine.system();
            long entry = sys.images().get("net").symbol("ndo_start_xmit").orElseThrow();
            CpuState c = s.cpu(0);
            ArchRegs r = c.regs().withCr3(KERNEL_CR3).withRip(entry).withRsp(rsp).withGpr(ArchRegs.RBX, rbx);
            int net = sys.views().indexOf("net");
            CpuState running = c.withRegs(r).withVmcs(c.vmcs().withEptp(sys.eptps()[net][0])).withMode(CpuMode.RUNNING);
            return s.withCpu(0, running);
        }

        List<Violation> step(MachineState before) {
            Action a = new Action.Execute(0);
            Step st = machine.next(before, a);
            return checks.step(before, new int[machine.system().cpus()], a, st);
        }

        Step next(MachineState before) {
            return machine.next(before, new Action.Execute(0));
        }
    }

    static Map<String, Long> counts(List<Violation> l) {
        return l.stream().collect(Collectors.groupingBy(Violation::property, TreeMap::new, Collectors.counting()));
    }

    static List<Violation> mappingOnly(List<Violation> l) {
        return l.stream().filter(v -> v.property().matches("INV[123]")).toList();
    }

    @Test
    void theInitialStateAsBuiltBreaksInv1Inv2AndInv3WithEvidence() throws Exception {
        Rig rig = Rig.of("lvd-as-built");
        List<Violation> l = rig.checks().initial(rig.initial());
        assertEquals(Map.of("INV1", 28L, "INV2", 52L, "INV3", 54L), counts(mappingOnly(l)), "docs/PROPERTIES.md, findings");
        Violation inv2 = l.stream().filter(v -> v.property().equals("INV2")).findFirst().orElseThrow();
        assertEquals("domain net, cpu0: GPA 0x3000000 -> HPA 0x4002000 (EPT rwx) is the root (PML4) of pgd "
                + "init_level4_pgt as view net walks it on cpu0 (and 5 more roles); mapped at GVA "
                + "0xffffff8040002000 -> GPA 0x40002000 (guest rw-k) -> HPA 0x4002000 (EPT rwx) via pgd "
                + "init_level4_pgt, writable from ring 0",
                inv2.evidence(), "view, frame, GVA and the mapping");
        Violation inv3 = l.stream().filter(v -> v.property().equals("INV3")).findFirst().orElseThrow();
        assertTrue(inv3.evidence().matches("domain (net|blk), cpu\\d: GPA 0x\\p{XDigit}+ -> HPA 0x\\p{XDigit}+ "
                + "\\(EPT rwx\\) .*mapped at GVA 0x\\p{XDigit}+ -> .*"), inv3.evidence());
        assertTrue(l.stream().filter(v -> v.property().equals("INV1"))
                .allMatch(v -> v.evidence().contains(" is in domain ") && v.evidence().contains(") and in the kernel (")),
                "INV1 as built: domains against the kernel only");
    }

    @Test
    void theInitialStateHardenedBreaksNone() throws Exception {
        Rig rig = Rig.of("lvd-hardened");
        assertEquals(List.of(), rig.checks().initial(rig.initial()));
    }

    @Test
    void asBuiltTheDriverWritesAnEntryOfItsOwnPageTable() throws Exception {
        Rig rig = Rig.of("lvd-as-built");
        long pde = netPdeGpa(rig, KERNEL_GVA);
        long entry = NET_MISC_GPA | Pte.P | Pte.RW | Pte.PS | Pte.A | Pte.D;
        MachineState before = rig.pushInNet(LVD_GVA_BASE + pde + 8, entry);
        assertTrue(rig.checks().initial(before).stream().noneMatch(v -> v.evidence().contains("GVA " + hex(KERNEL_GVA)
                + " is in domain net")), "before the write net does not map the kernel address");
        Step st = rig.next(before);
        assertEquals(entry, st.state().mem().read(pde - NET_PT_GPA + NET_PT, 8), "the push wrote the entry");
        List<Violation> l = mappingOnly(rig.step(before));
        assertEquals(Map.of("INV1", 2L), counts(l), "only what the step broke, on each CPU (both walk net's table), "
                + "not what the state broke before: " + l);
        assertTrue(l.stream().allMatch(v -> v.evidence().contains(": GVA " + hex(KERNEL_GVA) + " is in domain net")), l.toString());
        Violation va = l.stream().filter(v -> v.property().equals("INV1")
                && v.evidence().startsWith("domain net, cpu0: GVA " + hex(KERNEL_GVA))).findFirst().orElseThrow();
        assertTrue(va.evidence().contains("-> HPA 0x4000000 (EPT rwx) via ")
                && va.evidence().contains("-> HPA 0x3000000 (EPT rwx) via pgd init_level4_pgt), and maps two "
                        + "different frames"),
                va.evidence());
    }

    /**
     * The driver points a page-directory entry at a frame of its heap: that frame becomes one of
     * its page tables, and its EPT lets it write the frame. The step is caught as INV2 with the
     * new table as evidence.
     */
    @Test
    void asBuiltTheDriverMakesAHeapFrameOneOfItsPageTables() throws Exception {
        Rig rig = Rig.of("lvd-as-built");
        MachineState before = rig.pushInNet(LVD_GVA_BASE + netPdeGpa(rig, KERNEL_GVA) + 8,
                NET_HEAP_GPA | Pte.P | Pte.RW | Pte.A);
        assertTrue(rig.checks().initial(before).stream().noneMatch(v -> v.evidence().contains("HPA 0x4200000")),
                "before the write the heap is data");
        List<Violation> l = mappingOnly(rig.step(before));
        Violation v = l.stream().filter(x -> x.property().equals("INV2") && x.evidence().contains("-> HPA 0x4200000 "))
                .findFirst().orElseThrow(() -> new AssertionError(l.toString()));
        assertTrue(v.evidence().startsWith("domain net, cpu0: GPA 0x140000000 -> HPA 0x4200000 (EPT rwx) is a level-1 "
                + "page table of "), v.evidence());
        assertTrue(v.evidence().contains("mapped at GVA 0xffffff8140000000 -> GPA 0x140000000 (guest rw-k) -> HPA "
                + "0x4200000 (EPT rwx) via "), v.evidence());
    }

    /**
     * A push into the stack reports nothing, though the state it reaches breaks INV1-INV3 as every
     * as-built state does: the first sets the accessed and dirty flags of net's page-table entries
     * on the way (as built they are not preset), a paging-structure write whose recheck finds
     * nothing new; the second, from the state the first reached, writes the stack alone.
     */
    @Test
    void asBuiltAWriteToTheDriversStackBreaksNothingNew() throws Exception {
        Rig rig = Rig.of("lvd-as-built");
        MachineState first = rig.pushInNet(NET_STACK_GVA + 0x1000, 42);
        MachineState reached = rig.next(first).state();
        assertTrue(reached.mem().mayDifferIn(first.mem(), new long[] {NET_PT >>> 12}), "the walk set flags in net's root");
        assertEquals(List.of(), mappingOnly(rig.step(first)));
        CpuState c = reached.cpu(0);
        MachineState second = reached.withCpu(0, c.withRegs(c.regs().withRip(first.cpu(0).regs().rip())));
        Step st = rig.next(second);
        assertNotEquals(second.mem(), st.state().mem(), "the push wrote the stack");
        assertEquals(List.of(), mappingOnly(rig.step(second)));
        assertEquals(134, mappingOnly(rig.checks().initial(st.state())).size(), "the state still breaks INV1-INV3");
    }

    /** Hardened, net's page table maps its own tables read-only (and so does its EPT): the push faults. */
    @Test
    void hardenedTheSameWriteFaults() throws Exception {
        Rig rig = Rig.of("lvd-hardened");
        long pde = netPdeGpa(rig, KERNEL_GVA);
        MachineState before = rig.pushInNet(LVD_GVA_BASE + pde + 8, NET_MISC_GPA | Pte.P | Pte.RW | Pte.PS);
        Step st = rig.next(before);
        assertTrue(st.events().stream()
                .anyMatch(e -> e instanceof Event.Fault f && f.vector() == 14 && f.errorCode() == 3),
                "a #PF on a write to a present page: " + st.events());
        long hpa = pde - NET_PT_GPA + NET_PT;
        assertEquals(before.mem().read(hpa, 8), st.state().mem().read(hpa, 8), "the entry is unchanged");
        assertEquals(List.of(), mappingOnly(rig.step(before)));
    }

    /**
     * The GPA of the page-directory entry for {@code gva} in net's page table, found by walking it
     * as net's view does on CPU 0 (the mapping analysis lists every table with its GPA and HPA).
     */
    static long netPdeGpa(Rig rig, long gva) {
        MappingAnalysis a = MappingAnalysis.of(rig.machine().system(), rig.initial());
        ViewMaps net = a.views(0).stream().filter(v -> v.name().equals("net")).findFirst().orElseThrow();
        List<GuestMap.Table> tables = net.roots().stream().filter(r -> r.name().equals("pgd net.pgd")).findFirst()
                .orElseThrow().map().tables();
        long table = tables.get(0).gpa();
        for (int level = 4; level > 2; level--) {
            long entryGpa = table + 8 * ((gva >>> (12 + 9 * (level - 1))) & 0x1ff);
            long hpa = hpaOf(tables, entryGpa);
            table = rig.initial().mem().read(hpa, 8) & Pte.ADDRESS_MASK & ((1L << 39) - 1);
        }
        return table + 8 * ((gva >>> 21) & 0x1ff);
    }

    private static long hpaOf(List<GuestMap.Table> tables, long gpa) {
        return tables.stream().filter(t -> t.gpa() == (gpa & ~0xfffL)).findFirst().orElseThrow().hpa() + (gpa & 0xfff);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
