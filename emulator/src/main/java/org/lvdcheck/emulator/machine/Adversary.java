package org.lvdcheck.emulator.machine;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.asm.AsmParser;
import org.lvdcheck.spec.asm.Assembler;
import org.lvdcheck.spec.asm.IncludeResolver;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.lvd.Model;

/**
 * The compromised driver (DESIGN.md §3): which moves it can make on a CPU that runs its code,
 * and what each does. The repertoire is finite by the abstraction of docs/MODEL.md ("The
 * compromised driver"): every register the driver produces is ⊤, so a move is characterised by
 * what it fixes concretely.
 *
 * <ul>
 *   <li>{@link DriverMove.Vmfunc}: each class of EAX/ECX (every valid EPTP-list slot of this
 *       CPU, the lowest invalid slot, ECX = 512, EAX = 1, EAX = 64) from the first byte of each
 *       executable page of the driver's code and from each VMFUNC of transition code the domain
 *       can execute (whose landing at +3 in the other view is what matters).</li>
 *   <li>{@link DriverMove.Jump}: to every instruction of transition code the domain can execute
 *       and every label of its own code, with IF = 0 and IF = 1.</li>
 *   <li>{@link DriverMove.Privileged}: each privileged instruction class, through the executor
 *       and the hypervisor, so the VMCS and the spec's exit policy decide; in place of WRMSR to
 *       the x2APIC ICR, {@link DriverMove.IcrWrite}: to each CPU an NMI and a fixed IPI of each
 *       vector (16 and up) the spec declares.</li>
 *   <li>{@link DriverMove.Popf} (each IF/AC/DF/TF combination), {@link DriverMove.Write} (every
 *       frame the model tracks concretely that the domain can write on this CPU, in one move),
 *       {@link DriverMove.Raise} (each exception vector of the spec) and
 *       {@link DriverMove.EptViolation} (an access its EPT refuses).</li>
 * </ul>
 * Writes to havoc frames need no move: trusted readers see them as ⊤ anyway.
 */
public final class Adversary {
    /** What a move that leaves the driver sets to ⊤ (DESIGN.md §3, clobber): XCR0 and the control flags stay. */
    public static final long CLOBBERED = ArchRegs.T_GPRS | ArchRegs.T_FLAGS | ArchRegs.T_FS_BASE | ArchRegs.T_GS_BASE
            | ArchRegs.T_KERNEL_GS_BASE | ArchRegs.T_DR | ArchRegs.T_PKRU | ArchRegs.T_MXCSR | ArchRegs.T_X87
            | ArchRegs.T_SSE | ArchRegs.T_AVX;

    /**
     * MSRs the driver writes and reads: the syscall and sysenter entry points, EFER, the bases,
     * PAT, the x2APIC ICR (written with the values of {@link #icrValues}), and one no processor
     * defines.
     */
    static final long[] MSRS = {0x174, 0x175, 0x176, 0x277, 0x830, 0x1FFF, 0xC0000080L, 0xC0000081L, 0xC0000082L,
        0xC0000083L, 0xC0000084L, 0xC0000100L, 0xC0000101L, 0xC0000102L};
    /** A CPUID leaf in the hypercall range that the hypervisor does not implement, and a native leaf. */
    static final long UNKNOWN_HYPERCALL = 0x4BF000FFL, NATIVE_LEAF = 1;
    /** The TPR class the driver loads into CR8 (the highest: every maskable interrupt held off). */
    static final long TPR_CLASS = 0xF;

