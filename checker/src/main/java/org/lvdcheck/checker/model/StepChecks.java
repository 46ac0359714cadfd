package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.properties.mapping.MappingAnalysis;
import org.lvdcheck.properties.mapping.MappingCache;
import org.lvdcheck.properties.mapping.MappingViolation;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.RegKind;
import org.lvdcheck.spec.asm.RegOp;

/**
 * The explicit checks over one step (DESIGN.md §4) that lvdcheck evaluates on every explored
 * transition. Each returns the evidence of a violation, or nothing. The statements are in
 * docs/PROPERTIES.md; the checks here are:
 * <ul>
 * <li>AVAIL: the step stopped a CPU (the hypervisor halted it: abort hypercall, unhandled exit,
 * triple fault; or a kernel oops).</li>
 * <li>INV4: a step from a domain changed interceptable sensitive state — a sensitive exit the
 * hypervisor emulated for a domain origin, or a CR/DR/EFER/XCR0/descriptor-table register that
 * changed under a domain's EPT outside transition code.</li>
 * <li>EXEC: an instruction ran from a page not owned by the active EPT's view, transition code
 * aside.</li>
 * <li>CALL: the dispatcher ran a function the calling domain's IDL does not declare.</li>
 * <li>TAINT: trusted code or hardware used a ⊤ value (the driver's) as an address, stack
 * pointer, RIP, segment base, control-register operand or frame field
 * ({@link Event.TaintUse}).</li>
 * <li>INV1, INV2, INV3 (state properties, DESIGN.md §6): every mapping of the initial state, and
 * of each state a step reaches when the step may have changed a mapping — a written
 * paging-structure frame (a guest table or EPT of any view, an EPTP-list page), a new EPTP list,
 * CR3 or CR3-target value, a killed domain ({@link MappingCache#mayDiffer}); other steps keep
 * their source's analysis, which was checked. A step reports the violations its target has and
 * its source had not: the explorer expands no state that breaks a checked property, so for
 * those that is every violation, and a state property left unchecked does not make every
 * step that changes a mapping visible.</li>
 * <li>INV5 and IRQ ({@link CrossingChecks}): registers restored at the RET of a kernel gate call,
 * no kernel value handed to a domain, interrupt handling under the kernel EPT on stacks no other
 * CPU's domain writes, and an IRET that resumes the interrupted context; both keep a
 * {@link CrossingGhost} in the explored state.</li>
 * <li>DSAFE and DINTEG ({@link MessageChecks}): at a step into driver code, no kernel value in a
 * message word (DINTEG for a word the domain's IDL declares, DSAFE for one it does not); a
 * kernel RPC handler's use of ⊤ is DINTEG as well as TAINT.</li>
 * <li>ENTRY (a state property, {@link EntryPoints}): where a domain's VMFUNC lands in the other
 * views; checked on the initial state and on each state whose mappings or scanned code may have
 * changed, reporting what a step breaks anew, like INV1-INV3.</li>
 * </ul>
 */
public final class StepChecks {
    /** The properties whose checks this version evaluates; the others are reported not-checked. */
    public static final java.util.Set<PropertyId> CHECKED = java.util.Collections.unmodifiableSet(
            java.util.EnumSet.of(PropertyId.INV4, PropertyId.EXEC, PropertyId.CALL, PropertyId.TAINT,
                    PropertyId.AVAIL, PropertyId.INV1, PropertyId.INV2, PropertyId.INV3, PropertyId.INV5,
                    PropertyId.IRQ, PropertyId.ENTRY, PropertyId.DSAFE, PropertyId.DINTEG));

    private final Machine machine;
    private final LvdSystem system;
    private final TransitionCode transition;
    private final CpuSymmetry.Derivation symmetry;

    public StepChecks(Machine machine) {
        this.machine = machine;
        this.system = machine.system();
        this.transition = new TransitionCode(system);
        this.mappings = new MappingCache(system, MAPPINGS_KEPT);
        this.symmetry = CpuSymmetry.derive(machine);
        this.crossing = new CrossingChecks(machine, transition, mappings);
        this.entry = new EntryPoints(system, transition);
        entry.of(machine.initial(), mappings.analysisOf(machine.initial()));
        mappings.watch(entry.framesWatched());
    }

