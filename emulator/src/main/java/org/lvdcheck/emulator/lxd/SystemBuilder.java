package org.lvdcheck.emulator.lxd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptWalk;
import org.lvdcheck.emulator.hv.HypervisorPolicy;
import org.lvdcheck.emulator.hv.VmcsSetup;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PageTableBuilder;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.paging.Pte;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.asm.AsmUnit;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.Model.EptMapping;
import org.lvdcheck.spec.lvd.Model.KernelObject;
import org.lvdcheck.spec.lvd.Model.ObjectKind;
import org.lvdcheck.spec.lvd.SpecLoader;
import org.lvdcheck.spec.lvd.SystemSpec;

/**
 * The LXD microkernel's boot path, from a spec to a machine: it builds every EPT (the
 * kernel's per CPU in the hypervisor's memory, each domain's per CPU in the microkernel's),
 * the EPTP lists, the guest page tables, links the code into each view and copies it to
 * the frames each view maps, fills the IDT, GDT, TSS, per-CPU areas and state pages, and
 * sets up the VMCS and registers of every CPU. Every inconsistency of the spec that shows
 * only here (a region too small, code placed where the view maps nothing) is an
 * InputError at the spec line responsible.
 */
public final class SystemBuilder {
    /** A built system and its initial state. */
    public record Built(LvdSystem system, MachineState initial) {}

    /** Selectors of the model's GDT (Linux's __KERNEL_CS / __KERNEL_DS / GDT_ENTRY_TSS). */
    public static final int KERNEL_CS = 0x10, KERNEL_DS = 0x18, TSS_SEL = 0x40;

    /** Bit 31 of x86 __preempt_count, set while no reschedule is needed (arch/x86/include/asm/preempt.h). */
    public static final long PREEMPT_NEED_RESCHED = 0x80000000L;

    /**
     * The registers the SysV ABI has a callee preserve (RBX, RBP, R12–R15). A kernel thread starts
     * with a distinct kernel value in each ({@link #callerValue}): what its C caller keeps there
     * across the call. Were they all 0, a gate that saved one of them in another's slot, or
     * restored one into another, would give them back unchanged and INV5's comparison at the
     * gate's return could not tell; a gate that forgot to clear one before the driver runs would
     * hand the driver 0 instead of a kernel address.
     */
    private static final int[] CALLEE_SAVED = {ArchRegs.RBX, ArchRegs.RBP, ArchRegs.R12, ArchRegs.R13, ArchRegs.R14,
        ArchRegs.R15};

    /**
     * The value a new thread's callee-saved register {@code k} (an index of RBX, RBP, R12–R15)
     * starts with: an address in the page of the thread's task_struct
     * ({@code task + 0x400 - 8k}), distinct for each register and kernel-only for INV5's domain
     * side. Not an address in a stack: a register that points into a stack keeps that stack live
     * for the dead-stack reduction.
     */
    public static long callerValue(long taskGva, int k) {
        return taskGva + 0x400 - 8L * k;
    }

    /**
     * The XSAVE component token a new thread's FPU registers start with, for component
     * {@code ArchRegs.XSTATE_X87}, {@code XSTATE_SSE} or {@code XSTATE_AVX}. What the FPU holds
     * when the kernel calls a domain is its caller's data (a kernel_fpu_begin section's, or in
     * process context the user's), so each thread's is distinct, from every other thread's and
     * from the reset state's 0, which is what a domain's saved state starts as: a gate that let
     * the driver run on the kernel's FPU, or gave the kernel back the domain's, shows in INV5.
     */
    public static long fpuToken(int thread, int component) {
        return 0x4650550000000000L | ((long) (thread + 1) << 8) | (component + 1);
    }

    /**
     * The symbol each view's copy of the gate pages checks ECX against after a VMFUNC into that view:
     * a domain's EPTP-list slot ({@code lcd_arch->ept_id}; a constant 1 in lvd-linux, which has one LVD).
     * In the kernel's copy it is -1: a VMFUNC into the kernel leaves ECX = 0, so those checks never pass.
     */
    public static final String EPT_ID_SYMBOL = "lcd_ept_id";

    /** Symbols a domain's copy of the gate pages resolves to its own abort stubs (weak in the module). */
    private static final Map<String, String> WEAK_IN_MODULE = Map.of(
            "vmfunc_trampoline_out", "vmfunc_trampoline_abort",
            "vmfunc_kernel_springboard", "vmfunc_springboard_abort");

    private final SpecLoader.Loaded loaded;
    private final SystemSpec spec;
    private final CpuCaps caps;
    private final PhysMem.Editor mem;
    private final List<String> views = new ArrayList<>();
    private final Map<String, Integer> viewIndex = new HashMap<>();
    private EptBuilder[][] ept;
    private final Map<String, Long> pgdRootHpa = new HashMap<>();
    private final Map<String, Long> pgdGpa = new HashMap<>();
    private int[] slots;

