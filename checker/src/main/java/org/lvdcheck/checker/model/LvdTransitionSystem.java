package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lvdcheck.checker.explore.Expansion;
import org.lvdcheck.checker.explore.Transition;
import org.lvdcheck.checker.explore.TransitionSystem;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.DriverMove;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.lvd.Model;

/**
 * The LVD machine as the explorer sees it (DESIGN.md §5): states are machine states plus the
 * environment's remaining firings; the actions of a state are every enabled action of every
 * CPU in a fixed order (CPU 0 first; per CPU its instruction, the hypervisor's kill IPI, the
 * arrivals of what its LAPIC holds pending, the interrupts its sources may still fire, by
 * source order, then the compromised driver's moves), each step checked by
 * {@link StepChecks}. With reduction on, a state whose lowest-numbered CPU has only
 * {@linkplain CpuLocality CPU-local} steps is expanded by that CPU alone (CPU-local
 * partial-order reduction; the explorer adds the cycle proviso).
 */
public final class LvdTransitionSystem implements TransitionSystem<CheckState> {
    private final Machine machine;
    private final List<Model.Source> sources;
    private final int[] sourceVector;
    private final StepChecks checks;
    private final boolean reduction;
    private final int cpus;
    private final LineCoverage coverage;
    /** Where the expanded states are, when asked for ({@code check --state-profile}); null otherwise. */
    private volatile StateProfile profile;
    private final Witnesses witnesses;
    private final InveptObligations invept = new InveptObligations();
    /** Canonical frames of the states the breadth-first search keeps (one thread uses it: the merge). */
    private final PhysMem.Interner interner = new PhysMem.Interner();
    /**
     * Canonical CPU states, threads and ghosts of the states the breadth-first search keeps, per
     * generation (the merge's thread uses them): most kept states share each CPU's state, and the
     * ghost, with many others (docs/PERFORMANCE.md, session 35).
     */
    private final Map<CpuState, CpuState> cpuPool = new java.util.HashMap<>();
    private final Map<ThreadState, ThreadState> threadPool = new java.util.HashMap<>();
    private final Map<CrossingGhost, CrossingGhost> ghostPool = new java.util.HashMap<>();
    /**
     * The frames the reduction and the hard-lockup test take as one CPU's or thread's, and the breaches
     * seen (kept with and without reduction: {@link HardLockup} relies on it in both).
     */
    private final FrameOwnership ownership;
    private final HardLockup lockups;
    /** The dead-stack reduction, or null without reduction. */
    private final DeadStacks deadStacks;
    private final WriteOnlyWords writeOnly;
    /** The dead thread contexts, or null without reduction. */
    private final DeadThreadContexts deadThreads;
    /** The gate's saved stack pointer, or null without reduction or where the system has none to forget. */
    private final GateStackPointer gateStackPointer;
    /** The transparency test of coarse interrupt points, or null when every boundary takes interrupts. */
    private final InterruptTransparency transparency;
    /** Whether a witness names crossings: then every crossing is a visible, global step. */
    private final boolean crossingsVisible;
    /**
     * The vector class merged (docs/MODEL.md, "Vector classes"): the representative's arrival stands
     * for the other vector's where no thread can be switched in, with the other's run kept beside it
     * as the state's image; null when not in use.
     */
    private volatile VectorClasses.Comparison vectorClass;
    /** Each address of the representative's handler path to its partner on the other's (with the entry points). */
    private volatile Map<Long, Long> partner = Map.of();
    /** The walked pairs whose two instructions are the same (no JMP on one path only). */
    private volatile java.util.Set<List<Long>> samePairs = java.util.Set.of();
    /** Steps taken with an image: {carried through without running it, run on the image too}. */
    private final java.util.concurrent.atomic.LongAdder imageCarried = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder imageRun = new java.util.concurrent.atomic.LongAdder();

    /** How many steps with an image were carried through, and how many were run on the image too. */
    long[] imageSteps() {
        return new long[] {imageCarried.sum(), imageRun.sum()};
    }

    /** Whether each step the image is carried through without running it is also run and compared (tests). */
    static volatile boolean verifyImages = Boolean.getBoolean("lvdcheck.verifyImages");
    /** What the vector-class images found that the merge cannot stand for (bounded), in the order seen. */
    private final java.util.Set<String> imageBreaches = java.util.Collections.synchronizedSet(new java.util.TreeSet<>());
    private static final int MAX_IMAGE_BREACHES = 20;

    public LvdTransitionSystem(Machine machine, StepChecks checks, boolean reduction) {
        this(machine, checks, reduction, false);
    }

    /**
     * The explored system; with {@code coarseInterrupts} (and {@code reduction}) interrupts arrive
     * only where a run of interrupt-transparent kernel instructions starts (docs/MODEL.md, "Coarse
     * interrupt points"), which makes the exploration incomplete.
     */
    public LvdTransitionSystem(Machine machine, StepChecks checks, boolean reduction, boolean coarseInterrupts) {
        this.machine = machine;
        this.checks = checks;
        this.reduction = reduction;
        this.cpus = machine.system().cpus();
        this.driverChoices = new java.util.concurrent.atomic.AtomicReferenceArray<>(cpus);
        this.sources = machine.system().spec().sources();
        this.sourceVector = new int[sources.size()];
        for (int i = 0; i < sources.size(); i++) {
            String v = sources.get(i).vector();
            sourceVector[i] = machine.system().spec().vector(v).orElseThrow(
                    () -> new IllegalStateException("source vector " + v + " checked at parse")).number();
        }
        this.coverage = new LineCoverage(machine.system());
        this.witnesses = new Witnesses(machine);
        this.crossingsVisible = witnesses.namesCrossings();
        this.deadStacks = reduction ? DeadStacks.of(machine) : null;
        this.writeOnly = reduction ? WriteOnlyWords.of(machine) : null;
        this.deadThreads = reduction ? new DeadThreadContexts(machine) : null;
        this.gateStackPointer = deadStacks != null ? GateStackPointer.of(machine) : null;
        this.ownership = new FrameOwnership(machine);
        this.lockups = new HardLockup(this);
        this.transparency = reduction && coarseInterrupts ? new InterruptTransparency(machine, checks.transitionCode()) : null;
    }

    /**
     * Whether the compromised driver's moves (DESIGN.md §3) are among the actions. Without
     * them only the driver's own program runs, and no property may be reported as holding.
     */
    public boolean adversary() {
        return machine.semantics() == Machine.Semantics.COMPROMISED_DRIVER;
    }

    /** Which assembly lines the steps taken so far executed. */
    public LineCoverage coverage() {
        return coverage;
    }

    /** The INVEPT obligations the steps taken so far left unmet. */
    public InveptObligations invept() {
        return invept;
    }

    /**
     * The frame ownership the partial-order reduction and the hard-lockup test rely on, whose breaches
     * withhold every "holds".
     */
    public FrameOwnership ownership() {
        return ownership;
    }

    /**
     * The hard-lockup tests that ran out of steps ({@link HardLockup#MAX_STEPS}) before a cycle or an
     * exit: AVAIL cannot hold.
     */
    public List<String> lockupsUndecided() {
        return lockups.undecided();
    }

    /** The spec's reachability witnesses and which the steps taken so far reached. */
    public Witnesses witnesses() {
        return witnesses;
    }

    public Machine machine() {
        return machine;
    }

    public StepChecks checks() {
        return checks;
    }

    /** The environment's budget at the start: each source's firings at each CPU it fires at (0 elsewhere). */
    public CheckState initialState() {
        int[] fires = new int[sources.size() * cpus];
        for (int i = 0; i < sources.size(); i++) {
            for (int c = 0; c < cpus; c++) {
                Model.Source src = sources.get(i);
                fires[i * cpus + c] = src.cpu() >= 0 && src.cpu() != c ? 0 : src.fires();
            }
        }
        MachineState m = machine.initial();
        if (deadStacks != null) {
            m = forgetting(() -> deadStacks.canonicalInitial(gateStackPointer(machine.initial())), () -> "the initial state");
        }
        return new CheckState(m, fires, new int[cpus]);
    }

