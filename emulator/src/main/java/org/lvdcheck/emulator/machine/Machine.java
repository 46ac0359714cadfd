package org.lvdcheck.emulator.machine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongPredicate;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.exec.ExecOutcome;
import org.lvdcheck.emulator.exec.Executor;
import org.lvdcheck.emulator.irq.ArrivalRules;
import org.lvdcheck.emulator.irq.DeliveryResult;
import org.lvdcheck.emulator.irq.EventKind;
import org.lvdcheck.emulator.irq.InterruptDelivery;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.spec.asm.Decoder;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.lvd.Model;

/**
 * The executable LVD machine: a pure step function {@code next(state, action)} over
 * immutable states (DESIGN.md §1). One action is one instruction of one CPU (or one atomic
 * kernel primitive, or the idle loop's scheduling decision), the arrival of one interrupt at
 * one CPU, or, under the compromised-driver semantics, a move of the driver. Emulate, check
 * and replay all use this one semantics.
 *
 * <p>Two semantics ({@link Semantics}): {@code CONCRETE} runs the spec's benign programs with
 * every value concrete (what {@code emulate} shows); {@code COMPROMISED_DRIVER} is DESIGN.md §3's
 * abstraction for the explorer: frames a domain can write read as ⊤ for trusted readers, the
 * driver's moves are actions, an interrupt in driver code clobbers the registers, and uses of ⊤
 * by trusted code end their step with {@link Event.TaintUse} (docs/MODEL.md, "The compromised
 * driver").
 */
public final class Machine {
    /** Which semantics the step function has. */
    public enum Semantics {
        /** Every value concrete: the benign programs of the spec, as {@code emulate} runs them. */
        CONCRETE,
        /** The compromised-driver abstraction of DESIGN.md §3: taint, havoc memory, clobber and driver moves. */
        COMPROMISED_DRIVER
    }

    private final LvdSystem system;
    private final MachineState initial;
    private final Semantics semantics;
    private final Hypervisor hypervisor;
    private final KernelPrimitives primitives;
    private final Adversary adversary;
    /** The spec's vectors by number, in the order {@link #actions} lists their arrivals. */
    private final List<Model.Vector> sortedVectors;

    /** The concrete machine ({@link Semantics#CONCRETE}). */
    public Machine(LvdSystem system, MachineState initial) {
        this(system, initial, Semantics.CONCRETE);
    }

    public Machine(LvdSystem system, MachineState initial, Semantics semantics) {
        this.system = system;
        this.semantics = semantics;
        // Under the compromised driver no reader observes a havoc frame (trusted readers and the
        // driver's own program read it as ⊤), so its contents are not state: edits are dropped.
        this.initial = semantics == Semantics.COMPROMISED_DRIVER
                ? initial.withMem(initial.mem().discarding(system.domainWrites()::havoc)) : initial;
        this.hypervisor = new Hypervisor(system, this);
        this.primitives = new KernelPrimitives(system, this);
        this.adversary = new Adversary(system, this);
        this.spinCalls = spinCalls(system);
        this.sortedVectors = system.spec().vectors().stream()
                .sorted(java.util.Comparator.comparingInt(Model.Vector::number)).toList();
    }

    /** The kernel-view addresses of every linked {@code call do_raw_spin_lock}: where a CPU may spin. */
    private final java.util.Set<Long> spinCalls;

    private static java.util.Set<Long> spinCalls(LvdSystem system) {
        long target = org.lvdcheck.emulator.lxd.Primitives.address(0, "do_raw_spin_lock");
        java.util.Set<Long> at = new java.util.HashSet<>();
        for (LvdSystem.CodeAt code : system.code().values()) {
            PlacedInstruction pi = code.insn();
            if (code.view().equals("kernel") && pi.insn().mnemonic() == Mnemonic.CALL
                    && pi.insn().operand(0) instanceof org.lvdcheck.spec.asm.TargetOp t
                    && t.address() == target) {
                at.add(pi.address());
            }
        }
        return java.util.Set.copyOf(at);
    }

    /**
     * Whether CPU c spins: its next instruction is a linked {@code call do_raw_spin_lock} (kernel
     * view) and the lock word RDI points at is held. Its call is not enabled until the holder's
     * {@code do_raw_spin_unlock}; interrupts still arrive if IF allows (docs/MODEL.md, "Spinlocks").
     * A lock word that cannot be read, or reads ⊤, lets the call run, which reports it.
     */
    public boolean waitsOnLock(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        if (cpu.mode() != CpuMode.RUNNING || r.tainted(ArchRegs.T_RIP) || !spinCalls.contains(r.rip())
                || viewOf(s, c) != 0 || r.gprTainted(ArchRegs.RDI)) {
            return false;
        }
        Fetched f = fetch(s, c);
        if (f == null || f.insn() == null || !spinCalls.contains(f.insn().address())
                || f.insn().insn().mnemonic() != Mnemonic.CALL) {
            return false;
        }
        try {
            KernelAccess.Word w = kernelAccess(s.mem(), cpu.eptp(), r).data(r.gpr(ArchRegs.RDI), 4);
            return !w.top() && w.value() != 0;
        } catch (KernelAccess.Oops e) {
            return false;
        }
    }

    public LvdSystem system() {
        return system;
    }

    public MachineState initial() {
        return initial;
    }

    public Semantics semantics() {
        return semantics;
    }

    boolean compromised() {
        return semantics == Semantics.COMPROMISED_DRIVER;
    }

    /** The view (0 = kernel, then domains) whose EPT is active on a CPU, -1 for an unknown EPTP. */
    public int viewOf(MachineState s, int cpu) {
        return system.viewOf(s.cpu(cpu).eptp(), cpu);
    }

    // ---- actions -------------------------------------------------------------------------

