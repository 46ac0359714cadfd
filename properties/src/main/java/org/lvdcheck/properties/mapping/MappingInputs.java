package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.mem.Hash64;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.lvd.Model;

/**
 * The facts a {@link MappingAnalysis} starts from, apart from memory: which EPTPs each CPU can
 * run, which CR3 values, the EPTP-list pages, the owners of host memory, the kernel objects
 * declared shared with domains, the per-view pages, and the hypercalls the policy serves a
 * domain that give it physical reach. {@link #of(LvdSystem, MachineState)} derives them from a
 * spec and a state — the one place lvdcheck does so; tests build them by hand. The rules
 * (docs/PROPERTIES.md):
 *
 * <p><b>Owners.</b> A frame belongs to the owner label of the spec {@code region} that holds it
 * ({@code kernel}, {@code hypervisor}, {@code shared} or a domain's name). The kernel view's EPT
 * tables live in the hypervisor's region (Bareflank's memory); the domains' EPT tables and the
 * EPTP-list pages in regions the spec labels {@code kernel}, since the in-kernel microkernel
 * allocates them (LVD-AS-BUILT.md §3.2). The VMCS is not in emulated memory.
 *
 * <p><b>Declared shared frames.</b> The spec has no statement that shares a frame with a domain;
 * it declares the kernel objects exitless interrupt delivery needs inside a domain
 * (LVD-AS-BUILT.md §2.2), and those are the shared frames, with the rights the processor and the
 * entry code need (docs/HARDENING.md S2): the IDT page read-only (gates are read); every CPU's
 * GDT and TSS page read-only (descriptors and IST pointers are read; accessed and busy bits
 * preset); each IST stack of CPU n read-write, in CPU n's views only (the processor pushes the
 * interrupt frame there); the pages of each kernel section holding an IDT handler (LVD's
 * {@code .entry.text}) execute-only (the entry code runs under the domain's EPT up to its
 * VMFUNC); the landing-ticket page read-only (each CPU's, through that CPU's kernel EPT: the
 * gate's domain-side landings read it, docs/HARDENING.md G29); every frame of a region labelled
 * {@code shared} read-write. A kernel object's frames
 * are those the kernel's root page table (the kernel PGD without {@code kernel-half}) maps at
 * its address, through the kernel EPT of each CPU, in the state analysed.
 *
 * <p><b>Per-view pages.</b> The state page (each view's EPT backs it with its own frame) and each
 * section several views link at the same address (the call gate's trampoline and springboard).
 *
 * <p><b>Hypercalls with physical reach.</b> 0x4BF00034 maps any host frame at any guest-physical
 * address of the calling CPU's kernel EPT: the domain maps its own frame where the kernel view
 * fetches after a VMFUNC to slot 0, and runs its code with the kernel's whole view. 0x4BF00031
 * points the calling CPU's EPTP list at any host frame: a list in a frame the domain writes names
 * an EPT it built. 0x4BF00021 turns the hypervisor off: on hardware the caller continues without
 * EPT (the model stops the CPU, which AVAIL reports). Each reaches every frame. Other leaves
 * read, report or halt.
 *
 * @param views every view to analyse, by CPU
 * @param roots every CR3 value a view can run with; each is walked in every view unless it names
 *        the one domain whose views it belongs to
 * @param nxe EFER.NXE of each CPU (without it, XD is a reserved bit)
 * @param eptpLists every EPTP-list page, and whether a VMCS names it (then the analysis read it)
 * @param regions the owners of host memory
 * @param kernelRoot the root whose translations in the kernel view locate the shared objects
 * @param shared the kernel objects declared shared with domains
 * @param perView the guest-virtual pages that several views each back with their own frame
 * @param hypercalls the hypercalls that give physical reach and that the policy serves a domain
 */