    private final LvdSystem system;
    private final Machine machine;
    /** [view][cpu] instruction addresses a jump may target; [view][cpu] VMFUNC sites; [view] a driver instruction. */
    private final long[][][] jumpTargets;
    /** [view][cpu] the jump targets that are transition code (not the driver's labels), ascending. */
    private final long[][][] transitionTargets;
    private final long[][][] vmfuncSites;
    private final long[] driverInstruction;
    /** [view][cpu] the move that writes every tracked frame the view writes on that CPU; null where there is none. */
    private final DriverMove.Write[][] writeMoves;
    private final Map<DriverMove.Kind, PlacedInstruction> templates = new EnumMap<>(DriverMove.Kind.class);
    private final PlacedInstruction vmfunc;
    private final List<Long> cpuidLeaves = new ArrayList<>();
    /**
     * The ICR values the driver writes: per destination APIC ID (the CPU numbers) ascending, an
     * NMI, then a fixed IPI of each vector of the spec from 16 up, ascending (0–15 are illegal
     * for fixed delivery). Physical destinations only: a shorthand reaches the same LAPICs as
     * one write per CPU.
     */
    private final List<Long> icrValues = new ArrayList<>();
    /**
     * Whether the driver's POPF sets AC together with DF and TF (flag classes, docs/MODEL.md "The
     * driver's moves"): no CPU starts with CR4.SMAP, the only thing in the machine that reads AC;
     * {@link #checkFlagClasses} stops any step that gives a CPU CR4.SMAP.
     */
    private final boolean acWithDfTf;

    Adversary(LvdSystem system, Machine machine) {
        this.system = system;
        this.machine = machine;
        int views = system.views().size();
        int cpus = system.cpus();
        jumpTargets = new long[views][cpus][];
        transitionTargets = new long[views][cpus][];
        vmfuncSites = new long[views][cpus][];
        driverInstruction = new long[views];
        writeMoves = new DriverMove.Write[views][cpus];
        movesMemo = new AtomicReferenceArray<>(views * cpus);
        boolean smap = false;
        for (int c = 0; c < cpus; c++) {
            smap |= (machine.initial().cpu(c).regs().cr4() & Cr4.SMAP) != 0;
        }
        acWithDfTf = !smap;
        if (!machine.compromised()) {
            vmfunc = null;
            return;
        }
        for (int v = 1; v < views; v++) {
            for (int c = 0; c < cpus; c++) {
                reach(v, c);
                long[] tracked = system.domainWrites().trackedWritable(v, c);
                if (tracked.length > 0) {
                    writeMoves[v][c] = new DriverMove.Write(java.util.Arrays.stream(tracked).boxed().toList());
                }
            }
        }
        for (DriverMove.Kind k : DriverMove.Kind.values()) {
            templates.put(k, assemble(k.source()));
        }
        vmfunc = assemble("vmfunc");
        TreeSet<Long> leaves = new TreeSet<>(List.of(Hypervisor.LEAF_ACK, Hypervisor.LEAF_PROMOTE,
                Hypervisor.LEAF_INSTALL_EPTP_LIST, Hypervisor.LEAF_ABORT, Hypervisor.LEAF_MAP_KERNEL_EPT,
                Hypervisor.LEAF_HALT, Hypervisor.LEAF_GATE_ABORT, UNKNOWN_HYPERCALL, NATIVE_LEAF));
        system.spec().hypercallPolicies().forEach(h -> leaves.add(h.leaf()));
        cpuidLeaves.addAll(leaves);
        int[] fixed = system.spec().vectors().stream().mapToInt(Model.Vector::number).filter(n -> n >= 16).sorted()
                .distinct().toArray();
        for (int dest = 0; dest < cpus; dest++) {
            long to = (long) machine.initial().cpu(dest).lapic().apicId() << 32;
            icrValues.add(to | 4L << 8 | Vectors.NMI);
            for (int v : fixed) {
                icrValues.add(to | v);
            }
        }
    }

    /**
     * {@code cpu}'s registers with every register a driver move does not fix set to ⊤ (DESIGN.md
     * §3, clobber). The debug registers stay when the VMCS sets MOV-DR exiting: the driver can
     * then change them only through an exit the hypervisor decides (the {@code movq %rax, %db7}
     * move), not behind its back.
     */
    public static ArchRegs clobber(CpuState cpu) {
        long mask = cpu.vmcs().movDrExiting() ? CLOBBERED & ~ArchRegs.T_DR : CLOBBERED;
        return cpu.regs().withTaint(mask, true);
    }