    /**
     * Every action enabled in {@code s}, in a fixed order: per CPU ascending, its instruction
     * ({@link Action.Execute}, or the {@link Action.Branch} or {@link Action.Dispatch} outcomes
     * when the instruction reads ⊤ where it decides), then the arrivals of the spec's vectors and
     * of what its LAPIC holds pending ({@link #pendingArrivals}) in ascending vector order, then
     * the hypervisor's kill IPI, then the driver's moves ({@link Adversary#moves}) under the
     * compromised-driver semantics.
     */
    public List<Action> actions(MachineState s) {
        return actions(s, true);
    }

    /**
     * {@link #actions(MachineState)}, without the compromised driver's moves when {@code driverMoves}
     * is false: a caller that takes them per CPU from {@link #driverMoves} (the same list object
     * while nothing they depend on changes) need not copy them.
     */
    public List<Action> actions(MachineState s, boolean driverMoves) {
        List<Action> out = new ArrayList<>();
        for (int c = 0; c < s.cpus().size(); c++) {
            Choice ch = choice(s, c);
            if (ch == Choice.BRANCH) {
                out.add(new Action.Branch(c, false));
                out.add(new Action.Branch(c, true));
            } else if (ch == Choice.DISPATCH) {
                int n = primitives.rpcClasses(system.viewName(viewOf(s, c))).size();
                for (int k = 0; k < n; k++) {
                    out.add(new Action.Dispatch(c, k));
                }
            } else if (enabled(s, new Action.Execute(c))) {
                out.add(new Action.Execute(c));
            }
            java.util.TreeSet<Integer> arriving = new java.util.TreeSet<>();
            for (Model.Vector v : sortedVectors) {
                if (enabled(s, new Action.Interrupt(c, v.number()))) {
                    arriving.add(v.number());
                }
            }
            pendingArrivals(s, c).forEach(a -> arriving.add(a.vector()));
            for (int v : arriving) {
                out.add(new Action.Interrupt(c, v));
            }
            if (enabled(s, new Action.KillIpi(c))) {
                out.add(new Action.KillIpi(c));
            }
            if (driverMoves && compromised()) {
                out.addAll(adversary.moves(s, c));
            }
        }
        return out;
    }

    /**
     * The compromised driver's moves on CPU c in s, in the order {@link #actions} lists them (an
     * unmodifiable list; empty unless c runs driver code under the compromised-driver semantics).
     */
    public List<Action> driverMoves(MachineState s, int c) {
        return compromised() ? adversary.moves(s, c) : List.of();
    }

    /**
     * The instruction a running CPU's {@link Action.Execute} would execute from {@code s}, as its
     * fetch decodes it (the fetch is the one listing the actions made); null when the CPU does not
     * run, runs the driver's code at ⊤ RIP, its fetch faults or its bytes are no instruction.
     */
    public PlacedInstruction nextInstruction(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        if (cpu.mode() != CpuMode.RUNNING || cpu.regs().tainted(ArchRegs.T_RIP)) {
            return null;
        }
        Fetched f = fetch(s, c);
        return f == null ? null : f.insn();
    }

    /** What the next instruction of a running CPU needs decided: nothing, a ⊤ branch, a ⊤ dispatch. */
    private enum Choice { NONE, BRANCH, DISPATCH }

    private Choice choice(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        if (!compromised() || cpu.mode() != CpuMode.RUNNING || cpu.regs().tainted(ArchRegs.T_RIP)) {
            return Choice.NONE;
        }
        Fetched f = fetch(s, c);
        if (f == null || f.insn() == null) {
            return Choice.NONE;
        }
        if (Executor.branchesOnTop(cpu.regs(), f.insn())) {
            return Choice.BRANCH;
        }
        return dispatchesTop(s, c, f.insn()) ? Choice.DISPATCH : Choice.NONE;
    }

    /**
     * A direct call to a view's __vmfunc_dispatch (the kernel's, or a domain's own) with ⊤ ids in
     * the message RDI points at.
     */
    private boolean dispatchesTop(MachineState s, int c, PlacedInstruction pi) {
        if (pi.insn().mnemonic() != Mnemonic.CALL || !(pi.insn().operand(0) instanceof org.lvdcheck.spec.asm.TargetOp t)) {
            return false;
        }
        LvdSystem.PrimitiveAt at = system.primitives().get(t.address());
        ArchRegs r = s.cpu(c).regs();
        if (at == null || !at.name().equals("__vmfunc_dispatch") || r.gprTainted(ArchRegs.RDI)) {
            return false;
        }
        KernelAccess k = kernelAccess(s.mem(), s.cpu(c).eptp(), r);
        try {
            long msg = r.gpr(ArchRegs.RDI);
            return k.data(msg + constant("FIPC_rpc_id"), 4).top() || k.data(msg + constant("FIPC_vmfunc_id"), 4).top();
        } catch (KernelAccess.Oops e) {
            return false;
        }
    }

