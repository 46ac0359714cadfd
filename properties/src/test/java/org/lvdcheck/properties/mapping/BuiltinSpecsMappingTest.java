package org.lvdcheck.properties.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * INV1–INV3 on the built-in specs, from the state the LXD microkernel builds. lvd-hardened
 * must satisfy all three, at the start and along an emulated run; lvd-as-built violates each,
 * and every violation found is asserted and explained here (LVD-AS-BUILT.md §2.2, §3.3, §4).
 * Both specs have two domains built alike, net in EPTP-list slot 1 and blk in slot 2, each
 * with its own page table at the same GPA and the same guest-virtual layout.
 */
class BuiltinSpecsMappingTest {
    static final long NET_PT = 0x4002000L;
    static final long BLK_PT = 0x4802000L;
    static final String[] DOMAINS = {"net", "blk"};

    static SystemBuilder.Built built(String spec) throws Exception {
        return SystemBuilder.build(SpecLoader.load(spec), 1);
    }

    static Set<Long> addresses(List<MappingViolation> l, int cpu, String view) {
        return l.stream().filter(v -> v.cpu() == cpu && v.view().equals(view)).map(MappingViolation::address)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static long pageTable(String domain) {
        return domain.equals("net") ? NET_PT : BLK_PT;
    }

    static Set<Long> frames(long first, int count) {
        Set<Long> s = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            s.add(first + 0x1000L * i);
        }
        return s;
    }

    @Test
    void hardenedSatisfiesInv1To3AtTheStart() throws Exception {
        SystemBuilder.Built b = built("lvd-hardened");
        MappingAnalysis a = MappingAnalysis.of(b.system(), b.initial());
        for (PropertyId p : new PropertyId[] {PropertyId.INV1, PropertyId.INV2, PropertyId.INV3}) {
            assertEquals(List.of(), a.violations(p), p.toString());
        }
        // The analysis saw what it must have seen for "holds" to mean something: both CPUs' kernel,
        // net and blk views, each domain's page table reached through the kernel's CR3 remap and
        // through its own PGD (both at GPA 0x40002000), and the kernel objects the domains share.
        assertEquals(List.of("kernel", "net", "blk", "kernel", "net", "blk"), a.views().stream().map(ViewMaps::name).toList());
        for (String d : DOMAINS) {
            for (String root : new String[] {"pgd init_level4_pgt", "pgd " + d + ".pgd"}) {
                assertTrue(a.pagingFrames().get(pageTable(d)).stream().anyMatch(r -> r.kind() == FrameRole.Kind.GUEST_TABLE
                        && r.detail().equals(root) && r.view().equals(d)), d + " via " + root);
            }
        }
        // net and blk reuse one guest-virtual layout for their own frames (stacks at 0xffffff80c0000000),
        // each through its own tables: INV1 holds because those are two address spaces, not because
        // the layouts differ.
        long stacks = 0xffffff80c0000000L;
        assertEquals(List.of(0x4100000L, 0x4900000L), a.views(0).stream().filter(v -> !v.kernel())
                .map(v -> v.roots().stream().filter(r -> r.name().equals("pgd init_level4_pgt")).findFirst().orElseThrow()
                        .map().lookup(stacks).orElseThrow())
                .map(g -> g.hpa() + (stacks - g.gva())).toList());
        assertTrue(a.ownership().sharedFrames().containsAll(List.of(0x1000000L, 0x1800000L, 0x2000000L, 0x2021000L)));
    }