    /**
     * Where the driver of view v can go on CPU c: every instruction linked at an address the view
     * executes on that CPU (with the kernel's CR3, as at build) that is transition code, every
     * label of the view's own code, and the VMFUNC sites.
     */
    private void reach(int v, int c) {
        String name = system.viewName(v);
        TreeSet<Long> targets = new TreeSet<>();
        TreeSet<Long> transition = new TreeSet<>();
        TreeSet<Long> sites = new TreeSet<>();
        long first = Long.MAX_VALUE;
        PagingRegs regs = PagingRegs.of(machine.initial().cpu(c).regs()).withCpl(0);
        EptGuestPhysical gp = new EptGuestPhysical(machine.initial().mem(), system.eptps()[v][c], system.caps());
        for (Map.Entry<Long, LvdSystem.CodeAt> e : system.code().entrySet()) {
            LvdSystem.CodeAt at = e.getValue();
            long a = at.insn().address();
            PagingResult r = GuestPaging.translate(regs, a, LinearAccess.FETCH, gp);
            if (!(r instanceof PagingResult.Ok ok) || ok.hpa() != e.getKey()) {
                continue;
            }
            if (machine.isDriverCode(v, e.getKey())) {
                if (at.view().equals(name)) {
                    sites.add(a & ~0xFFFL);
                    first = Math.min(first, a);
                    if (system.images().get(name).symbolAt(a).isPresent()) {
                        targets.add(a);
                    }
                }
            } else {
                targets.add(a);
                transition.add(a);
                if (at.insn().insn().mnemonic() == Mnemonic.VMFUNC) {
                    sites.add(a);
                }
            }
        }
        jumpTargets[v][c] = targets.stream().mapToLong(Long::longValue).toArray();
        transitionTargets[v][c] = transition.stream().mapToLong(Long::longValue).toArray();
        vmfuncSites[v][c] = sites.stream().mapToLong(Long::longValue).toArray();
        driverInstruction[v] = first == Long.MAX_VALUE ? 0 : first;
    }

    private static PlacedInstruction assemble(String source) {
        try {
            var unit = AsmParser.parse("driver-move.s", source + "\n", IncludeResolver.none());
            return Assembler.link(List.of(unit), Map.of(".text", 0L), Map.of()).instructions().get(0);
        } catch (InputError e) {
            throw new IllegalStateException("the model's own instruction does not assemble: " + source, e);
        }
    }

    // ---- enumeration ---------------------------------------------------------------------

    /**
     * The last move list built for each [view][cpu] slot ({@code view * cpus + cpu}), with what it
     * was built from: the frame of the CPU's EPTP list (its token) and the VMCS's CR3-target
     * values. Everything else a move list depends on is fixed when the adversary is built.
     */
    private final AtomicReferenceArray<MovesMemo> movesMemo;

    private record MovesMemo(long listAddress, Object listFrame, long[] cr3Targets, List<Action> moves) {}

    /**
     * Every move the driver can make on CPU c in state s, in a fixed order (an unmodifiable list);
     * none unless c runs driver code. The list is remembered per view and CPU and given again
     * while the CPU's EPTP-list frame and CR3-target values are the same (a state in driver
     * control is expanded, and its moves listed, many times).
     */
    public List<Action> moves(MachineState s, int c) {
        if (!machine.compromised() || s.cpu(c).mode() != CpuMode.RUNNING || !machine.inDriverCode(s, c)) {
            return List.of();
        }
        int v = machine.viewOf(s, c);
        var vmcs = s.cpu(c).vmcs();
        long list = vmcs.eptpListAddress();
        // The list is one 4 KiB frame when it is aligned (as VM entry requires of the EPTP-list address).
        Object frame = (list & (PhysMem.FRAME_SIZE - 1)) == 0 ? s.mem().frameToken(list >>> PhysMem.FRAME_SHIFT) : null;
        int slot = v * system.cpus() + c;
        MovesMemo memo = movesMemo.get(slot);
        if (memo != null && frame != null && memo.listFrame() == frame && memo.listAddress() == list
                && sameCr3Targets(memo.cr3Targets(), vmcs)) {
            return memo.moves();
        }
        List<Action> out = java.util.Collections.unmodifiableList(buildMoves(s, c, v));
        if (frame != null) {
            long[] cr3 = new long[vmcs.cr3TargetCount()];
            for (int i = 0; i < cr3.length; i++) {
                cr3[i] = vmcs.cr3Target(i);
            }
            movesMemo.set(slot, new MovesMemo(list, frame, cr3, out));
        }
        return out;
    }