    /** Whether {@code a} can happen in {@code s} (a CPU with something to do; an interrupt that can arrive; a driver move). */
    public boolean enabled(MachineState s, Action a) {
        CpuState cpu = s.cpu(a.cpu());
        if (a instanceof Action.Execute) {
            return switch (cpu.mode()) {
                case RUNNING -> !cpu.regs().tainted(ArchRegs.T_RIP) && choice(s, a.cpu()) == Choice.NONE
                        && !waitsOnLock(s, a.cpu());
                case IDLE -> runnableFor(s, a.cpu()) >= 0;
                default -> false;
            };
        }
        if (a instanceof Action.Branch) {
            return choice(s, a.cpu()) == Choice.BRANCH;
        }
        if (a instanceof Action.Dispatch d) {
            return choice(s, a.cpu()) == Choice.DISPATCH
                    && d.rpcClass() >= 0 && d.rpcClass() < primitives.rpcClasses(system.viewName(viewOf(s, a.cpu()))).size();
        }
        if (a instanceof Action.Driver d) {
            return compromised() && adversary.moves(s, a.cpu()).contains(d);
        }
        if (cpu.mode() == CpuMode.STOPPED || cpu.mode() == CpuMode.IDLE) {
            return false;
        }
        if (a instanceof Action.KillIpi) {
            return s.killIpiPending(a.cpu()) && ArrivalRules.canTakeNmi(cpu.regs(), cpu.vmcs());
        }
        Action.Interrupt i = (Action.Interrupt) a;
        if (arrivesPending(cpu, i.vector())) {
            return true;
        }
        Model.VectorClass cls = vectorClass(i.vector());
        if (cls == Model.VectorClass.NMI) {
            return ArrivalRules.canTakeNmi(cpu.regs(), cpu.vmcs());
        }
        if (cls == Model.VectorClass.MC) {
            return ArrivalRules.canTakeMachineCheck(cpu.regs());
        }
        if (cls == Model.VectorClass.EXCEPTION || cls == null) {
            return false;
        }
        // A source's request is held in the IRR until its priority class is above the PPR (SDM Vol. 3A
        // 10.8.3.1; TPR = CR8·16, 10.8.6.1): the vector in service, or any of a higher or equal class,
        // and a TPR at or above its class hold it off; it arrives once they are gone.
        return ArrivalRules.maskableInterruptsEnabled(cpu.regs()) && (i.vector() >>> 4) > (prioritized(cpu).ppr() >>> 4);
    }

    /**
     * The arrivals of what CPU c's LAPIC holds pending, ascending: a pending NMI as vector 2
     * where an NMI may arrive ({@link ArrivalRules#canTakeNmi(ArchRegs, org.lvdcheck.emulator.vmx.Vmcs)}),
     * and the fixed vector the LAPIC presents (the highest IRR vector whose priority class is above
     * the PPR, TPR being CR8·16) where maskable interrupts are enabled. Whether or not the spec
     * declares the vector: it arrives through the IDT like any other. None on a CPU that is idle
     * or stopped.
     */
    public List<Action.Interrupt> pendingArrivals(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        List<Action.Interrupt> out = new ArrayList<>(2);
        if (cpu.mode() == CpuMode.STOPPED || cpu.mode() == CpuMode.IDLE) {
            return out;
        }
        if (arrivesPending(cpu, org.lvdcheck.emulator.irq.Vectors.NMI)) {
            out.add(new Action.Interrupt(c, org.lvdcheck.emulator.irq.Vectors.NMI));
        }
        int fixed = pendingFixed(cpu);
        if (fixed >= 0) {
            out.add(new Action.Interrupt(c, fixed));
        }
        return out;
    }

    /** Whether {@code vector} is one of {@link #pendingArrivals} of a running CPU, without building the list. */
    private static boolean arrivesPending(CpuState cpu, int vector) {
        if (cpu.mode() == CpuMode.STOPPED || cpu.mode() == CpuMode.IDLE) {
            return false;
        }
        if (vector == org.lvdcheck.emulator.irq.Vectors.NMI && cpu.lapic().nmiPending()
                && ArrivalRules.canTakeNmi(cpu.regs(), cpu.vmcs())) {
            return true;
        }
        return vector == pendingFixed(cpu);
    }

    /** The fixed vector CPU's LAPIC presents and the CPU takes now, or -1. */
    private static int pendingFixed(CpuState cpu) {
        return cpu.lapic().irr().isEmpty() ? -1 : ArrivalRules.externalInterruptToTake(cpu.regs(), prioritized(cpu));
    }

    /** The CPU's LAPIC with its TPR as CR8 gives it (TPR[7:4] = CR8, SDM Vol. 3A 10.8.6.1), for the priority rule. */
    private static org.lvdcheck.emulator.irq.Lapic prioritized(CpuState cpu) {
        return cpu.lapic().withTpr((int) (cpu.regs().cr8() << 4));
    }

    public Model.VectorClass vectorClass(int vector) {
        for (Model.Vector v : system.spec().vectors()) {
            if (v.number() == vector) {
                return v.vectorClass();
            }
        }
        return null;
    }

    /** Whether {@code target} is a transition-code instruction the driver of view v can jump to on CPU c. */
    public boolean transitionTarget(int v, int c, long target) {
        return compromised() && adversary.transitionTarget(v, c, target);
    }

    /** Whether the compromised driver's POPF sets AC together with DF and TF (docs/MODEL.md, "The driver's moves"). */
    public boolean adversaryTiesAcWithDfTf() {
        return compromised() && adversary.acWithDfTf();
    }

    public Step next(MachineState s, Action a) {
        List<Event> ev = new ArrayList<>();
        int c = a.cpu();
        long rip = s.cpu(c).regs().rip();
        try {
            MachineState n;
            if (a instanceof Action.Interrupt i) {
                n = interrupt(s, c, i.vector(), ev);
            } else if (a instanceof Action.KillIpi) {
                n = hypervisor.killIpi(s, c, ev);
            } else if (a instanceof Action.Driver d) {
                if (!compromised()) {
                    throw new IllegalArgumentException("driver moves belong to the compromised-driver semantics: " + a);
                }
                n = adversary.apply(s, c, d.move(), ev);
            } else if (a instanceof Action.Branch b) {
                n = execute(s, c, ev, b.taken(), -1);
            } else if (a instanceof Action.Dispatch d) {
                n = execute(s, c, ev, null, d.rpcClass());
            } else {
                n = switch (s.cpu(c).mode()) {
                    case RUNNING -> execute(s, c, ev, null, -1);
                    case IDLE -> schedule(s, c, ev);
                    default -> s;
                };
            }
            if (compromised()) {
                adversary.checkFlagClasses(n, ev);
                n = adversary.settleDriverEntered(s, n, a, ev);
            }
            return new Step(n, ev);
        } catch (KernelAccess.Oops oops) {
            ev.add(new Event.Stopped("kernel oops: " + oops.getMessage()));
            return new Step(s.withCpu(c, s.cpu(c).withMode(CpuMode.STOPPED).withDriverEntered(false)), ev);
        } catch (KernelAccess.TopUse use) {
            ev.add(new Event.TaintUse(use.getMessage(), rip));
            return new Step(s, ev);
        }
    }