    private SystemBuilder(SpecLoader.Loaded loaded) {
        this.loaded = loaded;
        this.spec = loaded.spec();
        Model.Cpu c = spec.cpu();
        this.caps = new CpuCaps(c.maxPhysAddr(), c.eptExecuteOnly(), c.eptAccessedDirty(), c.virtualizationExceptions(),
                c.pages1G(), true, c.cr3Targets(), true, true);
        this.mem = PhysMem.empty(c.maxPhysAddr()).edit();
    }

    /**
     * Builds the system a loaded spec describes with the threads of its workload (the explored
     * workload), each thread's work block set to {@code callsPerThread}.
     */
    public static Built build(SpecLoader.Loaded loaded, int callsPerThread) throws InputError {
        return build(loaded, loaded.spec().workload().threads(), callsPerThread);
    }

    /** Builds the system a loaded spec describes with the scenario's threads, each making the scenario's calls. */
    public static Built build(SpecLoader.Loaded loaded, Model.Scenario scenario) throws InputError {
        return build(loaded, scenario.threads(), scenario.calls());
    }

    /**
     * Builds the system with only the named threads: the others are not started, so the machine's
     * threads are exactly these (its spec lists only them).
     */
    private static Built build(SpecLoader.Loaded loaded, List<String> threads, int callsPerThread) throws InputError {
        SpecLoader.Loaded running = new SpecLoader.Loaded(loaded.spec().withThreads(threads), loaded.specPath(),
                loaded.files(), loaded.sources());
        try {
            return new SystemBuilder(running).run(callsPerThread);
        } catch (FramePool.PoolExhausted e) {
            throw e.error;
        }
    }