    /** Whether the VMCS holds exactly the CR3-target values {@code cr3}. */
    private static boolean sameCr3Targets(long[] cr3, Vmcs vmcs) {
        if (cr3.length != vmcs.cr3TargetCount()) {
            return false;
        }
        for (int i = 0; i < cr3.length; i++) {
            if (cr3[i] != vmcs.cr3Target(i)) {
                return false;
            }
        }
        return true;
    }

    private List<Action> buildMoves(MachineState s, int c, int v) {
        List<Action> out = new ArrayList<>(1 << 11);
        List<long[]> classes = vmfuncClasses(s, c);
        for (long site : vmfuncSites[v][c]) {
            for (long[] k : classes) {
                out.add(new Action.Driver(c, new DriverMove.Vmfunc(k[0], k[1], site)));
            }
        }
        for (long t : jumpTargets[v][c]) {
            out.add(new Action.Driver(c, new DriverMove.Jump(t, false)));
            out.add(new Action.Driver(c, new DriverMove.Jump(t, true)));
        }
        for (DriverMove p : privileged(s, c)) {
            out.add(new Action.Driver(c, p));
        }
        for (int bits = 0; bits < 8; bits++) {
            boolean ifFlag = (bits & 1) != 0, ac = (bits & 2) != 0, dfTf = (bits & 4) != 0;
            if (!acWithDfTf || ac == dfTf) {
                out.add(new Action.Driver(c, new DriverMove.Popf(ifFlag, ac, dfTf, dfTf)));
            }
        }
        if (writeMoves[v][c] != null) {
            out.add(new Action.Driver(c, writeMoves[v][c]));
        }
        system.spec().vectors().stream().filter(x -> x.vectorClass() == Model.VectorClass.EXCEPTION)
                .mapToInt(Model.Vector::number).sorted()
                .forEach(n -> out.add(new Action.Driver(c, new DriverMove.Raise(n))));
        out.add(new Action.Driver(c, new DriverMove.EptViolation()));
        return out;
    }

    /** EAX/ECX classes of VMFUNC on CPU c: every valid slot, the lowest invalid one, 512; EAX 1 and 64. */
    private List<long[]> vmfuncClasses(MachineState s, int c) {
        List<long[]> out = new ArrayList<>();
        long list = s.cpu(c).vmcs().eptpListAddress();
        int invalid = -1;
        for (int i = 0; i < 512; i++) {
            if (Eptp.validForVmfunc(s.mem().read(list + 8L * i, 8), system.caps())) {
                out.add(new long[] {0, i});
            } else if (invalid < 0) {
                invalid = i;
            }
        }
        if (invalid >= 0) {
            out.add(new long[] {0, invalid});
        }
        out.add(new long[] {0, 512});
        out.add(new long[] {1, 0});
        out.add(new long[] {64, 0});
        return out;
    }

    private List<DriverMove> privileged(MachineState s, int c) {
        List<DriverMove> out = new ArrayList<>();
        var vmcs = s.cpu(c).vmcs();
        for (DriverMove.Kind k : DriverMove.Kind.values()) {
            switch (k) {
                case MOV_TO_CR3_TARGET -> {
                    TreeSet<Long> values = new TreeSet<>();
                    for (int i = 0; i < vmcs.cr3TargetCount(); i++) {
                        values.add(vmcs.cr3Target(i));
                    }
                    values.forEach(t -> out.add(new DriverMove.Privileged(k, t)));
                }
                case MOV_TO_CR8 -> out.add(new DriverMove.Privileged(k, TPR_CLASS));
                case WRMSR, RDMSR -> {
                    for (long msr : MSRS) {
                        if (k == DriverMove.Kind.WRMSR && msr == Hypervisor.MSR_X2APIC_ICR) {
                            icrValues.forEach(v -> out.add(new DriverMove.IcrWrite(v)));
                        } else {
                            out.add(new DriverMove.Privileged(k, msr));
                        }
                    }
                }
                case CPUID -> cpuidLeaves.forEach(l -> out.add(new DriverMove.Privileged(k, l)));
                default -> out.add(new DriverMove.Privileged(k, -1));
            }
        }
        return out;
    }