    // ---- one instruction ------------------------------------------------------------------

    /** The instruction at a CPU's RIP: where it sits in host memory, and what it is (null: no instruction of the subset). */
    record Fetched(long hpa, PlacedInstruction insn, PhysMem mem) {}

    /**
     * Per worker thread, the last state asked about and each CPU's fetch in it ({@link #NO_FETCH}:
     * it faults): a state's next instructions are asked for while listing its actions, again
     * while checking one enabled, and for its spin test.
     */
    private final ThreadLocal<Object[]> lastFetch = new ThreadLocal<>();
    private static final Object NO_FETCH = new Object();

    /** Fetches through paging and the current EPT; null when the fetch faults. */
    private Fetched fetch(MachineState s, int c) {
        Object[] memo = lastFetch.get();
        if (memo == null || memo[0] != s) {
            memo = new Object[1 + s.cpus().size()];
            memo[0] = s;
            lastFetch.set(memo);
        }
        Object f = memo[1 + c];
        if (f == null) {
            Fetched x = fetchThroughPaging(s, c);
            memo[1 + c] = x == null ? NO_FETCH : x;
            return x;
        }
        return f == NO_FETCH ? null : (Fetched) f;
    }

    private Fetched fetchThroughPaging(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        long rip = cpu.regs().rip();
        EptGuestPhysical gp = new EptGuestPhysical(s.mem(), cpu.eptp(), system.caps());
        PagingResult f = GuestPaging.translate(PagingRegs.of(cpu.regs()), rip, LinearAccess.FETCH, gp);
        if (!(f instanceof PagingResult.Ok ok)) {
            return null;
        }
        PhysMem mem = gp.memory();
        return new Fetched(ok.hpa(), instructionAt(mem, ok.hpa(), rip), mem);
    }