    @Override
    public List<CheckState> initialStates() {
        return List.of(initialState());
    }

    @Override
    public List<Violation> checkInitial(CheckState s) {
        return checks.initial(s.machine());
    }

    /** One enabled action with the source whose firing it consumes (-1 for none). */
    public record Choice(Action action, int source) {
        public String label() {
            if (action instanceof Action.Execute) {
                return "execute";
            }
            if (action instanceof Action.Interrupt i) {
                return "interrupt 0x" + Integer.toHexString(i.vector());
            }
            if (action instanceof Action.Branch b) {
                return b.taken() ? "execute, branch taken" : "execute, branch not taken";
            }
            if (action instanceof Action.Dispatch d) {
                return "execute, dispatch class " + d.rpcClass();
            }
            if (action instanceof Action.KillIpi) {
                return "kill IPI";
            }
            return "driver: " + ((Action.Driver) action).move();
        }
    }

    /**
     * Every enabled action of {@code s} in the fixed order: per CPU, its instruction (or the
     * outcomes of a decision on ⊤), the hypervisor's kill IPI, the arrivals of what its LAPIC
     * holds pending (an IPI's NMI, then its fixed vector; no firing consumed), the interrupts its
     * sources may still fire other than those, then the compromised driver's moves.
     */
    public List<Choice> choices(CheckState s) {
        List<Choice> mine = choices(s, true);
        CheckState.Image img = s.image();
        if (img != null) {
            // The image must be offered what its representative is: the same actions, in the same order.
            List<Choice> its = choices(img.state(), false);
            lastImageChoices.set(new Object[] {img.state(), its});
            boolean same = mine.size() == its.size();
            for (int i = 0; same && i < mine.size(); i++) {
                same = mine.get(i).action().equals(its.get(i).action());
            }
            if (!same && imageBreaches.size() < MAX_IMAGE_BREACHES) {
                imageBreaches.add("cpu" + img.cpu() + " at " + hex(rip(s, img.cpu()))
                        + ": the other vector's run is offered other choices");
            }
        }
        return mine;
    }

    /** The last image state whose choices were computed on this thread, with them: {state, choices}. */
    private final ThreadLocal<Object[]> lastImageChoices = new ThreadLocal<>();

    /**
     * The choices of {@code s}; with {@code merge} false the vector classes in use merge no arrival
     * (a vector-class image is offered what its representative is).
     */
    private List<Choice> choices(CheckState s, boolean merge) {
        MachineState m = s.machine();
        // Per CPU, in CPU order: its instruction's actions, its arrivals, its kill IPI; the driver's
        // moves come per CPU from driverMoves, as the same list while they stay the same.
        List<Action> enabled = machine.actions(m, false);
        List<Choice> out = new ArrayList<>(enabled.size() + 16);
        int from = 0;
        for (int c = 0; c < cpus; c++) {
            int to = from;
            while (to < enabled.size() && enabled.get(to).cpu() == c) {
                to++;
            }
            List<Action> moves = machine.driverMoves(m, c);
            if (s.resumesInTransitionCode(c)) {
                // The IRETQ popped RIP ⊤ for trusted code the interrupt found with the driver's registers:
                // it resumes at one of the transition-code instructions, with the frame's IF.
                int v = machine.viewOf(m, c);
                boolean frameIf = (s.resumedFlags(c) & Rflags.IF) != 0;
                for (Action a : moves) {
                    if (a instanceof Action.Driver d && d.move() instanceof DriverMove.Jump j
                            && j.interruptsEnabled() == frameIf && machine.transitionTarget(v, c, j.target())) {
                        out.add(new Choice(a, -1));
                    }
                }
                from = to;
                continue;
            }
            for (int i = from; i < to; i++) {
                Action a = enabled.get(i);
                if (!(a instanceof Action.Interrupt)) {
                    out.add(new Choice(a, -1));
                }
            }
            List<Action.Interrupt> pending = s.arrivalsDeferred(c) ? List.of() : machine.pendingArrivals(m, c);
            for (Action.Interrupt p : pending) {
                out.add(new Choice(p, -1));
            }
            for (int i = 0; i < sources.size() && !s.arrivalsDeferred(c); i++) {
                if (s.firesLeft(i, cpus, c) == 0) {
                    continue;
                }
                Action.Interrupt in = new Action.Interrupt(c, sourceVector[i]);
                if (merge && sourceVector[i] == mergedVector(s, c)) {
                    continue;
                }
                if (enabled.subList(from, to).contains(in) && !pending.contains(in)) {
                    out.add(new Choice(in, i));
                }
            }
            out.addAll(driverChoices(c, moves));
            from = to;
        }
        return out;
    }

    /**
     * The vector whose arrival at CPU c the class's representative stands for in {@code s}, or -1
     * ({@link #merges}).
     */
    private int mergedVector(CheckState s, int c) {
        VectorClasses.Comparison vc = vectorClass;
        return vc != null && merges(s, c, vc) ? vc.b().number() : -1;
    }

    /**
     * Whether, in {@code s}, the representative's arrival at CPU c stands for the other vector's: the
     * state has no image, no thread can be switched in, and an unbounded source of each vector would
     * offer its arrival at c (the arrivals are not deferred, the vector is deliverable and not already
     * pending).
     */
    private boolean merges(CheckState s, int c, VectorClasses.Comparison vc) {
        if (s.image() != null || s.arrivalsDeferred(c) || !CpuLocality.noThreadCanBeSwitchedIn(s.machine())) {
            return false;
        }
        return offered(s, c, vc.a().number()) && offered(s, c, vc.b().number());
    }

    private boolean offered(CheckState s, int c, int vector) {
        Action.Interrupt in = new Action.Interrupt(c, vector);
        for (int i = 0; i < sources.size(); i++) {
            // Only a source that fires unbounded: a firing it counted would tell the two runs apart.
            if (sourceVector[i] == vector && s.firesLeft(i, cpus, c) < 0 && machine.enabled(s.machine(), in)
                    && !machine.pendingArrivals(s.machine(), c).contains(in)) {
                return true;
            }
        }
        return false;
    }

    /** Per CPU, {moves, their choices}: the last driver move list seen and its choices, built once. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Object[]> driverChoices;

    /** The choices of the driver's moves {@code moves} of CPU c, the same list while {@code moves} is. */
    @SuppressWarnings("unchecked")
    private List<Choice> driverChoices(int c, List<Action> moves) {
        if (moves.isEmpty()) {
            return List.of();
        }
        Object[] memo = driverChoices.get(c);
        if (memo != null && memo[0] == moves) {
            return (List<Choice>) memo[1];
        }
        List<Choice> built = moves.stream().map(a -> new Choice(a, -1)).toList();
        driverChoices.set(c, new Object[] {moves, built});
        return built;
    }

    /** The RFLAGS image of the interrupt frame at RSP of CPU c (at the IRETQ that pops it). */
    private long frameRflags(MachineState m, int c) {
        long hpa = machine.hostAddress(m, c, m.cpu(c).regs().rsp() + 16);
        if (hpa < 0) {
            throw new IllegalStateException("cpu" + c + " pops an interrupt frame it cannot address");
        }
        return m.mem().read(hpa, 8);
    }