    private Built run(int callsPerThread) throws InputError {
        Map<String, AsmUnit> parsed = CodeLoader.parse(loaded);
        HypervisorPolicy policy = HypervisorPolicy.of(spec.exitPolicies(), spec.hypercallPolicies());
        VmcsSetup.Result vmcsTemplate = VmcsSetup.build(spec.vmcs(), caps);
        views.add("kernel");
        spec.domains().stream().sorted(java.util.Comparator.comparingInt(Model.Domain::slot)).forEach(d -> views.add(d.name()));
        for (int i = 0; i < views.size(); i++) {
            viewIndex.put(views.get(i), i);
        }
        int cpus = spec.cpus();
        buildEpts(cpus);
        long[][] eptps = new long[views.size()][cpus];
        slots = new int[views.size()];
        for (int v = 0; v < views.size(); v++) {
            boolean ad = v == 0 ? spec.kernel().eptAccessedDirty() : spec.domain(views.get(v)).orElseThrow().eptAccessedDirty();
            SourcePos where = v == 0 ? spec.kernel().pos() : spec.domain(views.get(v)).orElseThrow().pos();
            if (ad && !caps.eptAccessedDirty()) {
                throw new InputError(where, "ept-ad=yes but the cpu line says ept-ad=no");
            }
            slots[v] = v == 0 ? 0 : spec.domain(views.get(v)).orElseThrow().slot();
            for (int c = 0; c < cpus; c++) {
                eptps[v][c] = ept[v][c].eptp(ad);
            }
        }
        // EPTP lists: one page per CPU (vmx_alloc_vmfunc_ept_switching_page); slot 0 the kernel's EPTP.
        FramePool listPool = new FramePool(spec.region(spec.kernel().eptpLists()).orElseThrow());
        long[] lists = new long[cpus];
        for (int c = 0; c < cpus; c++) {
            lists[c] = listPool.allocate();
            zero(lists[c]);
            for (int v = 0; v < views.size(); v++) {
                mem.write(lists[c] + 8L * slots[v], 8, eptps[v][c]);
            }
        }
        buildPageTables();

        Map<String, LinkedImage> images = new LinkedHashMap<>();
        Map<Long, LvdSystem.PrimitiveAt> prims = new HashMap<>();
        Map<String, Long> kernelExternals = externals(0, prims);
        images.put("kernel", CodeLoader.link(loaded, parsed, "kernel", kernelExternals));
        for (int v = 1; v < views.size(); v++) {
            Map<String, Long> ext = new HashMap<>(images.get("kernel").symbols());
            ext.putAll(externals(v, prims));
            // In the module, the kernel-side continuations are weak symbols that resolve to the
            // module's own abort stubs (vmfunc_calls.c): relinking does not patch them.
            for (Map.Entry<String, String> w : WEAK_IN_MODULE.entrySet()) {
                images.get("kernel").symbol(w.getValue()).ifPresent(a -> ext.put(w.getKey(), a));
            }
            images.put(views.get(v), CodeLoader.link(loaded, parsed, views.get(v), ext));
        }
        LinkedImage kernel = images.get("kernel");
        Map<Long, LvdSystem.CodeAt> code = new HashMap<>();
        for (int v = 0; v < views.size(); v++) {
            loadCode(v, images.get(views.get(v)), kernel, code);
        }

        Layout layout = layout(cpus);
        writeKernelObjects(kernel, layout, cpus);
        // The hardened gate refuses to enter a slot whose lvd_slot_live word is 0 (HARDENING.md G16).
        java.util.OptionalLong live = spec.symbols().stream().filter(x -> x.name().equals("lvd_slot_live"))
                .mapToLong(Model.Symbol::value).findFirst();
        if (live.isPresent()) {
            for (int v = 1; v < views.size(); v++) {
                writeLinear(0, 0, pgdGpa.get(kernelRootPgd()), live.getAsLong() + 8L * slots[v], 8, 1, spec.kernel().pos());
            }
        }
        List<ThreadState> threads = new ArrayList<>();
        ArchRegs[] cpuRegs = new ArchRegs[cpus];
        for (int c = 0; c < cpus; c++) {
            cpuRegs[c] = cpuRegisters(c, layout);
        }
        for (int t = 0; t < spec.threads().size(); t++) {
            Model.Thread th = spec.threads().get(t);
            long entry = kernel.symbol(th.entry()).orElseThrow(
                    () -> new InputError(th.pos(), "thread entry '" + th.entry() + "' is not a symbol of the kernel's code"));
            layout.threadEntry()[t] = entry;
            writeWorkBlock(kernel, th, t, callsPerThread);
            // TASK_lcd_stack_cpu names no CPU until pick_stack writes it (drop_stack, its only reader,
            // runs after it): a byte with no value, so no state holds a CPU number the thread never had.
            java.util.OptionalLong stackCpu = kernel.symbol("TASK_lcd_stack_cpu");
            if (stackCpu.isPresent()) {
                mem.forget(linearToHpa(0, 0, pgdGpa.get(kernelRootPgd()), th.taskGva() + stackCpu.getAsLong(), th.pos()), 4);
            }
            // A thread's saved registers before it first runs: only what a switch moves (Machine.switchIn)
            // matters; the CPU's own (GS base, GDT, TSS) are left out, so no CPU's addresses are in them.
            ArchRegs r = cpuRegs[0].withGsBase(0).withGdtr(new DescriptorTableReg(0, 0x4F))
                    .withTr(Segment.tss64(TSS_SEL, 0, 0x67)).withRip(entry).withRsp(th.stackTop()).withGpr(ArchRegs.RDI, th.argGva())
                    .withCr3(layout.threadCr3()[t]);
            for (int k = 0; k < CALLEE_SAVED.length; k++) {
                r = r.withGpr(CALLEE_SAVED[k], callerValue(th.taskGva(), k));
            }
            for (int comp : new int[] {ArchRegs.XSTATE_X87, ArchRegs.XSTATE_SSE, ArchRegs.XSTATE_AVX}) {
                r = r.withXstate(comp, fpuToken(t, comp));
            }
            threads.add(new ThreadState(ThreadStatus.NEW, th.cpu(), r));
        }
        List<CpuState> cpuStates = new ArrayList<>();
        for (int c = 0; c < cpus; c++) {
            Vmcs vmcs = vmcsTemplate.vmcs().toBuilder().eptp(eptps[0][c]).eptpListAddress(lists[c]).eptpIndex(0).build();
            cpuStates.add(new CpuState(cpuRegs[c], vmcs, org.lvdcheck.emulator.irq.Lapic.reset(c), CpuMode.IDLE, -1));
        }
        PhysMem built = mem.freeze();
        DomainWrites writes = DomainWrites.compute(built, lists, slots, caps.maxPhysAddr());
        LvdSystem system = new LvdSystem(loaded, caps, policy, vmcsTemplate.cr3TargetLru(), List.copyOf(views), slots,
                eptps, lists, Map.copyOf(images), Map.copyOf(code), Map.copyOf(prims), layout, interfaces(), writes);
        return new Built(system, new MachineState(built, cpuStates, threads, 0));
    }