    /**
     * The premise of the flag classes, checked on every step of the compromised machine: when the
     * driver's POPF sets AC with DF and TF, no CPU may get CR4.SMAP (with it, AC decides whether
     * trusted code's access to a user page faults, and the classes no longer cover every value).
     */
    void checkFlagClasses(MachineState n, List<Event> ev) {
        if (!acWithDfTf) {
            return;
        }
        for (int c = 0; c < n.cpus().size(); c++) {
            if ((n.cpu(c).regs().cr4() & Cr4.SMAP) != 0) {
                throw new FlagClassesBroken("cpu" + c + " has CR4.SMAP set, where the driver's POPF moves set AC with DF "
                        + "and TF (they cover every AC value only while no CPU has SMAP)");
            }
        }
    }

    /**
     * Whether CPU c runs trusted code under a domain's EPT at an instruction the driver's jumps
     * reach (transition code), whatever its registers hold.
     */
    boolean trustedInTransitionCode(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        if (!machine.compromised() || cpu.mode() != CpuMode.RUNNING || cpu.regs().tainted(ArchRegs.T_RIP)) {
            return false;
        }
        int v = machine.viewOf(s, c);
        if (v < 1 || transitionTargets[v][c] == null
                || java.util.Arrays.binarySearch(transitionTargets[v][c], cpu.regs().rip()) < 0) {
            return false;
        }
        return !machine.inDriverCode(s, c); // a page walk: last (under another CR3 the address may be the driver's)
    }

    /**
     * Whether an interrupt that finds CPU c where it is is delivered as one in driver control
     * (docs/MODEL.md, "Resuming in transition code"): the CPU runs trusted transition code under a
     * domain's EPT, and either the driver's jump entered that run (its registers are then the
     * driver's, or values trusted code computed from them) or every register a driver move leaves ⊤
     * is ⊤ (the state a jump there makes).
     */
    boolean interruptedAsDriver(MachineState s, int c) {
        CpuState cpu = s.cpu(c);
        return trustedInTransitionCode(s, c) && (cpu.driverEntered() || clobber(cpu).equals(cpu.regs()));
    }

    /**
     * Keeps each CPU's {@link CpuState#driverEntered} mark true to a step by {@code a} from {@code s}
     * that reached {@code n} with events {@code ev}: the driver's jump into transition code sets it,
     * and so does its VMFUNC that lands there in the view it left ({@link #enters}); a delivery on the
     * acting CPU clears it (the handler's entry runs from the hardware's frame, not from the driver's
     * jump), and so does every state in which a CPU no longer runs trusted transition code under a
     * domain's EPT.
     */
    MachineState settleDriverEntered(MachineState s, MachineState n, Action a, List<Event> ev) {
        int c = a.cpu();
        if (a instanceof Action.Driver d && enters(d.move(), s, n, c, ev) && trustedInTransitionCode(n, c)) {
            n = n.withCpu(c, n.cpu(c).withDriverEntered(true));
        } else if (n.cpu(c).driverEntered() && ev.stream().anyMatch(e -> e instanceof Event.Delivered)) {
            n = n.withCpu(c, n.cpu(c).withDriverEntered(false));
        }
        for (int k = 0; k < n.cpus().size(); k++) {
            if (n.cpu(k).driverEntered() && !trustedInTransitionCode(n, k)) {
                n = n.withCpu(k, n.cpu(k).withDriverEntered(false));
            }
        }
        return n;
    }