    /** The system's CPU symmetry, or why it has none (docs/MODEL.md, "CPU symmetry"). */
    public CpuSymmetry.Derivation symmetry() {
        return symmetry;
    }

    /**
     * Keeps in each handler's ghost record the hash of its stack's mirror image as well, which σ
     * needs to map the ghost: for a search or a profile that identifies states under σ.
     */
    void mirrorStacks() {
        if (symmetry.symmetry() != null) {
            crossing.mirrorStacks(symmetry.symmetry());
        }
    }

    public TransitionCode transitionCode() {
        return transition;
    }

    /** Checks of the initial state: the state properties (INV1, INV2, INV3, ENTRY). */
    public List<Violation> initial(MachineState s) {
        List<Violation> out = mappingViolations(s);
        for (EntryPoints.Landing l : entryOf(s).landings) {
            out.add(new Violation(PropertyId.ENTRY.name(), l.evidence()));
        }
        return out;
    }

    /** The checks of one step, and the ghost of the state it reached. */
    public record Checked(List<Violation> violations, CrossingGhost crossing) {}

    /** The kernel-only values INV5 looks for in a domain's registers. */
    public KernelValues kernelValues() {
        return crossing.kernelValues();
    }

    /**
     * @param before a state these checks have seen: the initial state or the target of a step
     *               checked here (INV1-INV3 are rechecked only where the step may have changed a
     *               mapping of it, and report what {@code before} did not break)
     * @param caller per CPU, the domain view the CPU last left for the kernel (a ghost field of
     *               the explored state; the dispatcher itself does not know who called)
     */
    public List<Violation> step(MachineState before, int[] caller, Action a, Step st) {
        return step(before, caller, CrossingGhost.NONE, a, st).violations();
    }

    /**
     * As {@link #step(MachineState, int[], Action, Step)}, with the crossing ghost of {@code before}
     * (INV5, IRQ); returns the violations and the ghost of the state the step reached.
     */
    public Checked step(MachineState before, int[] caller, CrossingGhost ghost, Action a, Step st) {
        List<Violation> out = new ArrayList<>();
        int c = a.cpu();
        int view = machine.viewOf(before, c);
        Event.Executed executed = null;
        boolean delivery = false;
        for (Event e : st.events()) {
            if (e instanceof Event.Delivered || e instanceof Event.Fault) {
                delivery = true;
            }
            if (e instanceof Event.Executed x) {
                executed = x;
            } else if (e instanceof Event.Stopped stop) {
                out.add(new Violation(PropertyId.AVAIL.name(), "cpu" + c + " stopped: " + stop.why()));
            } else if (e instanceof Event.VmExit x) {
                sensitiveExit(x, executed, c, out);
            } else if (e instanceof Event.Dispatched d) {
                undeclaredCall(d, caller[c], out);
            } else if (e instanceof Event.DriverControl dc && dc.unexitedControlRegisterWrite()) {
                out.add(new Violation(PropertyId.INV4.name(), "cpu" + c + ": " + dc.why()
                        + ": the domain loaded a control register of its choice"));
            } else if (e instanceof Event.DriverControl dc && dc.unexitedMsrWrite()) {
                out.add(new Violation(PropertyId.INV4.name(), "cpu" + c + ": " + dc.why()
                        + ": the domain wrote an MSR with a value of its choice"));
            } else if (e instanceof Event.TaintUse u) {
                out.add(new Violation(PropertyId.TAINT.name(), "cpu" + c + " at 0x" + Long.toHexString(u.rip()) + ": "
                        + u.what()));
                if (executed != null && !delivery && !(a instanceof Action.Interrupt)) {
                    // The handler's own instruction used ⊤; a delivery's use of ⊤ (an IDT gate, a
                    // stack for the frame) is not the handler following a pointer.
                    crossing.messages().taintUse(c, view, u, out);
                }
            }
        }
        if (executed != null) {
            exec(c, view, executed, out);
            if (view != 0 && !transition.contains(executed.rip())) {
                sensitiveChange(before.cpu(c).regs(), st.state().cpu(c).regs(), c, executed, out);
            }
        }
        CrossingGhost next = crossing.step(ghost, before, a, st, out);
        mappingsAfter(before, st.state(), out);
        return new Checked(out, next);
    }