    @Test
    void theLandingTicketIsSharedReadOnlyOnItsOwnCpuAndAWritableMappingOfItBreaksInv1AndInv3() throws Exception {
        SystemBuilder.Built b = built("lvd-hardened");
        MappingAnalysis a = MappingAnalysis.of(b.system(), b.initial());
        assertEquals(List.of(new Ownership.Share(0x2003000L, org.lvdcheck.emulator.ept.EptEntry.R, 0, "landing ticket")),
                a.ownership().sharesOf(0x2003000L), "cpu0's ticket, through cpu0's kernel EPT (G29)");
        assertEquals(List.of(new Ownership.Share(0x2023000L, org.lvdcheck.emulator.ept.EptEntry.R, 1, "landing ticket")),
                a.ownership().sharesOf(0x2023000L));
        String file = "lvd-hardened.lvd";
        String text = SpecLoader.load("lvd-hardened").sources().read("", file).orElseThrow().text();
        List<String> lines = List.of(text.split("\n", -1));
        int line = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("ept net cpu=0 gpa=0x7f81804000 ")) {
                line = i + 1;
            }
        }
        String old = lines.get(line - 1);
        org.lvdcheck.spec.lvd.Patch writable = new org.lvdcheck.spec.lvd.Patch(file, line, old,
                java.util.Optional.of(old.replace("rights=r--", "rights=rw-")), null);
        SystemBuilder.Built w = SystemBuilder.build(SpecLoader.loadPatched("lvd-hardened", writable, "ticket-writable"), 1);
        MappingAnalysis wa = MappingAnalysis.of(w.system(), w.initial());
        assertEquals(Set.of(0x2003000L), wa.violations(PropertyId.INV3).stream().filter(v -> v.view().equals("net"))
                .map(MappingViolation::address).collect(Collectors.toSet()), wa.violations(PropertyId.INV3).toString());
        assertTrue(wa.violations(PropertyId.INV3).stream().allMatch(v -> v.cpu() == 0 && v.view().equals("net")),
                wa.violations(PropertyId.INV3).toString());
        assertEquals(Set.of(0xffffffff81804000L), addresses(wa.violations(PropertyId.INV1), 0, "net"),
                wa.violations(PropertyId.INV1).toString());
    }

    @Test
    void hardenedSatisfiesInv1To3AlongAnEmulatedRun() throws Exception {
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load("lvd-hardened"), 20);
        Machine m = new Machine(b.system(), b.initial());
        MappingCache cache = new MappingCache(b.system(), 8);
        int timer = b.system().spec().vector("timer").orElseThrow().number();
        MachineState s = b.initial();
        int steps = 0;
        int crossings = 0;
        for (int i = 0; i < 3000; i++) {
            int c = i % 2;
            Action a = i % 101 == 100 ? new Action.Interrupt(c, timer) : new Action.Execute(c);
            if (!m.enabled(s, a)) {
                a = new Action.Execute(1 - c);
                if (!m.enabled(s, a)) {
                    continue;
                }
            }
            int before = m.viewOf(s, a.cpu());
            s = m.next(s, a).state();
            crossings += m.viewOf(s, a.cpu()) != before ? 1 : 0;
            steps++;
            MappingAnalysis cached = cache.analysisOf(s);
            for (PropertyId p : new PropertyId[] {PropertyId.INV1, PropertyId.INV2, PropertyId.INV3}) {
                assertEquals(List.of(), cached.violations(p), p + " after step " + steps);
            }
            if (steps % 97 == 0) {
                assertEquals(MappingAnalysis.of(b.system(), s).key(), cached.key(), "the cached analysis is the fresh one");
            }
        }
        assertTrue(steps > 2000, "the run made progress: " + steps);
        assertTrue(crossings > 0, "the run entered the domain");
        assertEquals(steps, cache.hits() + cache.misses());
        assertTrue(cache.hits() > steps / 2, "most steps reuse the analysis: " + cache.hits() + " of " + steps);
    }

    /**
     * The driver can write its own page tables (LVD-AS-BUILT.md §4 row 2): every LVD EPT entry is
     * RWX, and the bootstrap page tables (net.pt, blk.pt, 16 pages each) are mapped writable — as
     * the domain PGD's own GPA and as the GPAs of init_level4_pgt and the process PGD, which the CR3
     * remap points at the domain's root. Exactly the tables of each domain's own page table are
     * reported for its views, on each CPU.
     */
    @Test
    void asBuiltViolatesInv2EachDomainWritesItsOwnPageTables() throws Exception {
        SystemBuilder.Built b = built("lvd-as-built");
        MappingAnalysis a = MappingAnalysis.of(b.system(), b.initial());
        List<MappingViolation> l = a.violations(PropertyId.INV2);
        for (int c = 0; c < 2; c++) {
            int cpu = c;
            for (String d : DOMAINS) {
                long pt = pageTable(d);
                Set<Long> tables = a.views(c).stream().filter(v -> v.name().equals(d)).flatMap(v -> v.roots().stream())
                        .flatMap(r -> r.map().tables().stream()).map(GuestMap.Table::hpa)
                        .collect(Collectors.toCollection(TreeSet::new));
                assertEquals(11, tables.size(), "PML4 + the tables of " + d + "'s mappings");
                assertTrue(tables.stream().allMatch(f -> f >= pt && f < pt + 0x10000), "all in " + d + ".pt: " + tables);
                assertEquals(tables, addresses(l, c, d), d + " on cpu" + c);
                for (String gpa : new String[] {"0x3000000", "0x3080000", "0x40002000"}) {
                    assertTrue(l.stream().anyMatch(v -> v.cpu() == cpu && v.evidence().startsWith("domain " + d + ", cpu" + cpu
                            + ": GPA " + gpa + " -> HPA " + Hex.of(pt) + " (EPT rwx) is the root (PML4) of pgd")),
                            d + "'s root via GPA " + gpa);
                }
            }
        }
        assertTrue(l.stream().allMatch(v -> v.evidence().contains("writable from ring 0")),
                "each domain's page table maps its tables rw-k at 0xffffff8040002000");
        assertEquals(52, l.size(), "11 frames per domain and CPU, the root three times (three GPAs reach it)");
    }

    /**
     * INV3 as built, for each domain: (1) the kernel objects every LVD maps (LVD-AS-BUILT.md §2.2)
     * are RWX, beyond what is declared shared (IDT, GDT, TSS read-only; entry text execute-only;
     * IST stacks read-write); (2) every CPU's IST stacks are in every CPU's LVD EPT, so each view
     * reaches the other CPU's stacks, which are not shared with it (HARDENING.md S2); (3) the policy
     * serves a domain the hypercalls 0x4BF00034, 0x4BF00031 and 0x4BF00021 (no caller checks, §3.3).
     * No domain maps the other's frames.
     */
    @Test
    void asBuiltViolatesInv3SharedObjectsOtherCpusStacksAndHypercalls() throws Exception {
        SystemBuilder.Built b = built("lvd-as-built");
        List<MappingViolation> l = MappingAnalysis.of(b.system(), b.initial()).violations(PropertyId.INV3);
        Set<Long> common = new TreeSet<>(Set.of(0x1000000L, 0x1800000L, 0x2000000L, 0x2001000L, 0x2020000L, 0x2021000L));
        Set<Long> cpu0 = new TreeSet<>(common);
        cpu0.addAll(Set.of(0x2004000L, 0x2006000L, 0x2008000L, 0x200a000L, 0x200c000L, 0x2024000L));
        Set<Long> cpu1 = new TreeSet<>(common);
        cpu1.addAll(Set.of(0x2024000L, 0x2026000L, 0x2028000L, 0x202a000L, 0x202c000L, 0x2004000L));
        for (String d : DOMAINS) {
            assertEquals(cpu0, addresses(l, 0, d), d);
            assertEquals(cpu1, addresses(l, 1, d), d);
            assertTrue(evidence(l, 0, d, 0x1800000L).contains("is declared shared as idt (r--) but this view maps it rwx"));
            assertTrue(evidence(l, 0, d, 0x1000000L).contains("section .entry.text (IDT handlers) (--x) but this view maps "
                    + "it rwx"));
            assertTrue(evidence(l, 0, d, 0x200c000L).contains("ist5 stack of cpu0 (rw-) but this view maps it rwx; so are "
                    + "the next 3"));
            assertTrue(evidence(l, 0, d, 0x2024000L).contains("is kernel memory (region kernel.percpu), not the domain's "
                    + "own and not declared shared with this view (declared shared only with cpu1's views as ist1 stack "
                    + "of cpu1); so are the next 11 frames, up to HPA 0x202f000"), evidence(l, 0, d, 0x2024000L));
            List<String> hypercalls = l.stream().filter(v -> v.cpu() == -1 && v.view().equals(d))
                    .map(MappingViolation::evidence).toList();
            assertEquals(3, hypercalls.size());
            assertTrue(hypercalls.get(0).startsWith("domain " + d + ", every cpu: hypercall 0x4bf00034"), hypercalls.get(0));
            assertTrue(hypercalls.get(1).startsWith("domain " + d + ", every cpu: hypercall 0x4bf00031"), hypercalls.get(1));
            assertTrue(hypercalls.get(2).startsWith("domain " + d + ", every cpu: hypercall 0x4bf00021"), hypercalls.get(2));
            assertTrue(hypercalls.get(0).contains("the policy at builtin:lvd-as-built.lvd:"), hypercalls.get(0));
        }
        assertEquals(2 * (cpu0.size() + cpu1.size() + 3), l.size(), "nothing else, net's frames in blk's EPT least of all");
    }

    /**
     * INV1 as built: each domain's page table maps the kernel objects at the kernel's own
     * addresses, the same frames (as LVD intends), but with more than the declared rights — GDT
     * and TSS rw- (the direct-map alias is rw-k, the EPT rwx), the IDT and the entry text rwx —
     * and on each CPU the other CPU's IST stacks, which are not shared with that CPU's view. The
     * gate pages and the state page overlap too, as per-view pages with their own frames:
     * allowed. net and blk use the same guest-virtual layout for their own frames, each through
     * its own page table and EPT: two address spaces, no INV1 violation between them.
     */
    @Test
    void asBuiltViolatesInv1SharedObjectsWithTooManyRights() throws Exception {
        SystemBuilder.Built b = built("lvd-as-built");
        List<MappingViolation> l = MappingAnalysis.of(b.system(), b.initial()).violations(PropertyId.INV1);
        long direct = 0xffff888000000000L;
        for (int c = 0; c < 2; c++) {
            Set<Long> expected = new TreeSet<>(Set.of(direct + 0x2000000L, direct + 0x2001000L, direct + 0x2020000L,
                    direct + 0x2021000L, 0xffffffff81000000L, 0xffffffff81800000L, direct + (c == 0 ? 0x2024000L : 0x2004000L)));
            for (String d : DOMAINS) {
                assertEquals(expected, addresses(l, c, d), d + " on cpu" + c);
            }
        }
        assertEquals(28, l.size(), "7 per domain and CPU");
        assertTrue(l.stream().allMatch(v -> v.evidence().contains(") and in the kernel (")), "only against the kernel");
        for (String d : DOMAINS) {
            String idt = evidence(l, 0, d, 0xffffffff81800000L);
            assertTrue(idt.endsWith("is declared shared as idt (r--), but domain " + d + " has rwx there"), idt);
        }
    }

    private static String evidence(List<MappingViolation> l, int cpu, String view, long address) {
        return l.stream().filter(v -> v.cpu() == cpu && v.view().equals(view) && v.address() == address).findFirst()
                .orElseThrow().evidence();
    }
}