    /**
     * Whether the driver's {@code move} from {@code s}, which led to {@code n} with events {@code ev},
     * hands CPU c to the instruction it targets with the driver's registers in the view the driver
     * holds the CPU in: a jump, or a VMFUNC that completed (no event delivered, RIP the instruction
     * after the VMFUNC at its site) without leaving the driver's view. A VMFUNC into another domain's
     * view is not: no driver need hold a CPU there, so its jumps there are not the driver's to make.
     */
    private boolean enters(DriverMove move, MachineState s, MachineState n, int c, List<Event> ev) {
        if (move instanceof DriverMove.Jump) {
            return true;
        }
        return move instanceof DriverMove.Vmfunc v && n.cpu(c).regs().rip() == v.site() + vmfunc.bytes().length
                && machine.viewOf(n, c) == machine.viewOf(s, c)
                && ev.stream().noneMatch(e -> e instanceof Event.Delivered);
    }

    /**
     * The registers of {@code cpu} as the driver's jump to its instruction leaves them: every register
     * a driver move clobbers is ⊤ with the canonical value 0 (a ⊤ word of memory holds 0 too), so
     * states that differ only in what trusted code had computed from the driver's registers before
     * an interrupt are one.
     */
    static ArchRegs clobberCanonical(CpuState cpu) {
        ArchRegs.Builder b = cpu.regs().toBuilder();
        for (int n = 0; n < 16; n++) {
            b.gpr(n, 0);
        }
        ArchRegs r = b.build();
        r = r.withRflags(r.rflags() & ~ArchRegs.STATUS_FLAGS).withFsBase(0).withGsBase(0).withKernelGsBase(0);
        return clobber(cpu.withRegs(r));
    }

    /** Whether {@code target} is a transition-code instruction the driver of view v can jump to on CPU c. */
    public boolean transitionTarget(int v, int c, long target) {
        return v >= 1 && v < transitionTargets.length && transitionTargets[v][c] != null
                && java.util.Arrays.binarySearch(transitionTargets[v][c], target) >= 0;
    }

    /** Whether the driver's POPF sets AC together with DF and TF. */
    public boolean acWithDfTf() {
        return acWithDfTf;
    }

    /** A step gave a CPU CR4.SMAP while the driver's POPF moves set AC with DF and TF: the classes do not apply. */
    public static final class FlagClassesBroken extends RuntimeException {
        FlagClassesBroken(String message) {
            super(message);
        }
    }

    // ---- application ---------------------------------------------------------------------

    /** Applies {@code move} of the driver on CPU c. */
    MachineState apply(MachineState s, int c, DriverMove move, List<Event> ev) {
        if (s.cpu(c).mode() != CpuMode.RUNNING || !machine.inDriverCode(s, c)) {
            throw new IllegalArgumentException("cpu" + c + " does not run driver code: " + move + " is not enabled");
        }
        ev.add(new Event.DriverMoved(move.toString()));
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        if (move instanceof DriverMove.Vmfunc m) {
            ArchRegs in = clobber(cpu).withGpr(ArchRegs.RAX, m.eax()).withGpr(ArchRegs.RCX, m.ecx()).withRip(m.site());
            MachineState at = s.withCpu(c, cpu.withRegs(in));
            PlacedInstruction pi = place(vmfunc, m.site());
            executed(at, c, pi, ev);
            return machine.run(at, c, pi, true, null, -1, ev);
        }
        if (move instanceof DriverMove.Jump j) {
            long flags = j.interruptsEnabled() ? r.rflags() | Rflags.IF : r.rflags() & ~Rflags.IF;
            ArchRegs in = clobber(cpu).withRip(j.target()).withRflags(flags).withBlockingBySti(false)
                    .withBlockingByMovSs(false);
            return s.withCpu(c, cpu.withRegs(in));
        }
        if (move instanceof DriverMove.Privileged p) {
            return privileged(s, c, p, ev);
        }
        if (move instanceof DriverMove.IcrWrite w) {
            return privileged(s, c, DriverMove.Kind.WRMSR, in -> in.withGpr(ArchRegs.RCX, Hypervisor.MSR_X2APIC_ICR)
                    .withGpr(ArchRegs.RAX, w.icr() & 0xFFFF_FFFFL).withGpr(ArchRegs.RDX, w.icr() >>> 32), ev);
        }
        if (move instanceof DriverMove.Popf p) {
            long control = (p.ifFlag() ? Rflags.IF : 0) | (p.ac() ? Rflags.AC : 0) | (p.df() ? Rflags.DF : 0)
                    | (p.tf() ? Rflags.TF : 0);
            long flags = r.rflags() & ~(Rflags.IF | Rflags.AC | Rflags.DF | Rflags.TF) | control;
            ArchRegs in = clobber(cpu).withRflags(flags).withTaint(ArchRegs.T_RIP, true);
            return s.withCpu(c, cpu.withRegs(in));
        }
        if (move instanceof DriverMove.Write) {
            return machine.domainWritesThroughTop(s, c, machine.viewOf(s, c));
        }
        if (move instanceof DriverMove.EptViolation) {
            return machine.eptViolation(s.withCpu(c, cpu.withRegs(clobber(cpu))), c, ev, move.toString());
        }
        DriverMove.Raise x = (DriverMove.Raise) move;
        MachineState in = s.withCpu(c, cpu.withRegs(clobber(cpu)));
        return machine.exception(in, c, x.vector(), Vectors.hasErrorCode(x.vector()) ? OptionalLong.of(0)
                : OptionalLong.empty(), 0, ev, "the driver raises vector " + x.vector());
    }

