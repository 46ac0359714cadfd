package org.lvdcheck.emulator.machine;

import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.lxd.Layout;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.asm.LinkedImage;

/**
 * The kernel's C routines the gate and entry code call, each one atomic step (docs/MODEL.md
 * "Kernel primitives", docs/PRIMITIVES.md for their sources). Routines whose real code opens a
 * window (preempt_schedule_irq, the spinlock entry points) are assembly in sched.s; what they
 * call between their STI, CLI and lock operations is a primitive here. A primitive reads its
 * arguments from the SysV registers, does its work through kernel accesses under the
 * CPU's current paging and EPT, and returns as RET would (pops the return address), with
 * its result in RAX. {@code __vmfunc_dispatch} instead tail-calls the RPC handler.
 *
 * <p>Model fields beyond asm-offsets.s (documented in docs/MODEL.md): the thread's FPU save
 * area is where the spec's {@code thread ... xsave=} puts it (x87, SSE, AVX tokens, MXCSR);
 * need_resched is bit 31 of {@code __preempt_count}, inverted, as on x86; after the per-CPU area
 * ({@code PERCPU_AREA_SIZE}) one LVD-stack bitmap word per view (+8·view).
 *
 * <p>Taint (DESIGN.md §3): a primitive reads through {@link KernelAccess}, which shows it the
 * havoc frames as ⊤ under the compromised-driver semantics. An argument register or a word it
 * uses as a pointer, index or decision must be clean (else a TAINT use); FPU tokens, segment
 * bases, copied frames and message words are data and keep their labels. The domain's own
 * {@code __vmfunc_dispatch} is driver code: a ⊤ there ends the driver program's path instead.
 */
final class KernelPrimitives {
    private final LvdSystem system;
    private final Machine machine;

    KernelPrimitives(LvdSystem system, Machine machine) {
        this.system = system;
        this.machine = machine;
    }

    /**
     * Runs primitive {@code name} on CPU {@code c}, entered by a call (the return address pushed).
     *
     * @param rpcClass for {@code __vmfunc_dispatch} reading ⊤ ids, the class of the comparison to
     *        take ({@link #rpcClasses}); -1 otherwise
     */
    MachineState run(MachineState s, int c, String name, List<Event> ev, int rpcClass) {
        LvdSystem.PrimitiveAt at = system.primitives().get(s.cpu(c).regs().rip());
        if (at != null && !at.view().equals("kernel")) {
            try {
                return body(s, c, name, ev, rpcClass);
            } catch (KernelAccess.TopUse u) {
                return machine.driverControl(s, c, ev, name + " (driver code): " + u.getMessage());
            }
        }
        return body(s, c, name, ev, rpcClass);
    }

    /**
     * Memory as the primitive at CPU c's RIP reads it: havoc frames read as ⊤ under the
     * compromised-driver semantics, for the kernel's primitives (trusted readers) and for the
     * domain's dispatcher (driver code: no havoc frame holds anything, docs/MODEL.md).
     */
    private KernelAccess access(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        return machine.kernelAccess(s.mem(), cpu.eptp(), cpu.regs());
    }

    /** A clean argument register the primitive uses as a pointer or index. */
    private static long arg(ArchRegs r, int gpr, String name) {
        if (r.gprTainted(gpr)) {
            throw new KernelAccess.TopUse(name + " takes a ⊤ pointer or index in " + GPR_NAMES[gpr]);
        }
        return r.gpr(gpr);
    }