    /** Each domain's interface as its IDL declares it (D4; docs/IDL.md). */
    private Map<String, LvdSystem.DomainInterface> interfaces() throws InputError {
        Map<String, LvdSystem.DomainInterface> r = new HashMap<>();
        for (Model.Domain d : spec.domains()) {
            if (d.idl() == null) {
                continue;
            }
            org.lvdcheck.spec.InputFile f = loaded.files().get(org.lvdcheck.spec.SourceSet.resolve(loaded.specPath(), d.idl()));
            org.lvdcheck.spec.idl.InterfaceModel m = org.lvdcheck.spec.idl.InterfaceModel.of(
                    org.lvdcheck.spec.idl.IdlParser.parse(f.name(), f.text()));
            java.util.Set<String> kernel = new java.util.TreeSet<>();
            java.util.Set<String> driver = new java.util.TreeSet<>();
            Map<String, org.lvdcheck.spec.idl.MessageWords> messages = new HashMap<>();
            for (org.lvdcheck.spec.idl.RpcEntry e : m.rpcTable()) {
                (e.direction() == org.lvdcheck.spec.idl.CallDirection.DRIVER_TO_KERNEL ? kernel : driver).add(e.name());
                messages.putIfAbsent(e.name(), m.messageWords().get(e.scopedName()));
            }
            r.put(d.name(), new LvdSystem.DomainInterface(kernel, driver, d.rpcCheck(), Map.copyOf(messages)));
        }
        return Map.copyOf(r);
    }

    // ---- EPTs -------------------------------------------------------------------------------

    private void buildEpts(int cpus) throws InputError {
        ept = new EptBuilder[views.size()][cpus];
        // Views that name the same region share its allocator (the microkernel builds every LVD's EPTs).
        Map<String, FramePool> pools = new HashMap<>();
        for (int v = 0; v < views.size(); v++) {
            String poolName = v == 0 ? spec.kernel().eptPool() : spec.domain(views.get(v)).orElseThrow().eptPool();
            FramePool pool = pools.computeIfAbsent(poolName, n -> new FramePool(spec.region(n).orElseThrow()));
            for (int c = 0; c < cpus; c++) {
                ept[v][c] = EptBuilder.create(mem, pool.asSupplier(), caps);
            }
        }
        for (Model.Pgd p : spec.pgds()) {
            pgdGpa.put(p.name(), p.gpa());
        }
        // Two passes: mappings whose host address names a PGD root need that PGD's own view first.
        for (EptMapping m : spec.eptMappings()) {
            if (!(m.hpa() instanceof Model.HpaRef.PgdRoot)) {
                applyEpt(m);
            }
        }
        for (Model.Pgd p : spec.pgds()) {
            pgdRootHpa.put(p.name(), gpaToHpa(viewIndex.get(p.view()), 0, p.gpa(), p.pos()));
        }
        for (EptMapping m : spec.eptMappings()) {
            if (m.hpa() instanceof Model.HpaRef.PgdRoot) {
                applyEpt(m);
            }
        }
    }

    private void applyEpt(EptMapping m) throws InputError {
        int v = viewIndex.get(m.view());
        long gpa = m.gpa() instanceof Model.GpaRef.Absolute a ? a.gpa() : pgdGpa.get(((Model.GpaRef.PgdRoot) m.gpa()).pgd());
        long hpa;
        if (m.hpa() instanceof Model.HpaRef.Absolute a) {
            hpa = a.hpa();
        } else if (m.hpa() instanceof Model.HpaRef.InRegion r) {
            Model.Region region = spec.region(r.region()).orElseThrow();
            if (r.offset() + m.size() > region.size()) {
                throw new InputError(m.pos(), "the mapping runs past the end of region '" + region.name() + "' ("
                        + region.size() / 1024 + "K)");
            }
            hpa = region.hpa() + r.offset();
        } else {
            hpa = pgdRootHpa.get(((Model.HpaRef.PgdRoot) m.hpa()).pgd());
        }
        if (hpa + m.size() > (1L << caps.maxPhysAddr())) {
            throw new InputError(m.pos(), "host-physical range ends beyond MAXPHYADDR (" + caps.maxPhysAddr() + " bits)");
        }
        // Rights -w- or -wx are written as given: the walk reports them as misconfigurations (SDM 28.2.3.1).
        PageSize ps = m.pageSize() == 1L << 30 ? PageSize.SIZE_1G : m.pageSize() == 1L << 21 ? PageSize.SIZE_2M : PageSize.SIZE_4K;
        if (ps == PageSize.SIZE_1G && !caps.pages1G()) {
            throw new InputError(m.pos(), "page=1G but the cpu line says pages-1g=no");
        }
        int memType = m.memType() == Model.MemType.UC ? EptEntry.MT_UC : EptEntry.MT_WB;
        for (int c = 0; c < spec.cpus(); c++) {
            if (m.cpu() < 0 || m.cpu() == c) {
                writeEptRaw(ept[v][c], gpa, hpa, m.size(), m.rights(), ps, memType);
            }
        }
    }

    /** Rights 000 in a spec line make the range not present; any other value is written as given. */
    private static void writeEptRaw(EptBuilder b, long gpa, long hpa, long size, int rwx, PageSize ps, int memType) {
        if (rwx == 0) {
            b.unmap(gpa, size);
        } else {
            b.map(gpa, hpa, size, rwx, ps, memType);
        }
    }