    // ---- INV1, INV2, INV3 -----------------------------------------------------------------

    /** Analyses kept: the explorer's states share a few dozen paging-structure contents at most. */
    private static final int MAPPINGS_KEPT = 64;

    private final MappingCache mappings;

    /**
     * INV1-INV3 over the state a step reached, if the step may have changed a mapping (DESIGN.md
     * §6): the violations it has and the step's source had not — a view, CPU and address (the
     * GVA of INV1, the frame of INV2 and INV3) broken anew, whatever walk the evidence shows.
     */
    private void mappingsAfter(MachineState before, MachineState after, List<Violation> out) {
        if (!mappings.mayDiffer(before, after)) {
            return;
        }
        MappingAnalysis now = mappings.analysisOf(after);
        MappingAnalysis was = mappings.analysisOf(before);
        entryAfter(before, after, was, now, out);
        if (now == was) {
            return;
        }
        for (PropertyId p : MAPPING_PROPERTIES) {
            java.util.Set<Broken> old = new java.util.HashSet<>();
            was.violations(p).forEach(v -> old.add(Broken.of(v)));
            for (MappingViolation v : now.violations(p)) {
                if (old.add(Broken.of(v))) {
                    out.add(new Violation(p.name(), v.evidence()));
                }
            }
        }
    }

    // ---- ENTRY ------------------------------------------------------------------------------

    private final EntryPoints entry;

    private EntryPoints.Result entryOf(MachineState s) {
        EntryPoints.Result r = entry.of(s, mappings.analysisOf(s));
        mappings.watch(entry.framesWatched());
        return r;
    }

    /** The bad landings of {@code after} that {@code before} did not have (same rule as INV1-INV3). */
    private void entryAfter(MachineState before, MachineState after, MappingAnalysis was, MappingAnalysis now,
                            List<Violation> out) {
        EntryPoints.Result b = entry.of(before, was);
        EntryPoints.Result a = entry.of(after, now);
        if (a == b) {
            return;
        }
        mappings.watch(entry.framesWatched());
        java.util.Set<EntryPoints.Key> old = new java.util.HashSet<>();
        b.landings.forEach(l -> old.add(l.key()));
        for (EntryPoints.Landing l : a.landings) {
            if (!old.contains(l.key())) {
                out.add(new Violation(PropertyId.ENTRY.name(), l.evidence()));
            }
        }
    }

    // ---- INV5, IRQ ----------------------------------------------------------------------------

    private final CrossingChecks crossing;

    /** What a mapping violation breaks, apart from the walk that shows it. */
    private record Broken(String view, int cpu, long address) {
        static Broken of(MappingViolation v) {
            return new Broken(v.view(), v.cpu(), v.address());
        }
    }

    /** Every violation of INV1, INV2 and INV3 over every mapping of {@code s}, with its frame, view, GVA and walk. */
    private List<Violation> mappingViolations(MachineState s) {
        MappingAnalysis a = mappings.analysisOf(s);
        List<Violation> out = new ArrayList<>();
        for (PropertyId p : MAPPING_PROPERTIES) {
            for (MappingViolation v : a.violations(p)) {
                out.add(new Violation(p.name(), v.evidence()));
            }
        }
        return out;
    }

    private static final PropertyId[] MAPPING_PROPERTIES = {PropertyId.INV1, PropertyId.INV2, PropertyId.INV3};

    // ---- INV4 -----------------------------------------------------------------------------

    private static void sensitiveExit(Event.VmExit x, Event.Executed executed, int c, List<Violation> out) {
        if (!x.origin().equals("domain") || !(x.decision().equals("emulate") || x.decision().equals("log-emulate"))) {
            return;
        }
        Instruction in = executed == null || executed.insn() == null ? null : executed.insn().insn();
        if (in == null || !writesSensitiveState(in)) {
            return;
        }
        out.add(new Violation(PropertyId.INV4.name(), "cpu" + c + ": " + in.mnemonic().name().toLowerCase()
                + " from the domain exited (" + x.reasonName() + ") and the hypervisor emulated it"
                + (x.detail().isEmpty() ? "" : " (" + x.detail() + ")")));
    }