public record MappingInputs(CpuCaps caps, int cpus, List<View> views, List<Root> roots, boolean[] nxe,
                            List<ListPage> eptpLists, List<Model.Region> regions, String kernelRoot,
                            List<SharedObject> shared, List<PerViewPage> perView, List<ServedHypercall> hypercalls) {

    /** One EPTP a CPU can run: the kernel's (domain empty) or a domain's, named for evidence. */
    public record View(String name, Optional<String> domain, int cpu, long eptp) {}

    /** A CR3 value (address bits): named after its spec PGD or "cr3 0x…"; {@code onlyIn}: the domain it belongs to. */
    public record Root(String name, long cr3, Optional<String> onlyIn) {}

    /** An EPTP-list page of one CPU; {@code named}: the VMCS's EPTP-list address points at it. */
    public record ListPage(int cpu, long hpa, boolean named) {}

    /**
     * A kernel object declared shared with every domain's views on CPU {@code cpu} (-1: on every CPU):
     * the guest-virtual range where the kernel maps it and the rights a domain may have there.
     */
    public record SharedObject(String object, long gva, long size, int rights, int cpu) {}

    /** Guest-virtual pages that each of {@code views} ("kernel", domain names) backs with its own frame. */
    public record PerViewPage(String what, long gva, long size, Set<String> views) {}

    /** A hypercall leaf served for domains: what it does, and where the policy says so. */
    public record ServedHypercall(long leaf, String what, String where) {}

    /** A hypercall that gives its caller physical reach (docs/PROPERTIES.md, INV3). */
    private record ReachLeaf(long leaf, String what) {}

    private static final List<ReachLeaf> REACH_LEAVES = List.of(
            new ReachLeaf(0x4BF00034L, "maps any host frame into the kernel EPT of the calling CPU, RWX"),
            new ReachLeaf(0x4BF00031L, "points the calling CPU's EPTP list at any host frame"),
            new ReachLeaf(0x4BF00021L, "turns the hypervisor off on the calling CPU (no EPT on hardware)"));

    public MappingInputs {
        views = List.copyOf(views);
        roots = List.copyOf(roots);
        nxe = nxe.clone();
        eptpLists = List.copyOf(eptpLists);
        regions = List.copyOf(regions);
        shared = List.copyOf(shared);
        perView = List.copyOf(perView);
        hypercalls = List.copyOf(hypercalls);
    }

    @Override
    public boolean[] nxe() {
        return nxe.clone();
    }

    /** The inputs of state {@code s} of {@code system}. */
    public static MappingInputs of(LvdSystem system, MachineState s) {
        List<View> views = new ArrayList<>();
        List<ListPage> lists = new ArrayList<>();
        boolean[] nxe = new boolean[system.cpus()];
        for (int c = 0; c < system.cpus(); c++) {
            long named = s.cpu(c).vmcs().eptpListAddress() & ~0xFFFL;
            views.addAll(views(system, s, c, named));
            lists.add(new ListPage(c, named, true));
            if (system.eptpLists()[c] != named) {
                lists.add(new ListPage(c, system.eptpLists()[c], false));
            }
            nxe[c] = (s.cpu(c).regs().efer() & Efer.NXE) != 0;
        }
        Optional<String> kernelRoot = system.spec().pgds().stream()
                .filter(p -> p.view().equals("kernel") && p.kernelHalfOf() == null).map(p -> "pgd " + p.name()).findFirst();
        return new MappingInputs(system.caps(), system.cpus(), views, roots(system, s), nxe, lists,
                system.spec().regions(), kernelRoot.orElse(""), sharedObjects(system), perViewPages(system),
                servedHypercalls(system));
    }

    /**
     * The hash of the scalar inputs of an analysis of {@code s}: per CPU the EPTP-list address and
     * that page's content hash, the current EPTP unless it is the kernel's or a live domain's,
     * EFER.NXE; the CR3 values; the killed domains. Equal quick keys give equal {@link #of} results,
     * so a {@link MappingAnalysis} whose frames are unchanged is valid again. Cheap: nothing is walked.
     */
    public static long quickKey(LvdSystem system, MachineState s) {
        long h = Hash64.mix(s.killedDomains() ^ 0x4D41505049L);
        for (int c = 0; c < s.cpus().size(); c++) {
            CpuState cpu = s.cpu(c);
            long list = cpu.vmcs().eptpListAddress() & ~0xFFFL;
            h = Hash64.combine(h, list);
            h = Hash64.combine(h, s.mem().frameHash(list >>> PhysMem.FRAME_SHIFT));
            h = Hash64.combine(h, liveView(system, s, c, cpu.eptp()) >= 0 ? 0 : cpu.eptp());
            h = Hash64.combine(h, (cpu.regs().efer() & Efer.NXE) != 0 ? 1 : 2);
        }
        for (long cr3 : cr3Values(system, s)) {
            h = Hash64.combine(h, cr3);
        }
        return h;
    }

    /**
     * Whether the scalar inputs {@link #quickKey} hashes are the same in {@code after} as in
     * {@code before}, comparing fields instead of hashing: the killed domains; per CPU the
     * EPTP-list address, the current EPTP where either is not a live view's, EFER.NXE, CR3 and
     * the CR3-target values; every thread's saved CR3. Conservative (raw values, unmasked): it
     * may answer false where the keys agree, never true where they differ. The contents of the
     * EPTP-list page are a frame the analysis reads, compared with the other frames.
     */
    public static boolean sameScalars(LvdSystem system, MachineState before, MachineState after) {
        if (before.killedDomains() != after.killedDomains()) {
            return false;
        }
        for (int c = 0; c < after.cpus().size(); c++) {
            CpuState b = before.cpu(c);
            CpuState a = after.cpu(c);
            if (a != b && !sameScalars(system, before, after, c, b, a)) {
                return false;
            }
        }
        if (before.threads() != after.threads()) {
            if (before.threads().size() != after.threads().size()) {
                return false;
            }
            for (int t = 0; t < after.threads().size(); t++) {
                if (before.threads().get(t).saved().cr3() != after.threads().get(t).saved().cr3()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean sameScalars(LvdSystem system, MachineState before, MachineState after, int c, CpuState b,
            CpuState a) {
        if (a.regs() != b.regs() && (a.regs().cr3() != b.regs().cr3()
                || ((a.regs().efer() ^ b.regs().efer()) & Efer.NXE) != 0)) {
            return false;
        }
        if (a.vmcs() == b.vmcs()) {
            return true;
        }
        if (a.vmcs().eptpListAddress() != b.vmcs().eptpListAddress()
                || a.vmcs().cr3TargetCount() != b.vmcs().cr3TargetCount()) {
            return false;
        }
        for (int i = 0; i < a.vmcs().cr3TargetCount(); i++) {
            if (a.vmcs().cr3Target(i) != b.vmcs().cr3Target(i)) {
                return false;
            }
        }
        return a.eptp() == b.eptp()
                || liveView(system, after, c, a.eptp()) >= 0 && liveView(system, before, c, b.eptp()) >= 0;
    }

    /** A hash of every fact here: what a hand-built analysis is keyed by. */
    long hash() {
        long h = Hash64.mix(cpus);
        for (View v : views) {
            h = Hash64.combine(Hash64.combine(h, v.cpu()), v.eptp());
            h = Hash64.combine(h, v.domain().map(String::hashCode).orElse(0));
        }
        for (Root r : roots) {
            h = Hash64.combine(Hash64.combine(h, r.cr3()), r.onlyIn().map(String::hashCode).orElse(0));
        }
        for (boolean b : nxe) {
            h = Hash64.combine(h, b ? 1 : 2);
        }
        for (ListPage l : eptpLists) {
            h = Hash64.combine(Hash64.combine(h, l.hpa()), l.named() ? 1 : 2);
        }
        return h;
    }

    // ---- views ------------------------------------------------------------------------------

    /**
     * The views of CPU c: the kernel's EPTP, each live domain's, every other valid EPTP in the
     * EPTP list its VMCS names, and its current EPTP if none of those.
     */
    private static List<View> views(LvdSystem system, MachineState s, int c, long list) {
        Map<Long, View> m = new LinkedHashMap<>();
        for (int v = 0; v < system.views().size(); v++) {
            if (v == 0 || (s.killedDomains() & 1L << system.viewSlots()[v]) == 0) {
                String n = system.viewName(v);
                m.put(system.eptps()[v][c], new View(n, v == 0 ? Optional.empty() : Optional.of(n), c, system.eptps()[v][c]));
            }
        }
        for (int slot = 0; slot < 512; slot++) {
            long e = s.mem().read(list + 8L * slot, 8);
            if (Eptp.validForVmfunc(e, system.caps()) && !m.containsKey(e)) {
                String owner = slotOwner(system, slot);
                m.put(e, new View(owner + " (EPTP " + Hex.of(e) + " in slot " + slot + " of cpu" + c + "'s EPTP list)",
                        Optional.of(owner), c, e));
            }
        }
        long current = s.cpu(c).eptp();
        if (!m.containsKey(current)) {
            int v = system.viewOf(current, c);
            String owner = v > 0 ? system.viewName(v) : "eptp " + Hex.of(current);
            m.put(current, new View(owner + " (cpu" + c + "'s current EPTP " + Hex.of(current) + ")", Optional.of(owner),
                    c, current));
        }
        return new ArrayList<>(m.values());
    }

    private static String slotOwner(LvdSystem system, int slot) {
        for (int v = 1; v < system.views().size(); v++) {
            if (system.viewSlots()[v] == slot) {
                return system.viewName(v);
            }
        }
        return "slot " + slot;
    }

    /** The view index whose EPTP on CPU c this is, if that view is the kernel or a live domain; else -1. */
    private static int liveView(LvdSystem system, MachineState s, int c, long eptp) {
        int v = system.viewOf(eptp, c);
        if (v > 0 && (s.killedDomains() & 1L << system.viewSlots()[v]) != 0) {
            return -1;
        }
        return v;
    }

    // ---- roots ------------------------------------------------------------------------------

    /**
     * Every CR3 a view can run with, ordered by address: the spec's PGDs (a domain's own only in its
     * views; the kernel's in every view, since LVD's EPTs remap the kernel's CR3 to the domain's
     * table), every thread's and CPU's CR3, each VMCS's CR3-target values (loads of those do not exit).
     */
    private static List<Root> roots(LvdSystem system, MachineState s) {
        Map<Long, Root> m = new TreeMap<>();
        for (long cr3 : cr3Values(system, s)) {
            m.put(cr3, new Root("cr3 " + Hex.of(cr3), cr3, Optional.empty()));
        }
        // Domains may place their PGDs at one GPA (one layout for all, LVD-AS-BUILT.md §1.9): one root each.
        List<Root> out = new ArrayList<>();
        for (Model.Pgd p : system.spec().pgds()) {
            if (!p.view().equals("kernel")) {
                m.remove(p.gpa());
                out.add(new Root("pgd " + p.name(), p.gpa(), Optional.of(p.view())));
            }
        }
        for (Model.Pgd p : system.spec().pgds()) {
            if (p.view().equals("kernel")) {
                m.put(p.gpa(), new Root("pgd " + p.name(), p.gpa(), Optional.empty()));
            }
        }
        out.addAll(m.values());
        out.sort(java.util.Comparator.comparingLong(Root::cr3));
        return out;
    }

    private static long[] cr3Values(LvdSystem system, MachineState s) {
        long mask = ((1L << system.caps().maxPhysAddr()) - 1) & ~0xFFFL;
        TreeSet<Long> out = new TreeSet<>();
        system.spec().pgds().forEach(p -> out.add(p.gpa() & mask));
        for (long t : system.layout().threadCr3()) {
            out.add(t & mask);
        }
        for (ThreadState t : s.threads()) {
            out.add(t.saved().cr3() & mask);
        }
        for (CpuState c : s.cpus()) {
            out.add(c.regs().cr3() & mask);
            for (int i = 0; i < c.vmcs().cr3TargetCount(); i++) {
                out.add(c.vmcs().cr3Target(i) & mask);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    // ---- sharing ----------------------------------------------------------------------------

    /**
     * The kernel objects exitless interrupt delivery needs inside a domain (LVD-AS-BUILT.md §2.2),
     * with the rights the hardware and the entry code need (docs/HARDENING.md S2): the IDT, every
     * CPU's GDT and TSS read-only; each CPU's IST stacks read-write on that CPU only; the sections
     * holding IDT handlers execute-only; and the landing-ticket page the gate's domain-side landings
     * read, read-only.
     */
    private static List<SharedObject> sharedObjects(LvdSystem system) {
        int r = EptEntry.R;
        List<SharedObject> out = new ArrayList<>();
        for (Model.KernelObject k : system.spec().objects()) {
            switch (k.kind()) {
                case IDT -> out.add(new SharedObject("idt", k.gva(), 4096, r, -1));
                case LANDING_TICKET -> out.add(new SharedObject("landing ticket", k.gva(), 4096, r, -1));
                case GDT -> out.add(new SharedObject("gdt of cpu" + k.cpu(), k.gva(), 4096, r, -1));
                case TSS -> out.add(new SharedObject("tss of cpu" + k.cpu(), k.gva(), 4096, r, -1));
                case IST -> out.add(new SharedObject("ist" + k.index() + " stack of cpu" + k.cpu(), k.gva(), k.size(),
                        r | EptEntry.W, k.cpu()));
                default -> {
                }
            }
        }
        LinkedImage img = system.images().get("kernel");
        Set<String> sections = new LinkedHashSet<>();
        for (Model.Vector v : system.spec().vectors()) {
            long handler = img.symbol(v.handler()).orElse(-1);
            for (String sec : img.sectionNames()) {
                if (handler >= img.sectionStart(sec) && handler < img.sectionEnd(sec)) {
                    sections.add(sec);
                }
            }
        }
        for (String sec : sections) {
            out.add(new SharedObject("section " + sec + " (IDT handlers)", img.sectionStart(sec),
                    img.sectionEnd(sec) - img.sectionStart(sec), EptEntry.X, -1));
        }
        return out;
    }

    /** The state page in every view; each section that several views link at one address, in those views. */
    private static List<PerViewPage> perViewPages(LvdSystem system) {
        List<PerViewPage> out = new ArrayList<>();
        out.add(new PerViewPage("the state page", system.layout().stateGva(), 4096, Set.copyOf(system.views())));
        Map<String, Set<String>> bySection = new TreeMap<>();
        Map<String, long[]> where = new TreeMap<>();
        for (Map.Entry<String, LinkedImage> e : system.images().entrySet()) {
            LinkedImage img = e.getValue();
            for (String sec : img.sectionNames()) {
                if (img.sectionEnd(sec) > img.sectionStart(sec)) {
                    String k = sec + "@" + Hex.of(img.sectionStart(sec));
                    bySection.computeIfAbsent(k, x -> new TreeSet<>()).add(e.getKey());
                    where.put(k, new long[] {img.sectionStart(sec), img.sectionEnd(sec) - img.sectionStart(sec)});
                }
            }
        }
        for (Map.Entry<String, Set<String>> e : bySection.entrySet()) {
            if (e.getValue().size() > 1) {
                long[] w = where.get(e.getKey());
                out.add(new PerViewPage("section " + e.getKey().substring(0, e.getKey().indexOf('@')), w[0], w[1],
                        e.getValue()));
            }
        }
        return out;
    }

    /**
     * The hypercalls of the hypervisor that give a caller physical reach and that the policy serves
     * for a domain (emulate or log-emulate; with no policy line, Bareflank serves every caller).
     */
    private static List<ServedHypercall> servedHypercalls(LvdSystem system) {
        List<ServedHypercall> out = new ArrayList<>();
        for (ReachLeaf h : REACH_LEAVES) {
            Model.Action act = system.policy().onHypercall(h.leaf(), Model.Origin.DOMAIN);
            if (act == Model.Action.EMULATE || act == Model.Action.LOG_EMULATE) {
                String where = system.spec().hypercallPolicies().stream()
                        .filter(p -> p.leaf() == h.leaf() && p.origin() == Model.Origin.DOMAIN).findFirst()
                        .map(p -> "the policy at " + p.pos() + " serves it for a domain")
                        .orElse("no 'hypercall " + Hex.of(h.leaf()) + " origin=domain' line, so the hypervisor serves "
                                + "every caller");
                out.add(new ServedHypercall(h.leaf(), h.what(), where));
            }
        }
        return out;
    }
}