    private static final String[] GPR_NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9",
        "r10", "r11", "r12", "r13", "r14", "r15"};

    private MachineState body(MachineState s, int c, String name, List<Event> ev, int rpcClass) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        KernelAccess k = access(s, c);
        Layout l = system.layout();
        java.util.function.LongSupplier currentTask = () -> k.read(l.percpu()[c] + machine.constant("current_task"), 8);
        long result = 0;
        switch (name) {
            case "pick_stack" -> {
                long rdi = arg(r, ArchRegs.RDI, name);
                long task = currentTask.getAsLong();
                int v = viewOfSlot((int) rdi);
                long bitmap = l.percpu()[c] + machine.constant("PERCPU_AREA_SIZE") + 8L * v;
                long bits = k.read(bitmap, 8);
                int n = l.domainStacksPerCpu()[v];
                int free = -1;
                for (int i = 0; i < n; i++) {
                    if ((bits >>> i & 1) == 0) {
                        free = i;
                        break;
                    }
                }
                if (free < 0) {
                    throw new KernelAccess.Oops("pick_stack: no free LVD stack on cpu" + c + " (BUG_ON(!current->lcd_stack))");
                }
                k.write(bitmap, 8, bits | 1L << free);
                long top = l.domainStackBase()[v] + (c * (long) n + free + 1) * l.domainStackSize()[v] - 8;
                k.write(task + machine.constant("TASK_lcd_stack"), 8, top);
                k.write(task + machine.constant("TASK_lcd_stack_bit"), 4, free);
                k.write(task + machine.constant("TASK_lcd_stack_cpu"), 4, c);
                ev.add(new Event.Primitive(name, "cpu" + c + " stack " + free + " of " + system.viewName(v) + " -> 0x"
                        + Long.toHexString(top)));
            }
            case "drop_stack" -> {
                long rdi = arg(r, ArchRegs.RDI, name);
                long task = currentTask.getAsLong();
                int v = viewOfSlot((int) rdi);
                int bit = (int) k.read(task + machine.constant("TASK_lcd_stack_bit"), 4);
                int owner = (int) k.read(task + machine.constant("TASK_lcd_stack_cpu"), 4);
                long bitmap = l.percpu()[owner] + machine.constant("PERCPU_AREA_SIZE") + 8L * v;
                k.write(bitmap, 8, k.read(bitmap, 8) & ~(1L << bit));
                k.write(task + machine.constant("TASK_lcd_stack"), 8, 0);
                ev.add(new Event.Primitive(name, "stack " + bit + " of cpu" + owner + " freed"
                        + (owner != c ? " (from cpu" + c + ", lazily)" : "")));
            }
            case "save_fpu_regs" -> saveFpu(k, r, fpuArea(cpu));
            case "restore_fpu_regs" -> r = loadFpu(k, r, fpuArea(cpu), 0, 8, 16, 24);
            case "__vmfunc_dispatch" -> {
                return dispatch(s, c, k, r, ev, rpcClass);
            }
            case "remap_cr3" -> {
                return ret(remapCr3(s, c, k, r, ev), c, 0);
            }
            case "sync_stacks" -> {
                long rdi = arg(r, ArchRegs.RDI, name);
                long to = arg(r, ArchRegs.RSI, name) - 168;
                copyFrame(k, rdi, to);
                result = to;
            }
            case "sync_regs" -> {
                long rdi = arg(r, ArchRegs.RDI, name);
                int t = cpu.thread();
                long to = l.stackTop()[t] - 168;
                copyFrame(k, rdi, to);
                result = to;
            }
            case "do_IRQ" -> {
                long rdi = arg(r, ArchRegs.RDI, name);
                int vector = (int) (~k.read(rdi + machine.constant("PT_ORIG_RAX"), 8) & 0xFF);
                cpu = cpu.withLapic(cpu.lapic().eoi());
                org.lvdcheck.spec.lvd.Model.VectorClass cls = machine.vectorClass(vector);
                String what = "vector 0x" + Integer.toHexString(vector) + " handled, EOI";
                boolean tick = cls == org.lvdcheck.spec.lvd.Model.VectorClass.TIMER;
                if (tick && machine.runnableFor(s, c) >= 0) {
                    // scheduler_tick -> resched_curr: set_preempt_need_resched clears the inverted bit.
                    long pc = l.percpu()[c] + machine.constant("__preempt_count");
                    k.write(pc, 4, k.read(pc, 4) & ~SystemBuilder.PREEMPT_NEED_RESCHED);
                    what += "; another thread is runnable: need_resched";
                }
                ev.add(new Event.Primitive(name, what, tick)); // only the tick asks the run queue
            }
            case "__schedule" -> {
                return schedule(s, c, k, ev);
            }
            case "do_raw_spin_lock" -> {
                long lock = arg(r, ArchRegs.RDI, name);
                if (k.read(lock, 4) != 0) {
                    throw new IllegalArgumentException("cpu" + c + " spins on the held lock at 0x" + Long.toHexString(lock)
                            + ": its call is not enabled until the holder releases it");
                }
                k.write(lock, 4, 1);
                ev.add(new Event.Primitive(name, "lock 0x" + Long.toHexString(lock) + " taken on cpu" + c));
            }
            case "do_raw_spin_unlock" -> {
                long lock = arg(r, ArchRegs.RDI, name);
                k.write(lock, 4, 0);
                ev.add(new Event.Primitive(name, "lock 0x" + Long.toHexString(lock) + " released on cpu" + c));
            }
            case "do_exception" -> throw new KernelAccess.Oops("kernel-mode exception, vector " + (r.gpr(ArchRegs.RDX) & 0xFF)
                    + ", error code 0x" + Long.toHexString(r.gpr(ArchRegs.RSI)) + " (do_exception: oops)");
            case "do_nmi", "prepare_exit_to_usermode" -> {
            }
            case "do_exit" -> {
                int t = cpu.thread();
                k.write(l.percpu()[c] + machine.constant("current_task"), 8, 0);
                ev.add(new Event.Switched(system.spec().threads().get(t).name() + " (exited)", "idle"));
                MachineState n = s.withMem(k.memory()).withCpu(c, cpu.withMode(CpuMode.IDLE).withThread(-1));
                return n.withThread(t, n.threads().get(t).with(ThreadStatus.DONE, c, r));
            }
            case "lvd_enter_domain_state" -> {
                // Hardened: keep the kernel side's FPU, FS base and KERNEL_GS_BASE, load the domain side's
                // (TASK_lvd_state: kernel FS +0, kernel KGS +8, domain FS +16, KGS +24, x87 +32, SSE +40, AVX +48, MXCSR +56).
                long task = currentTask.getAsLong();
                long area = task + machine.constant("TASK_lvd_state");
                saveFpu(k, r, fpuArea(cpu));
                saveBases(k, r, area);
                r = loadFpu(k, loadBases(k, r, area + 16), area, 32, 40, 48, 56);
            }
            case "lvd_enter_kernel_state" -> {
                long task = currentTask.getAsLong();
                long area = task + machine.constant("TASK_lvd_state");
                long fpu = fpuArea(cpu);
                saveBases(k, r, area + 16);
                saveFpu(k, r, area + 32);
                r = loadFpu(k, loadBases(k, r, area), fpu, 0, 8, 16, 24);
            }
            case "lvd_irq_in_service" -> {
                // Hardened (HARDENING.md G26): the highest vector this CPU's local APIC has in service
                // (its ISR: x2APIC MSRs 0x810-0x817, which RDMSR reads without a VM exit), or -1.
                int v = cpu.lapic().isr().highest();
                result = v;
                ev.add(new Event.Primitive(name, v < 0 ? "no vector in service" : "vector 0x" + Integer.toHexString(v)
                        + " in service"));
            }
            case "lvd_kill_current_domain" -> {
                return machine.hypervisorKill(s.withMem(k.memory()), c, ev, "lvd_kill_current_domain");
            }
            default -> throw new KernelAccess.Oops("primitive " + name + " is not modelled");
        }
        MachineState n = s.withMem(k.memory()).withCpu(c, cpu.withRegs(r));
        return ret(n, c, result);
    }

    /** XSAVE tokens and MXCSR to an area (x87 +0, SSE +8, AVX +16, MXCSR +24), each with its label. */
    private static void saveFpu(KernelAccess k, ArchRegs r, long area) {
        k.write(area, 8, r.x87State(), r.tainted(ArchRegs.T_X87));
        k.write(area + 8, 8, r.sseState(), r.tainted(ArchRegs.T_SSE));
        k.write(area + 16, 8, r.avxState(), r.tainted(ArchRegs.T_AVX));
        k.write(area + 24, 4, r.mxcsr(), r.tainted(ArchRegs.T_MXCSR));
    }

    /** Loads the tokens and MXCSR from {@code base} + the given offsets, with their labels. */
    private static ArchRegs loadFpu(KernelAccess k, ArchRegs r, long base, int x87, int sse, int avx, int mxcsr) {
        KernelAccess.Word a = k.data(base + x87, 8);
        KernelAccess.Word b = k.data(base + sse, 8);
        KernelAccess.Word d = k.data(base + avx, 8);
        KernelAccess.Word m = k.data(base + mxcsr, 4);
        return r.withX87State(a.value()).withSseState(b.value()).withAvxState(d.value()).withMxcsr((int) m.value())
                .withTaint(ArchRegs.T_X87, a.top()).withTaint(ArchRegs.T_SSE, b.top())
                .withTaint(ArchRegs.T_AVX, d.top()).withTaint(ArchRegs.T_MXCSR, m.top());
    }

    /** FS base (+0) and IA32_KERNEL_GS_BASE (+8) to {@code at}, with their labels. */
    private static void saveBases(KernelAccess k, ArchRegs r, long at) {
        k.write(at, 8, r.fsBase(), r.tainted(ArchRegs.T_FS_BASE));
        k.write(at + 8, 8, r.kernelGsBase(), r.tainted(ArchRegs.T_KERNEL_GS_BASE));
    }

    private static ArchRegs loadBases(KernelAccess k, ArchRegs r, long at) {
        KernelAccess.Word fs = k.data(at, 8);
        KernelAccess.Word kgs = k.data(at + 8, 8);
        return r.withFsBase(fs.value()).withKernelGsBase(kgs.value()).withTaint(ArchRegs.T_FS_BASE, fs.top())
                .withTaint(ArchRegs.T_KERNEL_GS_BASE, kgs.top());
    }

    /** Copies a pt_regs frame (168 bytes) word by word, each word keeping its label. */
    private static void copyFrame(KernelAccess k, long from, long to) {
        for (int i = 0; i < 168; i += 8) {
            KernelAccess.Word w = k.data(from + i, 8);
            k.write(to + i, 8, w.value(), w.top());
        }
    }

    /**
     * Returns from a primitive as RET does: RIP from the stack, RSP + 8, RAX = result. The other
     * caller-saved registers (RCX, RDX, RSI, RDI, R8-R11) hold {@link #CLOBBERED} afterwards, as
     * the SysV ABI allows a C routine to leave them, so gate code that relies on one surviving a
     * call breaks here as it could on hardware; under the compromised-driver semantics they are
     * ⊤, the value nobody may rely on.
     */
    private MachineState ret(MachineState s, int c, long result) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        KernelAccess k = access(s, c);
        long retAddr = k.read(arg(r, ArchRegs.RSP, "the return of a primitive"), 8);
        r = r.withRip(retAddr).withRsp(r.rsp() + 8).withGpr(ArchRegs.RAX, result);
        for (int g : CALLER_SAVED) {
            r = machine.compromised() ? r.withTaint(ArchRegs.tGpr(g), true) : r.withGpr(g, CLOBBERED);
        }
        return s.withCpu(c, cpu.withRegs(r));
    }

    /** The value a primitive leaves in the caller-saved registers it does not return in. */
    static final long CLOBBERED = 0xC10BBE12C10BBE12L;
    private static final int[] CALLER_SAVED = {ArchRegs.RCX, ArchRegs.RDX, ArchRegs.RSI, ArchRegs.RDI, ArchRegs.R8,
        ArchRegs.R9, ArchRegs.R10, ArchRegs.R11};

    /** The running thread's XSAVE area (the spec's thread xsave=). */
    private long fpuArea(CpuState cpu) {
        return system.layout().xsave()[cpu.thread()];
    }

    private int viewOfSlot(int slot) {
        for (int v = 1; v < system.views().size(); v++) {
            if (system.viewSlots()[v] == slot) {
                return v;
            }
        }
        throw new KernelAccess.Oops("no domain in EPTP-list slot " + slot);
    }

    /**
     * __vmfunc_dispatch(msg): for VMFUNC_RPC_CALL, tail-calls the handler the rpc_id names in
     * this view (the RPC_ID_name constants of asm-offsets.s; a name this view's code defines),
     * leaving the return address for the handler's RET; otherwise writes the 0xdad/0xadd/0xcad
     * reply and returns (vmfunc_calls.c).
     */
    private MachineState dispatch(MachineState s, int c, KernelAccess k, ArchRegs r, List<Event> ev, int rpcClass) {
        long msg = arg(r, ArchRegs.RDI, "__vmfunc_dispatch");
        KernelAccess.Word rpcWord = k.data(msg + machine.constant("FIPC_rpc_id"), 4);
        KernelAccess.Word vmfuncWord = k.data(msg + machine.constant("FIPC_vmfunc_id"), 4);
        long rpcId = rpcWord.value();
        long vmfuncId = vmfuncWord.value();
        LvdSystem.PrimitiveAt at = system.primitives().get(r.rip());
        LinkedImage img = system.images().get(at.view());
        if (rpcWord.top() || vmfuncWord.top()) {
            // ⊤ ids are declared data: the comparison against the table forks per class (DESIGN.md §3).
            // A domain's own dispatcher is driver code; its classes are behaviours of the benign
            // dispatcher, and the driver's moves at its call cover every other.
            if (rpcClass < 0) {
                throw new IllegalStateException("__vmfunc_dispatch reads ⊤ ids: pick a class with Action.Dispatch");
            }
            List<String> classes = rpcClasses(at.view());
            if (rpcClass >= classes.size()) {
                throw new IllegalArgumentException("rpc class " + rpcClass + " of " + classes.size());
            }
            String fn = classes.get(rpcClass);
            vmfuncId = fn == null ? vmfuncId : machine.constant("VMFUNC_RPC_CALL");
            rpcId = fn == null ? -1L : machine.constant("RPC_ID_" + fn);
            ev.add(new Event.Primitive("__vmfunc_dispatch", at.view() + ": ⊤ ids taken as "
                    + (fn == null ? "no known function" : "rpc " + fn)));
        }
        if (vmfuncId == machine.constant("VMFUNC_RPC_CALL")) {
            for (Map.Entry<String, Long> e : system.images().get("kernel").symbols().entrySet()) {
                String base = e.getKey();
                if (base.startsWith("RPC_ID_") && e.getValue() == rpcId) {
                    String fn = base.substring("RPC_ID_".length());
                    var target = img.symbol(fn);
                    String refusal = idlRefusal(at.view(), fn, k, c);
                    if (target.isPresent() && refusal != null) {
                        ev.add(new Event.Primitive("__vmfunc_dispatch", at.view() + ": rpc " + rpcId + " (" + fn + ") "
                                + refusal + ": refused"));
                        break;
                    }
                    if (target.isPresent()) {
                        ev.add(new Event.Primitive("__vmfunc_dispatch", at.view() + ": rpc " + rpcId + " -> " + fn));
                        ev.add(new Event.Dispatched(at.view(), rpcId, fn));
                        return s.withMem(k.memory()).withCpu(c, s.cpu(c).withRegs(r.withRip(target.getAsLong())));
                    }
                }
            }
        }
        k.write(msg + machine.constant("FIPC_regs0"), 8, machine.constant("VMFUNC_UNKNOWN_REG1"));
        k.write(msg + machine.constant("FIPC_regs1"), 8, machine.constant("VMFUNC_UNKNOWN_REG2"));
        k.write(msg + machine.constant("FIPC_regs2"), 8, machine.constant("VMFUNC_UNKNOWN_REG3"));
        ev.add(new Event.Primitive("__vmfunc_dispatch", at.view() + ": vmfunc_id " + vmfuncId + " rpc " + rpcId
                + " unknown: 0xdad/0xadd/0xcad reply"));
        return ret(s.withMem(k.memory()), c, 0);
    }

    /**
     * The classes of {@code __vmfunc_dispatch}'s comparison of ⊤ ids in a view's dispatcher, in a
     * fixed order: each function with an {@code RPC_ID_} constant that the view's code defines, by
     * id — in the kernel's dispatcher whether the IDL declares it or not (the dispatcher decides),
     * in a domain's own only those its enforced IDL exports — then null for every other id (an
     * unknown vmfunc_id or an rpc_id out of the table), which gets the unknown-call reply.
     */
    List<String> rpcClasses(String view) {
        LinkedImage img = system.images().get(view);
        // A domain's own dispatcher refuses what its IDL does not export (G9): those ids get the
        // same reply as every other, one class.
        LvdSystem.DomainInterface itf = view.equals("kernel") ? null : system.interfaces().get(view);
        java.util.TreeMap<Long, String> byId = new java.util.TreeMap<>();
        for (Map.Entry<String, Long> e : system.images().get("kernel").symbols().entrySet()) {
            String fn = e.getKey().startsWith("RPC_ID_") ? e.getKey().substring("RPC_ID_".length()) : null;
            if (fn != null && img.symbol(fn).isPresent()
                    && (itf == null || !itf.enforced() || itf.driverFunctions().contains(fn))) {
                byId.putIfAbsent(e.getValue(), fn);
            }
        }
        List<String> classes = new java.util.ArrayList<>(byId.values());
        classes.add(null);
        return classes;
    }

    /**
     * Why the IDL forbids this call, or null when it allows it or is not enforced. The kernel-side
     * dispatcher serves the domain of the running thread's {@code current->vmfunc_lcd} (the slot the
     * gate enters); the domain-side dispatcher serves its own domain.
     */
    private String idlRefusal(String dispatcherView, String fn, KernelAccess k, int c) {
        boolean kernelSide = dispatcherView.equals("kernel");
        String domain = dispatcherView;
        if (kernelSide) {
            long task = k.read(system.layout().percpu()[c] + machine.constant("current_task"), 8);
            domain = system.viewName(viewOfSlot((int) k.read(task + machine.constant("TASK_vmfunc_lcd"), 8)));
        }
        LvdSystem.DomainInterface itf = system.interfaces().get(domain);
        if (itf == null || !itf.enforced()) {
            return null;
        }
        if (kernelSide) {
            return itf.kernelFunctions().contains(fn) ? null : "is not a kernel function " + domain + "'s IDL imports";
        }
        return itf.driverFunctions().contains(fn) ? null : "is not a function " + domain + "'s IDL exports";
    }

    /**
     * remap_cr3 (CONFIG_DEFEAT_LAZY_TLB): maps GPA(current CR3) to the LVD's page-table root in
     * every per-CPU EPT of the domain in slot 1 (ept hard-coded to 1), overwriting, with the
     * rights that EPT gives the root page already; no INVEPT.
     */
    private MachineState remapCr3(MachineState s, int c, KernelAccess k, ArchRegs r, List<Event> ev) {
        int v = viewOfSlot(1);
        long gpa = r.cr3() & 0x000FFFFFFFFFF000L;
        PhysMem.Editor e = k.memory().edit();
        long rootHpa = 0;
        int rights = 0;
        for (var p : system.spec().pgds()) {
            if (p.view().equals(system.viewName(v))) {
                EptBuilder b0 = EptBuilder.open(e, () -> {
                    throw new KernelAccess.Oops("remap_cr3 needs a new EPT table");
                }, system.caps(), Eptp.pml4Address(system.eptps()[v][0], system.caps().maxPhysAddr()));
                long leaf = b0.leafEntry(p.gpa());
                rootHpa = leaf & EptEntry.ADDRESS_MASK;
                rights = EptEntry.rwx(leaf);
            }
        }
        for (int cpu = 0; cpu < system.cpus(); cpu++) {
            long root = Eptp.pml4Address(system.eptps()[v][cpu], system.caps().maxPhysAddr());
            EptBuilder b = EptBuilder.open(e, () -> {
                throw new KernelAccess.Oops("remap_cr3 needs a new EPT table");
            }, system.caps(), root);
            long existing = b.leafEntry(gpa);
            int rw = existing != 0 ? EptEntry.rwx(existing) : rights;
            long before = EptBuilder.pageTranslation(e, root, gpa);
            b.remap4k(gpa, rootHpa, rw == 0 ? rights : rw);
            long after = EptBuilder.pageTranslation(e, root, gpa);
            if (EptBuilder.removesOrDowngrades(before, after)) {
                ev.add(new Event.StaleTranslation("remap_cr3", system.viewName(v) + " EPT of cpu" + cpu, gpa, before, after));
            }
        }
        ev.add(new Event.Primitive("remap_cr3", "GPA 0x" + Long.toHexString(gpa) + " -> LVD PGD at HPA 0x"
                + Long.toHexString(rootHpa) + " in every EPT of " + system.viewName(v)));
        return s.withMem(e.freeze());
    }

    /**
     * __schedule(preempt): local_irq_disable, rq->lock, pick_next_task, clear_preempt_need_resched,
     * then either the context switch or the unlock; one step (docs/MODEL.md, "Kernel primitives").
     * The caller holds exactly the one preempt_disable of preempt_schedule_irq or preempt_schedule
     * (schedule_debug's in_atomic_preempt_off check). Either way the thread that runs next on
     * this CPU leaves with IRQs on (finish_task_switch / raw_spin_unlock_irq); the one switched
     * out is saved runnable as if the call had returned, and resumes there on any CPU.
     */
    private MachineState schedule(MachineState s, int c, KernelAccess k, List<Event> ev) {
        Layout l = system.layout();
        long pc = l.percpu()[c] + machine.constant("__preempt_count");
        long count = k.read(pc, 4);
        if ((count & ~SystemBuilder.PREEMPT_NEED_RESCHED) != 1) {
            throw new KernelAccess.Oops("BUG: scheduling while atomic: __preempt_count 0x" + Long.toHexString(count)
                    + " on cpu" + c + " (__schedule wants the caller's one preempt_disable)");
        }
        k.write(pc, 4, count | SystemBuilder.PREEMPT_NEED_RESCHED);
        CpuState cpu = s.cpu(c);
        ArchRegs on = cpu.regs().withRflags(cpu.regs().rflags() | Rflags.IF);
        MachineState back = ret(s.withMem(k.memory()).withCpu(c, cpu.withRegs(on)), c, 0);
        int t = cpu.thread();
        int next = machine.runnableFor(s, c);
        String me = system.spec().threads().get(t).name();
        if (next < 0) {
            ev.add(new Event.Primitive("__schedule", "cpu" + c + ": no other thread runnable, " + me + " continues"));
            return back;
        }
        ev.add(new Event.Switched(me, system.spec().threads().get(next).name()));
        MachineState n = back.withThread(t, back.threads().get(t).with(ThreadStatus.RUNNABLE, c, back.cpu(c).regs()));
        return machine.switchIn(n, c, next);
    }
}