    /** GPA to HPA in a view's EPT on one CPU, whatever the rights (the microkernel writes memory directly). */
    private long gpaToHpa(int v, int cpu, long gpa, SourcePos where) throws InputError {
        long eptp = ept[v][cpu].eptp(false);
        for (EptAccess a : new EptAccess[] {EptAccess.READ, EptAccess.FETCH, EptAccess.WRITE}) {
            EptResult r = EptWalk.translate(mem, eptp, gpa, a, caps);
            if (r instanceof EptResult.Ok ok) {
                return ok.hpa();
            }
        }
        throw new InputError(where, "guest-physical 0x" + Long.toHexString(gpa) + " is not mapped in the EPT of view '"
                + views.get(v) + "'" + (spec.cpus() > 1 ? " on cpu " + cpu : ""));
    }

    // ---- guest page tables ------------------------------------------------------------------

    private void buildPageTables() throws InputError {
        Map<String, PageTableBuilder> builders = new LinkedHashMap<>();
        for (Model.Pgd p : spec.pgds()) {
            int v = viewIndex.get(p.view());
            long[] next = {p.poolGpa()};
            long end = p.poolGpa() + p.poolSize();
            if (p.gpa() != p.poolGpa()) {
                throw new InputError(p.pos(), "a PGD's root is the first page of its pool: gpa must equal pool");
            }
            Map<Long, Long> hpaCache = new HashMap<>();
            java.util.function.LongUnaryOperator toHpa = gpa -> {
                long page = gpa & ~0xFFFL;
                Long h = hpaCache.get(page);
                if (h == null) {
                    try {
                        h = gpaToHpa(v, 0, page, p.pos());
                    } catch (InputError e) {
                        throw new FramePool.PoolExhausted(e);
                    }
                    hpaCache.put(page, h);
                }
                return h | (gpa & 0xFFF);
            };
            java.util.function.LongSupplier alloc = () -> {
                if (next[0] >= end) {
                    throw new FramePool.PoolExhausted(new InputError(p.pos(), "the pool of PGD '" + p.name()
                            + "' is too small for its page tables"));
                }
                long g = next[0];
                next[0] += 4096;
                return g;
            };
            PageTableBuilder b = PageTableBuilder.create(mem, toHpa, alloc, caps);
            if (p.presetAccessedDirty()) {
                b.tableFlags(Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D);
            }
            builders.put(p.name(), b);
        }
        for (Model.Mapping m : spec.mappings()) {
            for (Model.Pgd p : spec.pgds()) {
                boolean target = m.pgd().equals("kernel") ? p.view().equals("kernel") && p.kernelHalfOf() == null
                        : m.pgd().equals(p.name());
                if (!target) {
                    continue;
                }
                long flags = Pte.P | (m.flags().write() ? Pte.RW : 0) | (m.flags().user() ? Pte.US : 0)
                        | (m.flags().execute() ? 0 : Pte.XD) | (p.presetAccessedDirty() ? Pte.A | Pte.D : 0);
                PageSize ps = m.pageSize() == 1L << 30 ? PageSize.SIZE_1G
                        : m.pageSize() == 1L << 21 ? PageSize.SIZE_2M : PageSize.SIZE_4K;
                builders.get(p.name()).map(m.gva(), m.gpa(), m.size(), flags, ps);
            }
        }
        // A process PGD shares the kernel half of init_level4_pgt: entries 256..511 point to the same tables.
        for (Model.Pgd p : spec.pgds()) {
            if (p.kernelHalfOf() != null) {
                PageTableBuilder from = builders.get(p.kernelHalfOf());
                PageTableBuilder to = builders.get(p.name());
                for (int i = 256; i < 512; i++) {
                    to.write(to.root() + 8L * i, from.read(from.root() + 8L * i));
                }
            }
        }
    }

    // ---- code ------------------------------------------------------------------------------

    private Map<String, Long> externals(int v, Map<Long, LvdSystem.PrimitiveAt> prims) {
        Map<String, Long> ext = new HashMap<>();
        for (String name : Primitives.NAMES) {
            long a = Primitives.address(v, name);
            ext.put(name, a);
            prims.put(a, new LvdSystem.PrimitiveAt(name, views.get(v)));
        }
        for (Model.Symbol s : spec.symbols()) {
            ext.put(s.name(), s.value());
        }
        ext.put(EPT_ID_SYMBOL, v == 0 ? -1L : slots[v]);
        spec.objects(ObjectKind.STATE_PAGE).forEach(o -> ext.put("vmfunc_state_page", o.gva()));
        spec.objects(ObjectKind.IDT).forEach(o -> ext.put("idt_table", o.gva()));
        spec.objects(ObjectKind.LANDING_TICKET).forEach(o -> ext.put("lvd_landing_ticket", o.gva()));
        return ext;
    }