    /** Where CPU c's instruction runs in state m, whose view on c is {@code view}, for line coverage by context. */
    private LineCoverage.Context lineContext(MachineState m, int c, int view) {
        if (view == 0) {
            return LineCoverage.Context.KERNEL;
        }
        if (view < 0) {
            return LineCoverage.Context.DOMAIN;
        }
        if (m.cpu(c).driverEntered()) {
            return LineCoverage.Context.DRIVER_JUMP;
        }
        return machine.inDriverCode(m, c) ? LineCoverage.Context.DRIVER : LineCoverage.Context.DOMAIN;
    }

    /** The control flags an IRETQ restores from the frame and a resumption in transition code takes from it. */
    private static final long RESUMED_FLAGS = Rflags.AC | Rflags.DF | Rflags.TF | Rflags.IF;

    /** Takes one choice: the next state and what happened (with AVAIL's hard-lockup test, {@link HardLockup}). */
    public Taken take(CheckState s, Choice ch) {
        return take(s, ch, true);
    }

    /** Whether taken step {@code t} from {@code s} is CPU-local ({@link CpuLocality}). */
    boolean cpuLocal(CheckState s, Taken t) {
        return CpuLocality.isLocal(t.choice().action(), t.step(), s.machine(), machine, ownership, crossingsVisible);
    }

    /**
     * What makes taken step {@code t} from {@code s}, which breaks a property or is not CPU-local, unfit for
     * a reduced expansion, for the state profile: the property, or {@link CpuLocality.Why}.
     */
    private String whyGlobal(CheckState s, Taken t) {
        if (!t.violations().isEmpty()) {
            return "it breaks " + t.violations().get(0).property();
        }
        CpuLocality.Why w = CpuLocality.whyGlobal(t.choice().action(), t.step(), s.machine(), machine, ownership,
                crossingsVisible);
        return w == CpuLocality.Why.PRIMITIVE ? w.phrase + " (" + CpuLocality.globalPrimitive(t.step(), s.machine()) + ")"
                : w.phrase;
    }

    /** {@code m} with the gate's saved stack pointer forgotten where no crossing needs it (when that reduction is on). */
    private MachineState gateStackPointer(MachineState m) {
        return gateStackPointer == null ? m : gateStackPointer.canonical(m);
    }

    /**
     * {@link #take(CheckState, Choice)}, with the hard-lockup test after a backward step only when
     * {@code lockup}; with the vector classes in use, the image taken along (docs/MODEL.md, "Vector
     * classes").
     */
    Taken take(CheckState s, Choice ch, boolean lockup) {
        Taken t = takeOne(s, ch, lockup);
        VectorClasses.Comparison vc = vectorClass;
        if (vc == null) {
            return t;
        }
        CheckState.Image image = null;
        try {
            if (s.image() != null) {
                image = imageStep(s, ch, t, vc, lockup);
            } else if (ch.action() instanceof Action.Interrupt in && in.vector() == vc.a().number()
                    && ch.source() >= 0 && merges(s, in.cpu(), vc)) {
                image = imageArrival(s, in.cpu(), t, vc, lockup);
            }
        } catch (ImageBreach b) {
            if (imageBreaches.size() < MAX_IMAGE_BREACHES) {
                imageBreaches.add(b.getMessage());
            }
            image = null;
        }
        CheckState target = t.target().withImage(image);
        return target == t.target() ? t : new Taken(t.choice(), t.step(), target, t.violations());
    }

    /** What the image of a merged arrival did that the representative's run cannot stand for. */
    private static final class ImageBreach extends RuntimeException {
        ImageBreach(String what) {
            super(what, null, false, false);
        }
    }

    /** The image after the representative's arrival at c from {@code s} (taken: {@code t}): the other vector's. */
    private CheckState.Image imageArrival(CheckState s, int c, Taken t, VectorClasses.Comparison vc, boolean lockup) {
        Choice other = null;
        for (int i = 0; i < sources.size(); i++) {
            if (sourceVector[i] == vc.b().number()) {
                other = new Choice(new Action.Interrupt(c, vc.b().number()), i);
            }
        }
        Taken o = takeOne(s, other, lockup);
        sameViolations(t, o, s, c);
        return relate(t.target(), align(t.target(), o.target(), c), c, vc);
    }

    /** The image after step {@code t} of the representative from {@code s}, whose image is taken along. */
    private CheckState.Image imageStep(CheckState s, Choice ch, Taken t, VectorClasses.Comparison vc, boolean lockup) {
        CheckState.Image img = s.image();
        int c = img.cpu();
        CheckState is = img.state();
        CheckState next;
        Carried lazy = carried(s, img, ch, t, vc);
        (lazy != null ? imageCarried : imageRun).increment();
        if (lazy != null) {
            if (verifyImages) {
                verify(s, img, ch, t, vc, lockup, lazy);
            }
            return lazy.image;
        }
        if (ch.action().cpu() == c && oneSidedJump(s, is, c)) {
            next = is; // the representative's path has a JMP the other's has not here
        } else {
            Choice mine = corresponding(is, ch);
            if (mine == null) {
                throw new ImageBreach("cpu" + c + " at " + hex(rip(s, c)) + ": " + ch.label()
                        + " has no counterpart for the other vector's run");
            }
            Taken o = takeOne(is, mine, lockup);
            sameViolations(t, o, s, c);
            next = o.target();
        }
        return relate(t.target(), ch.action().cpu() == c ? align(t.target(), next, c) : next, c, vc);
    }

    /** The image after a step carried through without running it ({@link #carried}); null: the two are one again. */
    private record Carried(CheckState.Image image) {}

    /** Instructions a carried step may be: their register, flag and memory effects are all listed. */
    private static final java.util.Set<Mnemonic> CARRIED;
    /** Instructions that set all six status flags from their operands alone. */
    static final java.util.Set<Mnemonic> FLAGS_WHOLE;
    /** Instructions that neither read nor write a status flag. */
    static final java.util.Set<Mnemonic> FLAGS_UNTOUCHED;