    /**
     * A privileged instruction, placed at the driver's RIP (or, when that is ⊤, at an instruction
     * of its code) and run with the registers clobbered and the move's operand set. When it
     * completes, or the hypervisor emulates it and resumes the driver right after it, the driver
     * goes on somewhere in its code: RIP ⊤.
     */
    private MachineState privileged(MachineState s, int c, DriverMove.Privileged p, List<Event> ev) {
        return privileged(s, c, p.kind(), in -> switch (p.kind()) {
            case MOV_TO_CR3_TARGET, MOV_TO_CR8 -> in.withGpr(ArchRegs.RAX, p.operand());
            case WRMSR, RDMSR -> in.withGpr(ArchRegs.RCX, p.operand());
            case XSETBV -> in.withGpr(ArchRegs.RCX, 0);
            case WRPKRU -> in.withGpr(ArchRegs.RCX, 0).withGpr(ArchRegs.RDX, 0);
            case CPUID -> in.withGpr(ArchRegs.RAX, p.operand());
            default -> in;
        }, ev);
    }

    /** Privileged instruction {@code kind} with the clobbered registers as {@code operands} fixes them. */
    private MachineState privileged(MachineState s, int c, DriverMove.Kind kind,
                                    java.util.function.UnaryOperator<ArchRegs> operands, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        int v = machine.viewOf(s, c);
        ArchRegs r = cpu.regs();
        long at = r.tainted(ArchRegs.T_RIP) ? driverInstruction[v] : r.rip();
        ArchRegs in = operands.apply(clobber(cpu).withRip(at));
        PlacedInstruction pi = place(templates.get(kind), at);
        MachineState before = s.withCpu(c, cpu.withRegs(in));
        executed(before, c, pi, ev);
        MachineState n = machine.run(before, c, pi, true, null, -1, ev);
        CpuState after = n.cpu(c);
        boolean stayed = machine.viewOf(n, c) == v && (after.mode() == CpuMode.RUNNING || after.mode() == CpuMode.HALTED)
                && !after.regs().tainted(ArchRegs.T_RIP) && after.regs().rip() == pi.end();
        return stayed ? n.withCpu(c, after.withRegs(after.regs().withTaint(ArchRegs.T_RIP, true))) : n;
    }

    /** The driver's instruction as executed at its place (HPA -1 where the place does not translate). */
    private void executed(MachineState s, int c, PlacedInstruction pi, List<Event> ev) {
        int v = machine.viewOf(s, c);
        ev.add(new Event.Executed(pi.address(), machine.hostAddress(s, c, pi.address()), machine.system().viewName(v), pi));
    }

    private static PlacedInstruction place(PlacedInstruction template, long address) {
        return new PlacedInstruction(address, template.bytes(), template.insn(), template.pos(), template.sites());
    }
}