    /**
     * Copies each instruction and data byte of a view's image to the frames the view maps at its
     * GVA. A domain's instructions are driver code unless their section is a gate page: one the
     * kernel links at the same address (the shared trampoline and springboard pages).
     */
    private void loadCode(int v, LinkedImage img, LinkedImage kernel, Map<Long, LvdSystem.CodeAt> code) throws InputError {
        long cr3 = pgdGpa.get(kernelRootPgd());
        for (String sec : img.sectionNames()) {
            byte[] bytes = img.sectionBytes(sec);
            long start = img.sectionStart(sec);
            SourcePos where = spec.sections().stream().filter(s -> s.name().equals(sec)).findFirst()
                    .map(Model.Section::pos).orElse(spec.kernel().pos());
            long pageHpa = -1;
            for (int i = 0; i < bytes.length; i++) {
                long gva = start + i;
                if (pageHpa < 0 || (gva & 0xFFF) == 0) {
                    pageHpa = linearToHpa(v, 0, cr3, gva & ~0xFFFL, where);
                }
                mem.write(pageHpa + (gva & 0xFFF), 1, bytes[i] & 0xFF);
            }
        }
        java.util.Set<String> transition = new java.util.HashSet<>();
        for (String sec : img.sectionNames()) {
            if (v > 0 && kernel.sectionNames().contains(sec) && kernel.sectionStart(sec) == img.sectionStart(sec)) {
                transition.add(sec);
            }
        }
        for (PlacedInstruction pi : img.instructions()) {
            long hpa = linearToHpa(v, 0, cr3, pi.address(), pi.pos());
            boolean driver = v > 0 && img.sectionNames().stream().noneMatch(sec -> transition.contains(sec)
                    && pi.address() >= img.sectionStart(sec) && pi.address() < img.sectionEnd(sec));
            code.put(hpa, new LvdSystem.CodeAt(pi, views.get(v), driver));
        }
    }

    private String kernelRootPgd() throws InputError {
        return spec.pgds().stream().filter(p -> p.view().equals("kernel") && p.kernelHalfOf() == null).findFirst()
                .map(Model.Pgd::name).orElseThrow(() -> new InputError(spec.kernel().pos(),
                        "the spec has no kernel PGD (pgd NAME gpa=... without kernel-half)"));
    }

    /**
     * Translates a GVA in view v on one CPU (kernel CR3, supervisor) for reading or fetching,
     * whatever the write rights: where the microkernel, which writes host memory directly, puts data.
     */
    private long linearToHpa(int v, int cpu, long cr3, long gva, SourcePos where) throws InputError {
        EptGuestPhysical gp = new EptGuestPhysical(mem.freeze(), ept[v][cpu].eptp(false), caps);
        PagingRegs regs = new PagingRegs(Cr0.PE | Cr0.PG, cr3, Cr4.PAE, Efer.LME | Efer.LMA | Efer.NXE, Rflags.FIXED1, 0);
        for (LinearAccess a : new LinearAccess[] {LinearAccess.SUPERVISOR_READ, LinearAccess.FETCH}) {
            PagingResult r = GuestPaging.translate(regs, gva, a, gp);
            if (r instanceof PagingResult.Ok ok) {
                return ok.hpa();
            }
        }
        throw new InputError(where, "view '" + views.get(v) + "' maps nothing at 0x" + Long.toHexString(gva)
                + (spec.cpus() > 1 ? " on cpu " + cpu : "") + ": add map and ept lines for it");
    }

    // ---- kernel objects --------------------------------------------------------------------

    private Layout layout(int cpus) throws InputError {
        long[] percpu = new long[cpus];
        long[][] ist = new long[cpus][8];
        long[] irq = new long[cpus];
        long[] gdt = new long[cpus];
        long[] tss = new long[cpus];
        long idt = 0;
        long state = 0;
        for (KernelObject o : spec.objects()) {
            switch (o.kind()) {
                case PERCPU -> percpu[o.cpu()] = o.gva();
                case IST -> ist[o.cpu()][o.index()] = o.gva() + o.size();
                case IRQ_STACK -> irq[o.cpu()] = o.gva() + o.size();
                case GDT -> gdt[o.cpu()] = o.gva();
                case TSS -> tss[o.cpu()] = o.gva();
                case IDT -> idt = o.gva();
                case STATE_PAGE -> state = o.gva();
            }
        }
        SourcePos top = spec.kernel().pos();
        if (idt == 0) {
            throw new InputError(top, "the spec has no 'idt gva=...' line");
        }
        if (state == 0) {
            throw new InputError(top, "the spec has no 'state-page gva=...' line");
        }
        for (int c = 0; c < cpus; c++) {
            if (percpu[c] == 0 || gdt[c] == 0 || tss[c] == 0 || irq[c] == 0) {
                throw new InputError(top, "cpu " + c + " needs percpu, gdt, tss and irq-stack lines");
            }
        }
        int n = spec.threads().size();
        long[] task = new long[n];
        long[] stack = new long[n];
        long[] arg = new long[n];
        long[] cr3 = new long[n];
        long[] xsave = new long[n];
        for (int t = 0; t < n; t++) {
            Model.Thread th = spec.threads().get(t);
            task[t] = th.taskGva();
            stack[t] = th.stackTop();
            arg[t] = th.argGva();
            cr3[t] = pgdGpa.get(th.cr3Pgd());
            xsave[t] = th.xsaveGva();
        }
        long[] poolBase = new long[views.size()];
        int[] perCpu = new int[views.size()];
        long[] size = new long[views.size()];
        for (Model.StackPool sp : spec.stackPools()) {
            int v = viewIndex.get(sp.domain());
            poolBase[v] = sp.gva();
            perCpu[v] = sp.perCpu();
            size[v] = sp.size();
        }
        return new Layout(percpu, state, ist, irq, gdt, tss, idt, xsave, task, stack, arg, new long[n], cr3, poolBase,
                perCpu, size);
    }