    /** Instructions that write interceptable sensitive state (DESIGN.md §4, INV4). */
    static boolean writesSensitiveState(Instruction in) {
        Mnemonic m = in.mnemonic();
        if (m == Mnemonic.WRMSR || m == Mnemonic.LGDT || m == Mnemonic.LIDT || m == Mnemonic.LLDT
                || m == Mnemonic.LTR || m == Mnemonic.XSETBV) {
            return true;
        }
        if (m == Mnemonic.MOV && !in.operands().isEmpty()) {
            Operand dst = in.operands().get(in.operands().size() - 1);
            return dst instanceof RegOp r && (r.reg().kind() == RegKind.CONTROL || r.reg().kind() == RegKind.DEBUG);
        }
        return false;
    }

    private static void sensitiveChange(ArchRegs b, ArchRegs a, int c, Event.Executed x, List<Violation> out) {
        String what = null;
        if (b.cr0() != a.cr0()) {
            what = "CR0";
        } else if (b.cr3() != a.cr3()) {
            what = "CR3";
        } else if (b.cr4() != a.cr4()) {
            what = "CR4";
        } else if (b.cr8() != a.cr8()) {
            what = "CR8";
        } else if (b.efer() != a.efer()) {
            what = "IA32_EFER";
        } else if (b.xcr0() != a.xcr0()) {
            what = "XCR0";
        } else if (!Objects.equals(b.gdtr(), a.gdtr())) {
            what = "GDTR";
        } else if (!Objects.equals(b.idtr(), a.idtr())) {
            what = "IDTR";
        } else if (!Objects.equals(b.ldtr(), a.ldtr())) {
            what = "LDTR";
        } else if (!Objects.equals(b.tr(), a.tr())) {
            what = "TR";
        } else {
            if (b.tainted(ArchRegs.T_DR) != a.tainted(ArchRegs.T_DR)) {
                what = "DR0-DR7 (to values the driver chose: MOV-DR is not intercepted)";
            }
            for (int i = 0; i < 8 && what == null; i++) {
                if (i != 4 && i != 5 && b.dr(i) != a.dr(i)) {
                    what = "DR" + i;
                }
            }
        }
        if (what != null) {
            out.add(new Violation(PropertyId.INV4.name(), "cpu" + c + ": " + what + " changed by domain code at 0x"
                    + Long.toHexString(x.rip()) + " without a refusing exit"));
        }
    }

    // ---- EXEC -----------------------------------------------------------------------------

    private void exec(int c, int view, Event.Executed x, List<Violation> out) {
        if (x.insn() == null || transition.contains(x.rip())) {
            return;
        }
        long hpa = x.hpa();
        LvdSystem.CodeAt at = system.code().get(hpa);
        if (at == null || at.insn().address() != x.rip()) {
            return;
        }
        int owner = system.views().indexOf(at.view());
        if (owner != view) {
            out.add(new Violation(PropertyId.EXEC.name(), "cpu" + c + ": " + at.view() + " code at 0x"
                    + Long.toHexString(x.rip()) + " (HPA 0x" + Long.toHexString(hpa) + ") ran under the "
                    + system.viewName(view) + " EPT"));
        }
    }

    // ---- CALL -----------------------------------------------------------------------------

    /** The dispatcher ran {@code d.function()}: it must be declared by the IDL of the side that called. */
    private void undeclaredCall(Event.Dispatched d, int callerView, List<Violation> out) {
        String view = d.view();
        String fn = d.function();
        if (view.equals("kernel")) {
            String caller = callerView > 0 ? system.viewName(callerView) : null;
            LvdSystem.DomainInterface i = caller == null ? null : system.interfaces().get(caller);
            if (caller == null || i != null && !i.kernelFunctions().contains(fn)) {
                out.add(new Violation(PropertyId.CALL.name(), "the kernel's dispatcher ran " + fn + " for "
                        + (caller == null ? "a call from no domain" : caller + ", whose IDL does not declare it as an rpc")));
            }
        } else {
            LvdSystem.DomainInterface i = system.interfaces().get(view);
            if (i != null && !i.driverFunctions().contains(fn)) {
                out.add(new Violation(PropertyId.CALL.name(), view + "'s dispatcher ran " + fn
                        + ", which its IDL does not register as rpc_ptr or rpc_export"));
            }
        }
    }
}