    private MachineState execute(MachineState s, int c, List<Event> ev, Boolean branch, int rpcClass) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        if (r.tainted(ArchRegs.T_RIP)) {
            throw new IllegalArgumentException("cpu" + c + " runs the driver's code at an unknown place: only its moves "
                    + "and interrupts are enabled");
        }
        long rip = r.rip();
        int view = viewOf(s, c);
        String viewName = system.viewName(view);
        EptGuestPhysical gp = new EptGuestPhysical(s.mem(), cpu.eptp(), system.caps());
        PagingResult f = GuestPaging.translate(PagingRegs.of(r), rip, LinearAccess.FETCH, gp);
        if (f instanceof PagingResult.Failure fail) {
            return memFault(s, c, CpuContext.fault(fail), ev, "instruction fetch at 0x" + Long.toHexString(rip));
        }
        long hpa = ((PagingResult.Ok) f).hpa();
        PhysMem mem = gp.memory(); // with the A/D updates of the fetch walk
        s = s.withMem(mem);
        boolean driver = isDriverCode(view, hpa);
        if (compromised() && !driver && fetchesTop(mem, hpa)) {
            ev.add(new Event.Executed(rip, hpa, viewName, null));
            throw new KernelAccess.TopUse("trusted code fetched from a frame a domain can write (HPA 0x"
                    + Long.toHexString(hpa) + ") in view " + viewName);
        }
        PlacedInstruction pi = instructionAt(mem, hpa, rip);
        if (pi == null) {
            ev.add(new Event.Executed(rip, hpa, viewName, null));
            return exception(s, c, 6, OptionalLong.empty(), 0, ev, "#UD: bytes at 0x" + Long.toHexString(rip)
                    + " are not an instruction of the subset");
        }
        ev.add(new Event.Executed(rip, hpa, viewName, pi));
        return run(s, c, pi, driver, branch, rpcClass, ev);
    }

    /**
     * Runs one placed instruction on CPU c from its current registers and applies the outcome.
     * {@code driver}: the instruction is the driver's (untrusted: not confined; it too reads havoc
     * frames as ⊤, whose contents are not kept).
     */
    MachineState run(MachineState s, int c, PlacedInstruction pi, boolean driver, Boolean branch, int rpcClass,
                     List<Event> ev) {
        CpuState cur = s.cpu(c);
        PhysMem mem = s.mem();
        int view = viewOf(s, c);
        boolean confined = compromised() && !driver && view >= 1;
        LongPredicate havoc = compromised() ? system.domainWrites()::havoc : null;
        CpuContext ctx = new CpuContext(system, mem, cur, havoc, confined);
        ExecOutcome out = branch == null ? Executor.execute(cur.regs(), pi, ctx)
                : Executor.executeBranch(cur.regs(), pi, ctx, branch);
        if (compromised()) {
            long[] fp = ctx.footprint();
            boolean topWrite = out instanceof ExecOutcome.Next nx && nx.topWrite();
            if (fp.length > 0 || topWrite) {
                ev.add(new Event.Accessed(fp, topWrite));
            }
        }
        if (out instanceof ExecOutcome.TaintedUse u) {
            if (driver || confined) {
                return driverControl(s, c, ev, u.what());
            }
            throw new KernelAccess.TopUse(u.what());
        }
        if (out instanceof ExecOutcome.Next n) {
            if (n.regs().tainted(ArchRegs.T_RIP)) {
                ev.add(new Event.DriverControl("trusted code under the domain's EPT branched to a ⊤ target",
                        cur.regs().rip()));
            }
            MachineState next = s.withMem(mem.apply(n.writes())).withCpu(c, cur.withRegs(n.regs()));
            return n.topWrite() ? domainWritesThroughTop(next, c, view) : next;
        }
        if (out instanceof ExecOutcome.Fault fl) {
            // Deliver from the registers the fault leaves (an IRETQ that faults has already unblocked NMIs).
            s = s.withCpu(c, cur.withRegs(fl.regs()));
            if (fl.vector() == 14) {
                ev.add(new Event.Fault(14, fl.errorCode().orElse(0), "#PF at 0x" + Long.toHexString(fl.cr2())));
            } else {
                ev.add(new Event.Fault(fl.vector(), fl.errorCode().orElse(-1), "fault raised by the instruction"));
            }
            return exception(s, c, fl.vector(), fl.errorCode(), fl.cr2(), ev, null);
        }
        if (out instanceof ExecOutcome.Trap t) {
            MachineState n = s.withMem(mem.apply(t.writes())).withCpu(c, cur.withRegs(t.regs()));
            return exception(n, c, t.vector(), OptionalLong.empty(), 0, ev, null);
        }
        if (out instanceof ExecOutcome.VmExit x) {
            return hypervisor.exit(s, c, x, pi, ev);
        }
        if (out instanceof ExecOutcome.EptpSwitched sw) {
            CpuState nc = cur.withRegs(sw.regs()).withVmcs(cur.vmcs().withEptp(sw.newEptp()).withEptpIndex(sw.index()));
            MachineState n = s.withCpu(c, nc);
            ev.add(new Event.Crossing(system.viewName(view), system.viewName(viewOf(n, c))));
            return n;
        }
        if (out instanceof ExecOutcome.PrimitiveCall pc) {
            MachineState n = s.withMem(mem.apply(pc.writes())).withCpu(c, cur.withRegs(pc.regsAfterPush()));
            return primitives.run(n, c, pc.name(), ev, rpcClass);
        }
        if (out instanceof ExecOutcome.IcrWritten icr) {
            return sendIpi(s.withCpu(c, cur.withRegs(icr.regs())), c, icr.icr(), ev);
        }
        ExecOutcome.Halted h = (ExecOutcome.Halted) out;
        return s.withCpu(c, cur.withRegs(h.regs()).withMode(CpuMode.HALTED));
    }

    /**
     * CPU c's write of {@code icr} to its x2APIC ICR completed (executed, or emulated by the
     * hypervisor): the IPI it requests reaches its destinations' LAPICs (SDM Vol. 3A 10.6.1,
     * 10.12.9), where it waits for its arrival ({@link #pendingArrivals}). What the model does
     * not deliver is said in the trace.
     */
    MachineState sendIpi(MachineState s, int c, long icr, List<Event> ev) {
        org.lvdcheck.emulator.irq.IpiRequest r = org.lvdcheck.emulator.irq.Lapic.decodeIcrX2apic(icr);
        String ignored = org.lvdcheck.emulator.irq.IpiRouting.ignored(r);
        if (ignored != null) {
            ev.add(new Event.Primitive("lapic: ipi", r.describe() + ": " + ignored));
            return s;
        }
        List<org.lvdcheck.emulator.irq.Lapic> lapics = s.cpus().stream().map(CpuState::lapic).toList();
        List<Integer> to = org.lvdcheck.emulator.irq.IpiRouting.destinations(r, c, lapics);
        ev.add(new Event.Primitive("lapic: ipi", r.describe() + " from cpu" + c + (to.isEmpty() ? ": no APIC has that ID"
                : ": pending at " + String.join(", ", to.stream().map(k -> "cpu" + k).toList()))));
        for (int k : to) {
            s = s.withCpu(k, s.cpu(k).withLapic(org.lvdcheck.emulator.irq.IpiRouting.accept(r, s.cpu(k).lapic())));
        }
        return s;
    }

    /**
     * Whether an instruction at host address {@code hpa}, run under view {@code view}, is the
     * compromised driver's code (DESIGN.md §3): under a domain's EPT, an instruction the domain
     * linked into a section of its own, or any byte in a frame a domain can write (the driver
     * chooses those bytes). Transition code (the gate pages, the entry text) is trusted.
     */
    boolean isDriverCode(int view, long hpa) {
        if (view < 1) {
            return false;
        }
        LvdSystem.CodeAt at = system.code().get(hpa);
        return at != null && at.driver() || system.domainWrites().domainWritable(hpa >>> PhysMem.FRAME_SHIFT);
    }

    /** Trusted code would fetch bytes a domain chose: a havoc frame, or ⊤ bytes of a tracked one. */
    private boolean fetchesTop(PhysMem mem, long hpa) {
        long frame = hpa >>> PhysMem.FRAME_SHIFT;
        return system.domainWrites().havoc(frame) || system.domainWrites().trackedCpu(frame) >= 0
                && mem.isTainted(hpa, (int) Math.min(8, PhysMem.FRAME_SIZE - (hpa & 0xFFF)));
    }

    /**
     * Whether CPU c is running the compromised driver: under a domain's EPT, running or halted,
     * at a ⊤ RIP or at an instruction of driver code.
     */
    public boolean inDriverCode(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        int view = viewOf(s, c);
        if (view < 1 || cpu.mode() != CpuMode.RUNNING && cpu.mode() != CpuMode.HALTED) {
            return false;
        }
        if (cpu.regs().tainted(ArchRegs.T_RIP)) {
            return true;
        }
        Fetched f = fetch(s, c);
        return f != null && isDriverCode(view, f.hpa());
    }

    /**
     * {@code s} with the registers of every CPU the driver holds at ⊤ RIP clobbered ({@link
     * Adversary#clobber}): between two of its moves the driver may set each of them to anything,
     * and none of its moves, no interrupt that finds it there and no kill IPI that takes the CPU
     * from it reads a value it did not choose (docs/MODEL.md, "The driver's registers"); {@code s}
     * itself when there is nothing to clobber.
     */
    public MachineState clobberDriverControl(MachineState s) {
        if (!compromised()) {
            return s;
        }
        MachineState out = s;
        for (int c = 0; c < s.cpus().size(); c++) {
            CpuState cpu = s.cpu(c);
            if (cpu.regs().tainted(ArchRegs.T_RIP) && inDriverCode(s, c)) {
                ArchRegs r = Adversary.clobber(cpu);
                if (!r.equals(cpu.regs())) {
                    out = out.withCpu(c, cpu.withRegs(r));
                }
            }
        }
        return out;
    }

    /**
     * The driver has CPU c from here (DESIGN.md §3): the driver program's path ended at a use of
     * ⊤, or trusted code under the domain's EPT went where the driver's values say. RIP becomes
     * ⊤; the registers stay as they were before the instruction.
     */
    MachineState driverControl(MachineState s, int c, List<Event> ev, String why) {
        CpuState cpu = s.cpu(c);
        ev.add(new Event.DriverControl(why, cpu.regs().rip()));
        return s.withCpu(c, cpu.withRegs(cpu.regs().withTaint(ArchRegs.T_RIP, true)));
    }

    /**
     * Every frame the model tracks that {@code view} writes on CPU c becomes ⊤ and domain-written:
     * confined code or a delivery wrote through the domain's ⊤ address (a write the domain could
     * make itself; havoc frames need nothing), or the driver's {@code Write} move.
     */
    MachineState domainWritesThroughTop(MachineState s, int c, int view) {
        long[] frames = system.domainWrites().trackedWritable(view, c);
        if (frames.length == 0) {
            return s;
        }
        PhysMem.Editor e = s.mem().edit();
        for (long f : frames) {
            e.domainWrite(f);
        }
        return s.withMem(e.freeze());
    }

    /** Memory as trusted kernel code sees it on this CPU: havoc frames are ⊤ under the compromised-driver semantics. */
    KernelAccess kernelAccess(PhysMem mem, long eptp, ArchRegs regs) {
        return new KernelAccess(mem, eptp, regs, system.caps(), compromised() ? system.domainWrites()::havoc : null,
                compromised() ? system.domainWrites()::domainWritable : null);
    }

    /**
     * The instruction at a host-physical address: the linked one when its bytes are still in
     * memory and it was linked at this RIP, otherwise whatever the bytes decode to (a jump into
     * the middle of an instruction, or code the driver rewrote).
     */
    private PlacedInstruction instructionAt(PhysMem mem, long hpa, long rip) {
        LvdSystem.CodeAt at = system.code().get(hpa);
        if (at != null && at.insn().address() == rip && bytesMatch(mem, hpa, at.insn().bytes())) {
            return at.insn();
        }
        Optional<Decoder.Decoded> d = Decoder.decode(addr -> (int) mem.read(hpa + (addr - rip), 1), rip);
        if (d.isEmpty()) {
            return null;
        }
        byte[] bytes = new byte[d.get().length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) mem.read(hpa + i, 1);
        }
        return new PlacedInstruction(rip, bytes, d.get().insn(), d.get().insn().pos());
    }

    private static boolean bytesMatch(PhysMem mem, long hpa, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if ((byte) mem.read(hpa + i, 1) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** A memory access of the CPU failed: a guest exception, or an EPT VM exit. */
    MachineState memFault(MachineState s, int c, org.lvdcheck.emulator.exec.MemResult r, List<Event> ev, String what) {
        if (r instanceof org.lvdcheck.emulator.exec.MemResult.Fault f) {
            ev.add(new Event.Fault(f.vector(), f.errorCode(), what));
            return exception(s, c, f.vector(), f.vector() == 14 || f.vector() == 13 || f.vector() == 12
                    ? OptionalLong.of(f.errorCode()) : OptionalLong.empty(), f.cr2(), ev, null);
        }
        org.lvdcheck.emulator.exec.MemResult.EptExit e = (org.lvdcheck.emulator.exec.MemResult.EptExit) r;
        return hypervisor.eptExit(s, c, e.reason(), e.qualification(), e.guestLinear(), e.guestPhysical(), ev, what);
    }

    // ---- events --------------------------------------------------------------------------

    /** Delivers an exception raised on CPU c (after the exception bitmap, which the built-in specs leave 0). */
    MachineState exception(MachineState s, int c, int vector, OptionalLong errorCode, long cr2, List<Event> ev, String why) {
        if (why != null) {
            ev.add(new Event.Fault(vector, errorCode.orElse(-1), why));
        }
        CpuState cpu = s.cpu(c);
        ArchRegs r = vector == 14 ? cpu.regs().withCr2(cr2) : cpu.regs();
        return deliver(s.withCpu(c, cpu.withRegs(r)), c, vector, errorCode, EventKind.EXCEPTION, ev);
    }

    /**
     * An interrupt arrives. What the LAPIC holds pending goes first: a pending NMI (vector 2)
     * is taken and no longer pending, a pending fixed vector is acknowledged (IRR to ISR) and
     * delivered as an external interrupt whatever the spec declares for it. Otherwise the spec's
     * source fires and its interrupt is accepted at once ({@link org.lvdcheck.emulator.irq.Lapic#accept}).
     * Under the compromised-driver semantics an interrupt that finds the CPU in driver code finds
     * the driver's registers clobbered (DESIGN.md §3): the driver may have set each one to
     * anything just before.
     */
    private MachineState interrupt(MachineState s, int c, int vector, List<Event> ev) {
        boolean pendingNmi = vector == org.lvdcheck.emulator.irq.Vectors.NMI && s.cpu(c).lapic().nmiPending();
        boolean pendingFixed = !pendingNmi && vector == pendingFixed(s.cpu(c));
        if (compromised() && inDriverCode(s, c)) {
            s = s.withCpu(c, s.cpu(c).withRegs(Adversary.clobber(s.cpu(c))));
        } else if (!pendingNmi && vectorClass(vector) != Model.VectorClass.NMI
                && adversary.interruptedAsDriver(s, c)) {
            ev.add(new Event.TransitionCodeInterrupted(s.cpu(c).regs().rip()));
            s = s.withCpu(c, s.cpu(c).withRegs(Adversary.clobberCanonical(s.cpu(c)).withRip(0).withTaint(ArchRegs.T_RIP, true)));
        }
        if (pendingFixed) {
            ev.add(new Event.Primitive("lapic: accept", "pending vector 0x" + Integer.toHexString(vector)
                    + " acknowledged (IRR to ISR)"));
            s = s.withCpu(c, s.cpu(c).withLapic(s.cpu(c).lapic().acknowledge(vector)));
            return deliver(s, c, vector, OptionalLong.empty(), EventKind.EXTERNAL, ev);
        }
        if (pendingNmi) {
            ev.add(new Event.Primitive("lapic: accept", "the pending NMI is taken"));
            s = s.withCpu(c, s.cpu(c).withLapic(s.cpu(c).lapic().withNmiPending(false)));
        }
        CpuState cpu = s.cpu(c);
        Model.VectorClass cls = pendingNmi ? Model.VectorClass.NMI : vectorClass(vector);
        if (cls == Model.VectorClass.NMI && cpu.vmcs().nmiExiting()) {
            // NMI exiting: the NMI exits, the hypervisor queues it and re-injects it at VM entry
            // under the current EPTP (lvd-bflank vmexit/nmi.cpp): one exit, then guest delivery.
            ev.add(new Event.VmExit(ExitReason.EXCEPTION_OR_NMI.number(), "exception-or-nmi", origin(s, c).name().toLowerCase(), "inject",
                    "NMI exiting: queued and re-injected at VM entry under the current EPTP"));
            return deliver(s, c, vector, OptionalLong.empty(), EventKind.NMI, ev);
        }
        if (cls != Model.VectorClass.NMI && cls != Model.VectorClass.MC) {
            s = s.withCpu(c, s.cpu(c).withLapic(s.cpu(c).lapic().accept(vector)));
        }
        return deliver(s, c, vector, OptionalLong.empty(),
                cls == Model.VectorClass.NMI ? EventKind.NMI : cls == Model.VectorClass.MC ? EventKind.EXCEPTION
                        : EventKind.EXTERNAL, ev);
    }

    /**
     * 64-bit delivery through the guest IDT, GDT and TSS, through paging and the current EPT.
     * The hardware is a trusted reader: under the compromised-driver semantics a gate,
     * descriptor or stack slot a domain can write is ⊤, a TAINT use.
     */
    MachineState deliver(MachineState s, int c, int vector, OptionalLong errorCode, EventKind kind, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        int view = viewOf(s, c);
        ArchRegs r = cpu.regs();
        if (cpu.mode() == CpuMode.HALTED) {
            cpu = cpu.withMode(CpuMode.RUNNING);
        }
        r = r.withActivity(ActivityState.ACTIVE);
        LongPredicate havoc = compromised() ? system.domainWrites()::havoc : null;
        for (int attempt = 0; attempt < 3; attempt++) {
            EptGuestPhysical gp = new EptGuestPhysical(s.mem(), cpu.eptp(), system.caps(), havoc,
                    compromised() ? system.domainWrites()::domainWritable : null);
            PagedLinearMemory lm = new PagedLinearMemory(PagingRegs.of(r), gp);
            DeliveryResult d = InterruptDelivery.deliver(r, vector, errorCode, kind, lm, view >= 1);
            if (d instanceof DeliveryResult.Delivered ok) {
                ev.add(new Event.Delivered(vector, system.viewName(view), true, view != 0, r));
                MachineState n = s.withMem(gp.memory()).withCpu(c, cpu.withRegs(ok.regs()));
                return ok.topWrite() ? domainWritesThroughTop(n, c, view) : n;
            }
            if (d instanceof DeliveryResult.TaintedUse u) {
                throw new KernelAccess.TopUse(u.what());
            }
            if (d instanceof DeliveryResult.Fault f) {
                ev.add(new Event.Fault(f.vector(), f.errorCode(), "fault while delivering vector " + vector));
                r = f.regs();
                vector = f.vector();
                errorCode = OptionalLong.of(f.errorCode());
                kind = EventKind.EXCEPTION;
                continue;
            }
            if (d instanceof DeliveryResult.TripleFault) {
                return hypervisor.tripleFault(s, c, ev);
            }
            DeliveryResult.EptExit x = (DeliveryResult.EptExit) d;
            org.lvdcheck.emulator.exec.MemResult m = CpuContext.fault(x.exit());
            org.lvdcheck.emulator.exec.MemResult.EptExit e = (org.lvdcheck.emulator.exec.MemResult.EptExit) m;
            return hypervisor.eptExit(s, c, e.reason(), e.qualification(), e.guestLinear(), e.guestPhysical(), ev,
                    "delivery of vector " + vector);
        }
        return hypervisor.tripleFault(s, c, ev);
    }

    /** Where an exit comes from: the kernel only under this CPU's kernel EPT and at CPL 0 (DESIGN.md §2). */
    Model.Origin origin(MachineState s, int c) {
        return viewOf(s, c) == 0 && s.cpu(c).regs().cpl() == 0 ? Model.Origin.KERNEL : Model.Origin.DOMAIN;
    }

    // ---- scheduling ------------------------------------------------------------------------

    /** The first runnable thread (new or switched out) CPU c may run, or -1. */
    int runnableFor(MachineState s, int c) {
        for (int t = 0; t < s.threads().size(); t++) {
            ThreadState th = s.threads().get(t);
            int pinned = system.spec().threads().get(t).cpu();
            if ((th.status() == ThreadStatus.RUNNABLE || th.status() == ThreadStatus.NEW) && (pinned < 0 || pinned == c)) {
                return t;
            }
        }
        return -1;
    }

    /** The idle loop of CPU c picks the first runnable thread (Linux's pick_next_task on an idle CPU). */
    private MachineState schedule(MachineState s, int c, List<Event> ev) {
        int t = runnableFor(s, c);
        if (t < 0) {
            return s;
        }
        ev.add(new Event.Switched("idle", system.spec().threads().get(t).name()));
        return switchIn(s, c, t);
    }

    /** The registers a context switch moves with the thread, and their taint labels. */
    private static final long THREAD_TAINT = ArchRegs.T_GPRS | ArchRegs.T_RIP | ArchRegs.T_FLAGS | ArchRegs.T_FS_BASE
            | ArchRegs.T_KERNEL_GS_BASE | ArchRegs.T_X87 | ArchRegs.T_SSE | ArchRegs.T_AVX | ArchRegs.T_MXCSR
            | ArchRegs.T_PKRU;

    /**
     * Puts thread t on CPU c: the thread's own registers (GPRs, RIP, RFLAGS, CR3, FS base,
     * KERNEL_GS_BASE, extended state) replace the CPU's, with their taint labels; the CPU keeps
     * its own (GDT, IDT, TR, GS base of its per-CPU area, control registers other than CR3).
     * %gs:current_task and %gs:__preempt_count follow.
     */
    MachineState switchIn(MachineState s, int c, int t) {
        CpuState cpu = s.cpu(c);
        ArchRegs from = s.threads().get(t).saved();
        ArchRegs r = cpu.regs();
        for (int i = 0; i < 16; i++) {
            r = r.withGpr(i, from.gpr(i));
        }
        r = r.withRip(from.rip()).withRflags(from.rflags()).withCr3(from.cr3()).withFsBase(from.fsBase())
                .withKernelGsBase(from.kernelGsBase()).withX87State(from.x87State()).withSseState(from.sseState())
                .withAvxState(from.avxState()).withMxcsr(from.mxcsr()).withPkru(from.pkru())
                .withBlockingBySti(false).withBlockingByMovSs(false);
        r = r.withTaintMask((r.taintMask() & ~THREAD_TAINT) | (from.taintMask() & THREAD_TAINT));
        KernelAccess k = kernelAccess(s.mem(), system.eptps()[0][c], r);
        k.write(system.layout().percpu()[c] + constant("current_task"), 8, system.layout().taskGva()[t]);
        // The count the thread runs on with: a switched-out thread resumes inside __schedule with its
        // caller's one preempt_disable; a new one starts at 0 (schedule_tail's preempt_enable). The
        // switch went through __schedule's clear_preempt_need_resched (the inverted bit set).
        k.write(system.layout().percpu()[c] + constant("__preempt_count"), 4,
                org.lvdcheck.emulator.lxd.SystemBuilder.PREEMPT_NEED_RESCHED
                        | (s.threads().get(t).status() == ThreadStatus.NEW ? 0 : 1));
        MachineState n = s.withMem(k.memory()).withCpu(c, cpu.withRegs(r).withMode(CpuMode.RUNNING).withThread(t));
        return n.withThread(t, s.threads().get(t).with(ThreadStatus.RUNNING, c, from));
    }

    MachineState hypervisorKill(MachineState s, int c, List<Event> ev, String why) {
        return hypervisor.kill(s, c, ev, why);
    }

    /** An access of CPU c that its EPT refuses (a VM exit, reason 48), without a particular address. */
    MachineState eptViolation(MachineState s, int c, List<Event> ev, String what) {
        return hypervisor.eptExit(s, c, ExitReason.EPT_VIOLATION, 0, 0, 0, ev, what);
    }

    /**
     * Reads guest-linear memory as CPU {@code cpu} would in view {@code view} at CPL 0 with the
     * kernel's CR3: for tests, reports and tools that inspect a state (a ⊤ word reads as its
     * canonical 0).
     */
    public long peek(MachineState s, int view, int cpu, long gva, int size) {
        ArchRegs r = s.cpu(cpu).regs().withCr3(initial.cpu(cpu).regs().cr3());
        return new KernelAccess(s.mem(), system.eptps()[view][cpu], r, system.caps()).data(gva, size).value();
    }

    /** The host-physical address CPU {@code cpu} reaches for {@code gva} in its current paging and EPT, or -1. */
    public long hostAddress(MachineState s, int cpu, long gva) {
        CpuState c = s.cpu(cpu);
        PagingResult r = GuestPaging.translate(PagingRegs.of(c.regs()).withCpl(0), gva, LinearAccess.SUPERVISOR_READ,
                new EptGuestPhysical(s.mem(), c.eptp(), system.caps()));
        if (r instanceof PagingResult.Ok ok) {
            return ok.hpa();
        }
        r = GuestPaging.translate(PagingRegs.of(c.regs()).withCpl(0), gva, LinearAccess.FETCH,
                new EptGuestPhysical(s.mem(), c.eptp(), system.caps()));
        return r instanceof PagingResult.Ok ok ? ok.hpa() : -1;
    }

    long constant(String name) {
        return system.images().get("kernel").symbol(name).orElseThrow(
                () -> new IllegalStateException("asm-offsets constant " + name + " missing (checked at build)"));
    }
}