    private void writeKernelObjects(LinkedImage kernel, Layout l, int cpus) throws InputError {
        long cr3 = pgdGpa.get(kernelRootPgd());
        SourcePos top = spec.kernel().pos();
        // IDT: one 16-byte gate per vector (SDM Vol. 3A 6.14.1).
        for (Model.Vector vec : spec.vectors()) {
            long target = kernel.symbol(vec.handler()).orElseThrow(() -> new InputError(vec.pos(),
                    "handler '" + vec.handler() + "' is not a symbol of the kernel's code"));
            int type = vec.gate() == Model.GateType.INTERRUPT ? 0xE : 0xF;
            long lo = (target & 0xFFFF) | ((long) KERNEL_CS << 16) | ((long) vec.ist() << 32) | ((long) type << 40)
                    | ((long) vec.dpl() << 45) | (1L << 47) | ((target >>> 16 & 0xFFFF) << 48);
            long hi = target >>> 32;
            writeLinear(0, 0, cr3, l.idt() + 16L * vec.number(), 8, lo, vec.pos());
            writeLinear(0, 0, cr3, l.idt() + 16L * vec.number() + 8, 8, hi, vec.pos());
        }
        for (int c = 0; c < cpus; c++) {
            // GDT: null, -, kernel CS (64-bit), kernel DS, ..., TSS descriptor (16 bytes) at 0x40.
            writeLinear(0, c, cr3, l.gdt()[c] + KERNEL_CS, 8, 0x00AF9B000000FFFFL, top);
            writeLinear(0, c, cr3, l.gdt()[c] + KERNEL_DS, 8, 0x00CF93000000FFFFL, top);
            long base = l.tss()[c];
            long tssLo = 0x67 | ((base & 0xFFFFFF) << 16) | (0x89L << 40) | ((base >>> 24 & 0xFF) << 56);
            writeLinear(0, c, cr3, l.gdt()[c] + TSS_SEL, 8, tssLo, top);
            writeLinear(0, c, cr3, l.gdt()[c] + TSS_SEL + 8, 8, base >>> 32, top);
            // TSS: RSP0 at 4, IST1..7 at 0x24 + 8(n-1) (SDM Vol. 3A 7.7).
            for (int i = 1; i <= 7; i++) {
                if (l.istTop()[c][i] != 0) {
                    writeLinear(0, c, cr3, base + 0x24 + 8L * (i - 1), 8, l.istTop()[c][i], top);
                }
            }
            // Per-CPU variables (asm-offsets.s).
            long pc = l.percpu()[c];
            // x86 keeps need_resched inverted in bit 31 of __preempt_count: PREEMPT_ENABLED = 0x80000000.
            writeLinear(0, c, cr3, pc + sym(kernel, "__preempt_count"), 4, PREEMPT_NEED_RESCHED, top);
            writeLinear(0, c, cr3, pc + sym(kernel, "irq_count"), 4, 0xFFFFFFFFL, top);
            writeLinear(0, c, cr3, pc + sym(kernel, "irq_stack_ptr"), 8, l.irqStackTop()[c], top);
            writeLinear(0, c, cr3, pc + sym(kernel, "lvd_irq_stack_addr"), 8, l.istTop()[c][5], top);
            writeLinear(0, c, cr3, pc + sym(kernel, "cpu_number"), 4, c, top);
            writeLinear(0, c, cr3, pc + sym(kernel, "current_task"), 8, 0, top);
            // The state page as each view sees it on this CPU (vmx_map_vmfunc_state_page).
            for (int v = 0; v < views.size(); v++) {
                long sp = l.stateGva();
                writeLinear(v, c, cr3, sp + sym(kernel, "VMFUNC_in_kernel"), 4, v == 0 ? 1 : 0, top);
                writeLinear(v, c, cr3, sp + sym(kernel, "VMFUNC_cpuid"), 4, c, top);
                // The model's field: which view this copy belongs to, for the interrupt entry's way back.
                writeLinear(v, c, cr3, sp + sym(kernel, "VMFUNC_ept_id"), 4, slots[v], top);
                if (v == 0) {
                    // rdgsbase into a 32-bit field: the stored value is truncated, as built (LVD-AS-BUILT.md 2.3).
                    int width = (int) sym(kernel, "VMFUNC_GS_BASE_BYTES");
                    writeLinear(v, c, cr3, sp + sym(kernel, "VMFUNC_kernel_gs_base"), width,
                            width == 8 ? pc : pc & 0xFFFFFFFFL, top);
                    // This CPU's IST 5 top, where an interrupt from a domain leaves its pt_regs, for
                    // the entry code's RSP check after its VMFUNC back to the kernel (hardened G23).
                    if (kernel.symbol("VMFUNC_irq_stack_top").isPresent() && l.istTop()[c][5] != 0) {
                        writeLinear(v, c, cr3, sp + sym(kernel, "VMFUNC_irq_stack_top"), 8, l.istTop()[c][5], top);
                    }
                }
            }
        }
    }