    static {
        FLAGS_WHOLE = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(Mnemonic.ADD, Mnemonic.SUB,
                Mnemonic.CMP, Mnemonic.TEST, Mnemonic.AND, Mnemonic.OR, Mnemonic.XOR, Mnemonic.NEG));
        FLAGS_UNTOUCHED = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(Mnemonic.MOV, Mnemonic.MOVZX,
                Mnemonic.MOVSX, Mnemonic.LEA, Mnemonic.PUSH, Mnemonic.POP, Mnemonic.NOT, Mnemonic.JMP, Mnemonic.NOP,
                Mnemonic.PAUSE, Mnemonic.CLD, Mnemonic.STD, Mnemonic.LFENCE, Mnemonic.MFENCE, Mnemonic.SFENCE));
        java.util.Set<Mnemonic> carried = java.util.EnumSet.noneOf(Mnemonic.class);
        carried.addAll(FLAGS_WHOLE);
        carried.addAll(FLAGS_UNTOUCHED);
        carried.addAll(java.util.List.of(Mnemonic.JCC, Mnemonic.INC, Mnemonic.DEC, Mnemonic.SHL, Mnemonic.SHR,
                Mnemonic.SAR, Mnemonic.BT, Mnemonic.BTS, Mnemonic.BTR));
        CARRIED = java.util.Collections.unmodifiableSet(carried);
    }

    /**
     * The image after step {@code t} from {@code s}, built from the step's successor and the places
     * where the image differs, without running the step on the image; null when the step could tell
     * the two runs apart and must be run on the image (docs/MODEL.md, "Vector classes"). Such a step
     * is an instruction step that broke nothing and did nothing but execute and access memory: of
     * another CPU, touching no differing word; or of the image's CPU, an instruction whose register,
     * flag and memory effects are listed (no call, return, exit or primitive), at the same address on
     * both runs or at a walked pair of the same instructions, reading no differing register, reading
     * no status flag while they differ and setting all or none of them, and touching no differing word
     * but to overwrite it whole.
     */
    private Carried carried(CheckState s, CheckState.Image img, Choice ch, Taken t, VectorClasses.Comparison vc) {
        if (!t.violations().isEmpty()
                || !(ch.action() instanceof Action.Execute || ch.action() instanceof Action.Branch)) {
            return null;
        }
        org.lvdcheck.spec.asm.PlacedInstruction pi = null;
        long[] acc = new long[0];
        for (var e : t.step().events()) {
            if (e instanceof org.lvdcheck.emulator.machine.Event.Executed x && x.insn() != null && pi == null) {
                pi = x.insn();
            } else if (e instanceof org.lvdcheck.emulator.machine.Event.Accessed a) {
                acc = a.accesses();
            } else {
                return null;
            }
        }
        if (pi == null) {
            return null;
        }
        int c = img.cpu();
        MachineState pre = s.machine();
        MachineState post = t.target().machine();
        MachineState im = img.state().machine();
        ArchRegs rs = pre.cpu(c).regs();
        ArchRegs ri = im.cpu(c).regs();
        int gprs = 0;
        for (int g = 0; g < 16; g++) {
            if (rs.gpr(g) != ri.gpr(g) || rs.gprTainted(g) != ri.gprTainted(g)) {
                gprs |= 1 << g;
            }
        }
        boolean flags = ((rs.rflags() ^ ri.rflags()) & ArchRegs.STATUS_FLAGS) != 0
                || rs.tainted(ArchRegs.T_FLAGS) != ri.tainted(ArchRegs.T_FLAGS);
        var insn = pi.insn();
        long nextRip = ri.rip();
        if (ch.action().cpu() == c) {
            if (!CARRIED.contains(insn.mnemonic())
                    || insn.mnemonic() == Mnemonic.JMP && !VectorClasses.directJump(insn)
                    || rs.rip() != ri.rip() && !samePairs.contains(List.of(rs.rip(), ri.rip()))) {
                return null;
            }
            int[] ud = RegisterLiveness.useDef(insn);
            if ((ud[0] & gprs) != 0) {
                return null;
            }
            gprs &= ~ud[1];
            if (flags) {
                if (FLAGS_WHOLE.contains(insn.mnemonic())) {
                    flags = false;
                } else if (!FLAGS_UNTOUCHED.contains(insn.mnemonic())) {
                    return null;
                }
            }
            nextRip = imageNext(pi, rs.rip(), ri.rip(), post.cpu(c).regs().rip(), im, c);
            if (nextRip == -1) {
                return null;
            }
        }
        if (ch.action().cpu() != c && !post.cpu(c).equals(pre.cpu(c))) {
            return null; // another CPU's step changed this one (an IPI): run it on the image too
        }
        if (deadStacks != null) {
            // A differing value that could be a stack pointer could move a dead-stack bound on one run only.
            for (int g = 0; g < 16; g++) {
                if ((gprs & 1 << g) != 0 && (deadStacks.inStack(rs.gpr(g)) || deadStacks.inStack(ri.gpr(g)))) {
                    return null;
                }
            }
            for (long w : img.words()) {
                if (deadStacks.inStack(pre.mem().read(w, 8)) || deadStacks.inStack(im.mem().read(w, 8))) {
                    return null;
                }
            }
        }
        long[] words = img.words();
        int kept = 0;
        long[] keep = new long[words.length];
        for (long w : words) {
            boolean overwritten = false;
            for (long a : acc) {
                long lo = org.lvdcheck.emulator.machine.Event.Accessed.hpa(a);
                long hi = lo + org.lvdcheck.emulator.machine.Event.Accessed.size(a);
                if (lo < w + 8 && w < hi) {
                    if (org.lvdcheck.emulator.machine.Event.Accessed.write(a) && lo <= w && w + 8 <= hi) {
                        overwritten = true;
                    } else {
                        return null;
                    }
                }
            }
            if (!overwritten && !post.mem().isDead(w, 8)) {
                keep[kept++] = w;
            }
        }
        keep = java.util.Arrays.copyOf(keep, kept);
        boolean swapped = !im.cpu(c).lapic().equals(pre.cpu(c).lapic());
        if (gprs == 0 && !flags && !swapped && kept == 0 && nextRip == post.cpu(c).regs().rip()) {
            return new Carried(null);
        }
        // The image: the successor with the image's CPU as it was but for what the step did there, and its words.
        var cpu = post.cpu(c);
        ArchRegs r;
        if (ch.action().cpu() == c) {
            r = cpu.regs().withRip(nextRip);
            for (int g = 0; g < 16; g++) {
                if ((gprs & 1 << g) != 0) {
                    r = r.withGpr(g, ri.gpr(g)).withTaint(ArchRegs.tGpr(g), ri.gprTainted(g));
                }
            }
            if (flags) {
                // The label first: a ⊤ register's value is canonically 0, so the value goes in after it.
                r = r.withTaint(ArchRegs.T_FLAGS, ri.tainted(ArchRegs.T_FLAGS));
                r = r.withRflags(r.rflags() & ~ArchRegs.STATUS_FLAGS | ri.rflags() & ArchRegs.STATUS_FLAGS);
            }
            cpu = cpu.withRegs(r).withLapic(im.cpu(c).lapic());
        } else {
            cpu = im.cpu(c);
        }
        PhysMem mem = post.mem();
        if (kept > 0) {
            PhysMem.Editor e = mem.edit();
            for (long w : keep) {
                e.write(w, 8, im.mem().read(w, 8), im.mem().isTainted(w, 8));
            }
            mem = e.freeze();
        }
        CheckState n = t.target().withImage(null).withMachine(post.withMem(mem).withCpu(c, cpu));
        n = n.withCrossing(n.crossing().withVectorRenamed(vc.b().number(), vc.a().number()));
        return new Carried(new CheckState.Image(c, n, keep));
    }

    /**
     * Where the image's CPU goes after executing {@code pi}'s counterpart at {@code imageRip} while the
     * representative went from {@code rip} to {@code next}: the counterpart's own target or the
     * instruction after it; -1 when that cannot be told.
     */
    private long imageNext(org.lvdcheck.spec.asm.PlacedInstruction pi, long rip, long imageRip, long next,
                           MachineState im, int c) {
        if (rip == imageRip) {
            return next;
        }
        long hpa = machine.hostAddress(im, c, imageRip);
        var at = hpa < 0 ? null : machine.system().code().get(hpa);
        if (at == null) {
            return -1;
        }
        var mine = at.insn();
        var m = pi.insn().mnemonic();
        long fall = rip + pi.length();
        if (m == Mnemonic.JMP || m == Mnemonic.JCC) {
            long target = ((org.lvdcheck.spec.asm.TargetOp) pi.insn().operand(0)).address();
            long imageTarget = ((org.lvdcheck.spec.asm.TargetOp) mine.insn().operand(0)).address();
            if (target == fall) {
                return -1; // taken or not, the same place: cannot tell which the image took
            }
            if (next == target) {
                return imageTarget;
            }
            return next == fall ? imageRip + mine.length() : -1;
        }
        return next == fall ? imageRip + mine.length() : -1;
    }

    /** Runs the step carried through on the image too and checks that the two images are the same (tests). */
    private void verify(CheckState s, CheckState.Image img, Choice ch, Taken t, VectorClasses.Comparison vc,
                        boolean lockup, Carried lazy) {
        Choice mine = corresponding(img.state(), ch);
        CheckState ran = takeOne(img.state(), mine, lockup).target();
        CheckState built = lazy.image == null ? t.target().withImage(null) : lazy.image.state();
        int a = vc.a().number();
        int b = vc.b().number();
        CheckState x = ran.withCrossing(ran.crossing().withVectorRenamed(b, a));
        CheckState y = built.withCrossing(built.crossing().withVectorRenamed(b, a));
        if (!x.equals(y)) {
            throw new AssertionError("cpu" + img.cpu() + " at " + hex(rip(s, img.cpu())) + ", " + ch.label()
                    + ": the image carried through differs from the image run: " + StateDifference.of(x, y));
        }
    }

    /** The other run stepped on until it stands where the representative does (through its longer stub). */
    private CheckState align(CheckState rep, CheckState other, int c) {
        for (int k = 0; k < 4 && !paired(rep, other, c); k++) {
            Choice ex = corresponding(other, new Choice(new Action.Execute(c), -1));
            if (ex == null) {
                break;
            }
            Taken o = takeOne(other, ex, false);
            if (!o.violations().isEmpty()) {
                throw new ImageBreach("cpu" + c + ": the other vector's stub breaks " + o.violations().get(0).property());
            }
            other = o.target();
        }
        if (!paired(rep, other, c)) {
            throw new ImageBreach("cpu" + c + " at " + hex(rip(rep, c)) + ": the other vector's run is at "
                    + hex(rip(other, c)) + ", not the partner address");
        }
        return other;
    }

    private boolean paired(CheckState rep, CheckState other, int c) {
        long a = rip(rep, c);
        long b = rip(other, c);
        return a == b || Long.valueOf(b).equals(partner.get(a));
    }

    private static long rip(CheckState s, int c) {
        return s.machine().cpu(c).regs().rip();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** Whether the representative's instruction at c is a direct JMP where the other run's is not. */
    private boolean oneSidedJump(CheckState rep, CheckState other, int c) {
        return directJump(rep, c) && !directJump(other, c);
    }

    private boolean directJump(CheckState s, int c) {
        var cpu = s.machine().cpu(c);
        if (cpu.regs().tainted(ArchRegs.T_RIP) || cpu.mode() != CpuMode.RUNNING) {
            return false;
        }
        long hpa = machine.hostAddress(s.machine(), c, cpu.regs().rip());
        var at = hpa < 0 ? null : machine.system().code().get(hpa);
        if (at == null) {
            return false;
        }
        return VectorClasses.directJump(at.insn().insn());
    }

    /** The choice of {@code s} that is {@code ch}'s counterpart: the same action, or null. */
    @SuppressWarnings("unchecked")
    private Choice corresponding(CheckState s, Choice ch) {
        Object[] last = lastImageChoices.get();
        List<Choice> cs = last != null && last[0] == s ? (List<Choice>) last[1] : choices(s, false);
        for (Choice x : cs) {
            if (x.action().equals(ch.action())) {
                return x;
            }
        }
        return null;
    }

    private static void sameViolations(Taken rep, Taken other, CheckState s, int c) {
        java.util.Set<String> a = new java.util.TreeSet<>();
        rep.violations().forEach(v -> a.add(v.property()));
        java.util.Set<String> b = new java.util.TreeSet<>();
        other.violations().forEach(v -> b.add(v.property()));
        if (!a.equals(b)) {
            throw new ImageBreach("cpu" + c + " at " + hex(rip(s, c)) + ": the step breaks " + a
                    + " for the representative vector and " + b + " for the other");
        }
    }

    /**
     * The image to keep beside {@code rep} when the other run is at {@code other}: null when the two
     * are equal; else {@code other}, when it differs from {@code rep} only where the vector is carried
     * (CPU c's general-purpose registers, status flags and RIP at the partner address, which of the two
     * vectors c has in service, memory words, the ghost's vectors) and offers the same choices.
     */
    private CheckState.Image relate(CheckState rep, CheckState other, int c, VectorClasses.Comparison vc) {
        CheckState o = other.withImage(null);
        CheckState r = rep.withImage(null);
        MachineState p = r.machine();
        MachineState q = o.machine();
        String where = "cpu" + c + " at " + hex(rip(r, c)) + ": ";
        for (int d = 0; d < cpus; d++) {
            if (d != c && !p.cpu(d).equals(q.cpu(d))) {
                throw new ImageBreach(where + "the other vector's run changed cpu" + d);
            }
        }
        var a = p.cpu(c);
        var b = q.cpu(c);
        if (!paired(r, o, c)) {
            throw new ImageBreach(where + "the other vector's run is at " + hex(rip(o, c)));
        }
        ArchRegs ra = a.regs();
        ArchRegs rb = b.regs().withRip(ra.rip());
        for (int g = 0; g < 16; g++) {
            rb = rb.withGpr(g, ra.gpr(g)).withTaint(ArchRegs.tGpr(g), ra.gprTainted(g));
        }
        rb = rb.withTaint(ArchRegs.T_FLAGS, ra.tainted(ArchRegs.T_FLAGS));
        rb = rb.withRflags(rb.rflags() & ~ArchRegs.STATUS_FLAGS | ra.rflags() & ArchRegs.STATUS_FLAGS);
        if (!rb.equals(ra)) {
            throw new ImageBreach(where + "the other vector's run differs in registers other than the general-purpose ones");
        }
        if (!a.vmcs().equals(b.vmcs()) || a.mode() != b.mode() || a.thread() != b.thread()
                || a.driverEntered() != b.driverEntered()) {
            throw new ImageBreach(where + "the other vector's run differs in cpu" + c + "'s VMCS, mode or thread");
        }
        if (!a.lapic().equals(b.lapic())) {
            var la = a.lapic();
            var lb = b.lapic();
            int va = vc.a().number();
            int vb = vc.b().number();
            boolean swap = la.isr().contains(va) && !la.isr().contains(vb) && lb.isr().contains(vb)
                    && !lb.isr().contains(va) && la.isr().without(va).equals(lb.isr().without(vb))
                    && la.irr().equals(lb.irr()) && la.tpr() == lb.tpr() && la.nmiPending() == lb.nmiPending();
            if (!swap) {
                throw new ImageBreach(where + "the other vector's run differs in cpu" + c + "'s local APIC");
            }
            if ((ra.rflags() & Rflags.IF) != 0) {
                throw new ImageBreach(where + "interrupts are enabled while the vector in service differs");
            }
        }
        if (!p.threads().equals(q.threads()) || p.killedDomains() != q.killedDomains() || p.killIpis() != q.killIpis()
                || !java.util.Arrays.equals(r.firesLeft(), o.firesLeft()) || !java.util.Arrays.equals(r.caller(), o.caller())
                || r.deferred() != o.deferred() || r.resume() != o.resume()) {
            throw new ImageBreach(where + "the other vector's run differs in the threads, the kills or the check state");
        }
        if (!o.crossing().withVectorRenamed(vc.b().number(), vc.a().number())
                .equals(r.crossing().withVectorRenamed(vc.b().number(), vc.a().number()))) {
            throw new ImageBreach(where + "the other vector's run differs in the ghost");
        }
        if (!p.mem().sameFrameNumbers(q.mem())) {
            throw new ImageBreach(where + "the other vector's run has other frames");
        }
        long[] words = p.mem().differingWords(q.mem());
        if (words == null) {
            throw new ImageBreach(where + "the other vector's run holds a value where the representative's holds none");
        }
        if (words.length == 0 && a.equals(b)) {
            if (!p.equals(q)) {
                throw new ImageBreach(where + "the other vector's run differs in what memory records of a frame");
            }
            // Equal machines, ghosts that differ only in a handler's vector, which no check reads but to
            // word its evidence: the two runs go on alike.
            return null;
        }
        // The image's ghost as its representative's: equal up to the class's vectors (compared above).
        return new CheckState.Image(c, o.withCrossing(r.crossing().withVectorRenamed(vc.b().number(), vc.a().number())),
                words);
    }

    /** One step of the explored system from {@code s}, the image aside. */
    private Taken takeOne(CheckState s, Choice ch, boolean lockup) {
        int c = ch.action().cpu();
        Step st = forgetting(() -> resume(s, ch.action(), machine.next(s.machine(), ch.action())), ch.action()::toString);
        // The checks judge the step as taken; the state it leads to holds the driver's registers as ⊤.
        MachineState held = machine.clobberDriverControl(st.state());
        MachineState next = deadStacks == null ? held
                : forgetting(() -> deadStacks.canonical(s.machine(), gateStackPointer(deadThreads.canonical(held))),
                        ch.action()::toString);
        if (writeOnly != null) {
            writeOnly.observe(st.events(), ch.action()::toString);
            next = writeOnly.canonical(next);
        }
        int from = machine.viewOf(s.machine(), c);
        LineCoverage.Context where = null;
        for (var e : st.events()) {
            if (e instanceof org.lvdcheck.emulator.machine.Event.Executed x && x.insn() != null) {
                if (where == null) {
                    where = lineContext(s.machine(), c, from);
                }
                coverage.record(x.insn(), where);
            }
        }
        witnesses.observe(s.machine(), ch.action(), st);
        invept.observe(st);
        ownership.observe(s.machine(), c, st);
        CheckState n = ch.source() >= 0 ? s.fired(ch.source(), cpus, c, next) : s.withMachine(next);
        StepChecks.Checked checked = forgetting(() -> checks.step(s.machine(), s.caller(), s.crossing(), ch.action(),
                st), () -> "a check of " + ch.action());
        if (from > 0 && machine.viewOf(next, c) == 0) {
            n = n.withCaller(c, from);
        }
        n = n.withCrossing(checked.crossing());
        n = n.withResume(c, resumesInTransitionCode(s, c, next, checked.crossing()) ? frameRflags(s.machine(), c) : -1);
        if (transparency != null) {
            n = n.withDeferred(deferred(s, ch.action(), st, next, checked.violations().isEmpty()));
        }
        Taken t = new Taken(ch, st, n, checked.violations());
        if (lockup) {
            String locked = lockups.after(s, t);
            if (locked != null) {
                t = new Taken(ch, st, n, List.of(new Violation(org.lvdcheck.properties.PropertyId.AVAIL.name(), locked)));
            }
        }
        return t;
    }

    /**
     * The deferred-arrival bits after {@code a} (docs/MODEL.md, "Coarse interrupt points"). The acting
     * CPU's bit is set when its step was interrupt-transparent and interrupts could arrive at it
     * before the step (explored there, or themselves deferred to an earlier point), and cleared
     * otherwise; another CPU's bit survives the step only when the step left that CPU as it was.
     */
    private int deferred(CheckState s, Action a, Step st, MachineState next, boolean clean) {
        int mask = 0;
        for (int c = 0; c < cpus; c++) {
            boolean keep;
            if (c == a.cpu()) {
                keep = clean && transparency.transparent(s.machine(), a, st)
                        && (s.arrivalsDeferred(c) || arrivalsEnabled(s, c));
            } else {
                keep = s.arrivalsDeferred(c) && s.machine().cpu(c).equals(next.cpu(c));
            }
            if (keep) {
                mask |= 1 << c;
            }
        }
        return mask;
    }

    /**
     * A step from a state where CPU c resumes in transition code: the driver's jump, with the
     * control flags (AC, DF, TF, IF) the frame holds, as the IRETQ restores them, instead of the
     * handler's left in the registers.
     */
    private Step resume(CheckState s, Action a, Step st) {
        int c = a.cpu();
        if (!s.resumesInTransitionCode(c) || !(a instanceof Action.Driver)) {
            return st;
        }
        long frame = s.resumedFlags(c);
        var cpu = st.state().cpu(c);
        long flags = cpu.regs().rflags() & ~RESUMED_FLAGS | frame & RESUMED_FLAGS;
        return new Step(st.state().withCpu(c, cpu.withRegs(cpu.regs().withRflags(flags))), st.events());
    }

    /**
     * Whether CPU c's step from {@code s} was the IRETQ that popped the frame of an interrupt that found
     * the driver's registers in transition code (its handler, the thread's top one, is gone and RIP is
     * ⊤): the CPU then resumes at a transition-code instruction the next step chooses.
     */
    private boolean resumesInTransitionCode(CheckState s, int c, MachineState next, CrossingGhost after) {
        int t = s.machine().cpu(c).thread();
        if (t < 0 || !s.crossing().handling(t) || !s.crossing().topHandler(t).resumesInTransitionCode()) {
            return false;
        }
        return after.handlers(t).length == s.crossing().handlers(t).length - 1
                && next.cpu(c).regs().tainted(ArchRegs.T_RIP) && next.cpu(c).mode() == CpuMode.RUNNING;
    }

    /** Whether something pending can arrive at {@code cpu}, or some source can still fire there and its vector is deliverable. */
    private boolean arrivalsEnabled(CheckState s, int cpu) {
        if (!machine.pendingArrivals(s.machine(), cpu).isEmpty()) {
            return true;
        }
        for (int i = 0; i < sources.size(); i++) {
            if (s.firesLeft(i, cpus, cpu) != 0
                    && machine.enabled(s.machine(), new Action.Interrupt(cpu, sourceVector[i]))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code what}; a read of a byte the dead-stack reduction forgot ends the exploration
     * ({@link DeadStacks.Forgotten}): the reduction's assumption failed, so nothing explored
     * with it can be trusted.
     */
    private static <T> T forgetting(java.util.function.Supplier<T> what, java.util.function.Supplier<String> during) {
        try {
            return what.get();
        } catch (org.lvdcheck.emulator.mem.PhysMem.DeadRead e) {
            throw new DeadStacks.Forgotten("the dead-stack reduction forgot a byte that " + during.get() + " reads ("
                    + e.getMessage() + "); check again with --no-reduction", e);
        }
    }

    /** Whether interrupts arrive only at coarse interrupt points (an incomplete exploration). */
    public boolean coarseInterrupts() {
        return transparency != null;
    }

    /** The write-only words the reduction keeps at their initial values (none without reduction). */
    public java.util.List<WriteOnlyWords.Word> writeOnlyWords() {
        return writeOnly == null ? java.util.List.of() : writeOnly.words();
    }

    /** The stacks the dead-stack reduction tracks (none without reduction). */
    public int deadStackRegions() {
        return deadStacks == null ? 0 : deadStacks.regionCount();
    }

    /** A taken choice. */
    public record Taken(Choice choice, Step step, CheckState target, List<Violation> violations) {}

    /** Counts every state this system expands from now on in {@code p} (once per state: its first expansion). */
    public void profile(StateProfile p) {
        this.profile = p;
        p.symmetry(checks.symmetry());
        checks.mirrorStacks();
    }

    @Override
    public Expansion<CheckState> expand(CheckState s, boolean reduced) {
        return expand(s, reduced, 0);
    }

    /**
     * The successors with the CPUs in {@code asleep} left out (sleep sets, docs/MODEL.md
     * "Transactions"). Agents are CPUs; a step is a both-mover when it breaks no property and is
     * CPU-local (as for an ample set: it commutes with every step of every other CPU, C1) or is the
     * driver's jump into transition code. A CPU's key is the list of its choices. With more CPUs
     * than {@link Expansion#MAX_AGENTS} no agents are named (no sleep sets, and the cycle proviso is
     * judged at once).
     */
    @Override
    public Expansion<CheckState> expand(CheckState s, boolean reduced, int asleep) {
        s = unpacked(s);
        StateProfile p = profile;
        if (p != null && (reduced || !reduction)) {
            p.record(s);
        }
        List<Choice> all = choices(s);
        Taken[] taken = new Taken[all.size()];
        Object[] keys = keys(all);
        int present = Expansion.presentAgents(keys);
        asleep &= present;
        if (reduced && reduction) {
            Expansion<CheckState> r = reducedExpansion(s, all, taken, asleep, keys);
            if (r != null) {
                return r;
            }
        }
        List<Transition<CheckState>> ts = new ArrayList<>(all.size());
        int[] agents = new int[all.size()];
        java.util.BitSet movers = new java.util.BitSet();
        boolean[] global = new boolean[cpus]; // for the state profile only
        // Why each CPU kept this state from a reduced expansion (`check --state-profile`).
        boolean why = p != null && reduced && reduction && Integer.bitCount(present & ~asleep) >= 2;
        if (why) {
            p.countFullExpansion();
        }
        for (int i = 0; i < all.size(); i++) {
            int c = all.get(i).action().cpu();
            if (sleeps(asleep, c)) {
                continue;
            }
            Transition<CheckState> t = transition(s, all, taken, i);
            Action a = all.get(i).action();
            boolean clean = reduction && t.violations().isEmpty();
            // A driver's move is never CPU-local (CpuLocality.Why.OTHER_ACTION); its jump is a both-mover.
            boolean local = clean && !(a instanceof Action.Driver) && cpuLocal(s, taken[i]);
            if (local || clean && jumpIntoTransitionCode(a)) {
                movers.set(ts.size());
            }
            agents[ts.size()] = c;
            ts.add(t);
            if (why && !global[c] && !local) {
                global[c] = true;
                p.recordGlobal(s, c, all.get(i).label(), whyGlobal(s, taken[i]));
            }
        }
        if (why) {
            for (int c = 0; c < cpus; c++) {
                if (!global[c] && !sleeps(asleep, c) && machine.waitsOnLock(s.machine(), c)) {
                    p.recordGlobal(s, c, "its steps", "it waits on a spinlock another CPU may release");
                }
            }
        }
        if (cpus > Expansion.MAX_AGENTS) {
            return new Expansion<>(ts, false); // more CPUs than sleep sets track: no agents named
        }
        return new Expansion<>(ts, false, java.util.Arrays.copyOf(agents, ts.size()), keys, present & ~asleep, asleep,
                movers);
    }

    /**
     * Whether {@code a} is the driver's jump into transition code, a both-mover (docs/MODEL.md,
     * "Transactions"): it sets the CPU's registers, RIP and driver mark from the CPU's own registers and
     * the view's transition code, which no other CPU's step changes, and changes nothing another CPU's
     * step reads or what any other CPU can do.
     */
    private static boolean jumpIntoTransitionCode(Action a) {
        return a instanceof Action.Driver d && d.move() instanceof DriverMove.Jump;
    }

    /** Whether CPU c is among the asleep agents (only the first {@link Expansion#MAX_AGENTS} CPUs sleep). */
    private static boolean sleeps(int asleep, int c) {
        return c < Expansion.MAX_AGENTS && (asleep & 1 << c) != 0;
    }

    /** Each CPU's choices in {@code s}, the key sleep sets compare (null for a CPU with none). */
    @Override
    public Object[] agentKeys(CheckState s) {
        return keys(choices(s));
    }

    private Object[] keys(List<Choice> all) {
        Object[] keys = new Object[Math.min(cpus, Expansion.MAX_AGENTS)];
        int from = 0;
        for (int i = 1; i <= all.size(); i++) {
            if (i == all.size() || all.get(i).action().cpu() != all.get(from).action().cpu()) {
                int c = all.get(from).action().cpu();
                if (c < keys.length) {
                    keys[c] = List.copyOf(all.subList(from, i));
                }
                from = i;
            }
        }
        return keys;
    }

    /** The transition of choice i, taking it once: a reduced attempt's steps are reused by the full expansion. */
    private Transition<CheckState> transition(CheckState s, List<Choice> all, Taken[] taken, int i) {
        if (taken[i] == null) {
            taken[i] = take(s, all.get(i));
        }
        return new Transition<>(i, all.get(i).label(), taken[i].target(), taken[i].violations());
    }

    /**
     * The ample set of the lowest-numbered awake CPU all of whose steps are CPU-local and invisible,
     * or null when no awake CPU qualifies (or only one CPU can move, which needs no reduction).
     */
    private Expansion<CheckState> reducedExpansion(CheckState s, List<Choice> all, Taken[] taken, int asleep,
            Object[] keys) {
        // The choices come per CPU in ascending order (Machine#actions): CPU c's are [start[c], start[c + 1]).
        int[] start = new int[cpus + 1];
        int movers = 0;
        for (int c = 0, i = 0; c < cpus; c++) {
            start[c] = i;
            while (i < all.size() && all.get(i).action().cpu() == c) {
                i++;
            }
            movers += i > start[c] ? 1 : 0;
            start[c + 1] = i;
        }
        if (movers < 2) {
            return null;
        }
        for (int c = 0; c < cpus; c++) {
            if (sleeps(asleep, c) || machine.waitsOnLock(s.machine(), c)) {
                // A waiting CPU's disabled call becomes enabled by another CPU's unlock: an ample set of its
                // other steps alone would break C1 (docs/MODEL.md, "Partial-order reduction").
                continue;
            }
            if (globalBeforeTaken(s, all.subList(start[c], start[c + 1]), c)) {
                continue;
            }
            List<Transition<CheckState>> ts = new ArrayList<>();
            boolean local = true;
            for (int i = start[c]; i < start[c + 1] && local; i++) {
                Transition<CheckState> t = transition(s, all, taken, i);
                local = t.violations().isEmpty() && cpuLocal(s, taken[i]);
                ts.add(t);
            }
            if (local && !ts.isEmpty()) {
                if (cpus > Expansion.MAX_AGENTS) {
                    return new Expansion<>(ts, true);
                }
                int[] agents = new int[ts.size()];
                java.util.Arrays.fill(agents, c);
                java.util.BitSet both = new java.util.BitSet();
                both.set(0, ts.size()); // CPU-local and breaking nothing: both-movers
                return new Expansion<>(ts, true, agents, keys, 1 << c, asleep, both);
            }
        }
        return null;
    }

    /** Whether one of CPU c's choices {@code own} is global before it is taken ({@link CpuLocality#globalBeforeTaken}). */
    private boolean globalBeforeTaken(CheckState s, List<Choice> own, int c) {
        var next = machine.nextInstruction(s.machine(), c);
        for (Choice ch : own) {
            if (CpuLocality.globalBeforeTaken(ch.action(), next)) {
                return true;
            }
        }
        return false;
    }

    /**
     * INV1-INV3 do not cut: they are facts about the mappings, and what a domain can do through
     * a mapping they object to is already in the semantics — a frame it can write is havoc
     * memory for every trusted reader. INV5 does not cut: a value left unrestored or handed to a
     * domain keeps its label, and every later use of it is checked (TAINT); nor do DSAFE and DINTEG,
     * for the same reason (a kernel value in a message word; a kernel handler's use of a domain's
     * value is a use of ⊤ whose step ends there, as TAINT's). ENTRY does not cut:
     * it is about the static layout, and the driver's VMFUNC moves explore the landings
     * (docs/MODEL.md, "Violations that do not cut"). Every other property cuts.
     */
    @Override
    public boolean cuts(Violation v) {
        return switch (v.property()) {
            case "INV1", "INV2", "INV3", "INV5", "DSAFE", "DINTEG", "ENTRY" -> false;
            default -> true;
        };
    }

    /**
     * {@code s} with its memory's frames and frame set shared with the other states kept in this
     * generation ({@link PhysMem#interned}); when the heap is tight ({@link #tight}) also its memory
     * packed in shared runs of frames ({@link PhysMem#packed}) and its CPU states, threads and ghost
     * replaced by equal ones kept before: equal contents, less heap per state waiting in a
     * breadth-first level.
     */
    @Override
    public CheckState compact(CheckState s) {
        MachineState ms = s.machine();
        PhysMem m = ms.mem();
        CheckState out = s;
        if (!tight()) {
            PhysMem c = m.interned(interner);
            out = c == m ? s : s.withMachine(ms.withMem(c));
        } else {
            PhysMem c = m.packed(interner);
            List<CpuState> cs = canonical(ms.cpus(), cpuPool);
            List<ThreadState> ts = canonical(ms.threads(), threadPool);
            if (c != m || cs != ms.cpus() || ts != ms.threads()) {
                out = out.withMachine(new MachineState(c, cs, ts, ms.killedDomains(), ms.killIpis()));
            }
            out = out.withCrossing(ghostPool.computeIfAbsent(s.crossing(), g -> g));
        }
        CheckState.Image img = s.image();
        if (img != null) {
            CheckState is = compact(img.state());
            out = is == img.state() ? out : out.withImage(new CheckState.Image(img.cpu(), is, img.words()));
        }
        return out;
    }

    /**
     * Whether {@link #compact} packs memories and shares CPU states, threads and ghosts too: the
     * heap's old generation is at least 40% full
     * ({@link org.lvdcheck.checker.explore.HeapGauge#usedShare}, asked every {@link #TIGHT_EVERY}
     * compactions), or {@link #packKeptStates} says so. Packing costs the merge
     * time and saves the heap (docs/PERFORMANCE.md, session 35); a kept state is equal to the state
     * either way, so the choice changes no count, verdict or trace.
     */
    private boolean tight() {
        Boolean forced = packKeptStates;
        if (forced != null) {
            return forced;
        }
        if (compactions++ % TIGHT_EVERY == 0) {
            tight = org.lvdcheck.checker.explore.HeapGauge.OLD_GENERATION.usedShare() >= 0.4;
        }
        return tight;
    }

    private static final int TIGHT_EVERY = 1 << 12;
    private long compactions;
    private boolean tight;
    private volatile Boolean packKeptStates;

    /** Packs every kept state ({@code true}), none ({@code false}) or as the heap fills ({@code null}, the default). */
    public void packKeptStates(Boolean value) {
        packKeptStates = value;
    }

    /** {@code s} with its memory, and its image's, not packed ({@link PhysMem#unpacked}): what its steps read. */
    private static CheckState unpacked(CheckState s) {
        PhysMem m = s.machine().mem();
        PhysMem u = m.unpacked();
        CheckState out = u == m ? s : s.withMachine(s.machine().withMem(u));
        CheckState.Image img = s.image();
        if (img != null) {
            CheckState is = unpacked(img.state());
            out = is == img.state() ? out : out.withImage(new CheckState.Image(img.cpu(), is, img.words()));
        }
        return out;
    }

    /** {@code parts} with each element replaced by the equal one {@code pool} holds (itself when new); the same list when none changes. */
    private static <T> List<T> canonical(List<T> parts, Map<T, T> pool) {
        List<T> out = null;
        for (int i = 0; i < parts.size(); i++) {
            T x = parts.get(i);
            T y = pool.computeIfAbsent(x, k -> k);
            if (y != x) {
                if (out == null) {
                    out = new ArrayList<>(parts);
                }
                out.set(i, y);
            }
        }
        return out == null ? parts : out;
    }

    @Override
    public void newGeneration() {
        interner.clear();
        cpuPool.clear();
        threadPool.clear();
        ghostPool.clear();
    }

    @Override
    public long fingerprint(CheckState s, long seed) {
        CpuSymmetry sym = symmetry;
        CheckState.Image img = s.image();
        if (img == null) {
            return sym == null ? StateFingerprint.of(s, seed) : sym.orbitFingerprint(s, seed);
        }
        // With a vector-class image: the state and its image, each oriented as the state is.
        long a = withImage(StateFingerprint.of(s, seed), img.cpu(), StateFingerprint.of(img.state(), seed));
        if (sym == null) {
            return a;
        }
        int o = sym.orientation(s);
        if (o < 0) {
            return a;
        }
        long b = withImage(sym.mirrorFingerprint(s, seed), CpuSymmetry.cpu(img.cpu()),
                sym.mirrorFingerprint(img.state(), seed));
        return o > 0 ? b : Math.min(a, b);
    }

    private static long withImage(long state, int cpu, long image) {
        return org.lvdcheck.emulator.mem.Hash64.mix(org.lvdcheck.emulator.mem.Hash64.combine(
                org.lvdcheck.emulator.mem.Hash64.combine(state, 0x696D616765L + cpu), image));
    }

    /** The CPU symmetry the fingerprints identify states under ({@link #useCpuSymmetry}), or null. */
    private volatile CpuSymmetry symmetry;

    /**
     * From now on a state and its mirror image under the system's CPU symmetry have one fingerprint
     * (docs/MODEL.md, "CPU symmetry"); returns null, or the reason the system has none (then nothing
     * changes). Call before a search.
     */
    public String useCpuSymmetry() {
        CpuSymmetry.Derivation d = checks.symmetry();
        checks.mirrorStacks();
        symmetry = d.symmetry();
        return d.reason();
    }

    /**
     * From now on the second vector of the sources' class, where {@link VectorClasses} finds two with
     * the same gate and code, does not arrive on its own where no thread can be switched in: the
     * first's arrival stands for it, and the second's run is kept beside the first's as the state's
     * image and compared with it at every step (docs/MODEL.md, "Vector classes"). Returns what is
     * merged, or null when nothing is (no such pair). Call before a search.
     */
    public VectorClasses.Comparison useVectorClasses() {
        for (VectorClasses.Comparison c : VectorClasses.ofSources(machine.system())) {
            if (c.same()) {
                Map<Long, Long> p = new java.util.HashMap<>();
                for (List<Long> pair : c.pairs()) {
                    p.put(pair.get(0), pair.get(1));
                }
                var kernel = machine.system().images().get("kernel");
                p.put(kernel.symbol(c.a().handler()).orElseThrow(), kernel.symbol(c.b().handler()).orElseThrow());
                partner = Map.copyOf(p);
                samePairs = c.samePairs();
                vectorClass = c;
                return c;
            }
        }
        return null;
    }

    /** The vector class merged, or null. */
    public VectorClasses.Comparison vectorClass() {
        return vectorClass;
    }

    /** What the vector-class images found that the merge cannot stand for; the verdict cannot be holds. */
    public List<String> imageBreaches() {
        synchronized (imageBreaches) {
            return List.copyOf(imageBreaches);
        }
    }

    /**
     * Uses the CPU symmetry the spec's workload declares ({@code symmetry=cpus}); true if it does.
     *
     * @throws InputError at the workload line when it declares a symmetry the system does not have
     */
    public boolean useDeclaredCpuSymmetry(org.lvdcheck.spec.lvd.Model.Workload workload)
            throws org.lvdcheck.spec.InputError {
        if (!workload.cpuSymmetry()) {
            return false;
        }
        String none = useCpuSymmetry();
        if (none != null) {
            throw new org.lvdcheck.spec.InputError(workload.pos(), "symmetry=cpus: swapping the CPUs does not map "
                    + "this system onto itself: " + none);
        }
        return true;
    }

    /** The CPU symmetry in use, or null. */
    public CpuSymmetry cpuSymmetry() {
        return symmetry;
    }

    @Override
    public boolean swapsAgents() {
        return symmetry != null;
    }

    @Override
    public int orientation(CheckState s) {
        return symmetry == null ? -1 : symmetry.orientation(s);
    }

    /** Final: every thread of the workload has returned from its thread function. */
    @Override
    public boolean isFinal(CheckState s) {
        for (ThreadState t : s.machine().threads()) {
            if (t.status() != ThreadStatus.DONE) {
                return false;
            }
        }
        return true;
    }
}