    /**
     * The thread's work block, and its task's {@code vmfunc_lcd}: both name the domain the thread
     * calls by its EPTP-list slot (the work block for vmfunc_klcd_wrapper's ept, the task field for
     * the gate's VMFUNCs and the kernel's dispatcher).
     */
    private void writeWorkBlock(LinkedImage kernel, Model.Thread th, int t, int calls) throws InputError {
        long cr3 = pgdGpa.get(kernelRootPgd());
        int slot = spec.domain(th.domain()).orElseThrow().slot();
        writeLinear(0, 0, cr3, th.argGva() + sym(kernel, "WORK_slot"), 8, slot, th.pos());
        writeLinear(0, 0, cr3, th.taskGva() + sym(kernel, "TASK_vmfunc_lcd"), 8, slot, th.pos());
        writeLinear(0, 0, cr3, th.argGva() + sym(kernel, "WORK_calls_left"), 8, calls, th.pos());
        writeLinear(0, 0, cr3, th.argGva() + sym(kernel, "WORK_arg_obj"), 8, 0x1000L * (t + 1), th.pos());
        writeLinear(0, 0, cr3, th.argGva() + sym(kernel, "WORK_arg_dev"), 8, 0xd0d0, th.pos());
        writeLinear(0, 0, cr3, th.argGva() + sym(kernel, "WORK_arg_len"), 8, 64, th.pos());
    }

    private static long sym(LinkedImage img, String name) throws InputError {
        java.util.OptionalLong v = img.symbol(name);
        if (v.isEmpty()) {
            throw new InputError(new SourcePos("asm-offsets.s", 1, 1),
                    "the kernel's code does not define '" + name + "' (asm-offsets.s)");
        }
        return v.getAsLong();
    }

    private void writeLinear(int v, int cpu, long cr3, long gva, int size, long value, SourcePos where) throws InputError {
        mem.write(linearToHpa(v, cpu, cr3, gva, where), size, value);
    }

    private void zero(long hpa) {
        for (int i = 0; i < 512; i++) {
            mem.write(hpa + 8L * i, 8, 0);
        }
    }

    /** Registers of a CPU in the kernel, as Linux leaves them after boot (64-bit mode, paging, NXE, FSGSBASE). */
    private ArchRegs cpuRegisters(int c, Layout l) throws InputError {
        long cr3 = pgdGpa.get(kernelRootPgd());
        return ArchRegs.zero().toBuilder().build()
                .withCr0(Cr0.PE | Cr0.MP | Cr0.ET | Cr0.NE | Cr0.WP | Cr0.PG)
                .withCr4(Cr4.PAE | Cr4.PGE | Cr4.OSFXSR | Cr4.OSXMMEXCPT | Cr4.FSGSBASE | Cr4.OSXSAVE | Cr4.SMEP)
                .withEfer(Efer.SCE | Efer.LME | Efer.LMA | Efer.NXE)
                .withCr3(cr3)
                .withCs(Segment.code64(KERNEL_CS))
                .withSs(Segment.flatData(KERNEL_DS))
                .withDs(Segment.flatData(KERNEL_DS))
                .withEs(Segment.flatData(KERNEL_DS))
                .withGsBase(l.percpu()[c])
                .withGdtr(new DescriptorTableReg(l.gdt()[c], 0x4F))
                .withIdtr(new DescriptorTableReg(l.idt(), 0xFFF))
                .withTr(Segment.tss64(TSS_SEL, l.tss()[c], 0x67))
                .withRflags(Rflags.FIXED1 | Rflags.IF)
                .withXcr0(0x7);
    }
}
