package org.lvdcheck.checker.trace;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.CrossingGhost;
import org.lvdcheck.checker.model.KernelValues;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * Where the offending value of an INV5 or IRQ counterexample comes from (DESIGN.md §7: the trace
 * names the step where the ghost copy and the live value first diverge and the origin of the
 * offending value). Computed from the re-executed states of the trace, not stored in the explored
 * state: the evidence gains a sentence, and the steps it names gain an event line ("ghost: ...").
 */
public final class GhostTrace {
    private GhostTrace() {
    }

    /** The annotated steps and evidence. */
    public record Annotated(List<TraceStep> steps, String evidence) {}

    private static final String[] LEAK_REGISTERS = {"rax", "rcx", "rbx", "rsp", "rbp", "r13", "r14", "r15", "fs.base",
        "gs.base", "kernel_gs_base"};
    private static final int[] LEAK_GPR = {ArchRegs.RAX, ArchRegs.RCX, ArchRegs.RBX, ArchRegs.RSP, ArchRegs.RBP,
        ArchRegs.R13, ArchRegs.R14, ArchRegs.R15};
    /** Offsets of RIP, CS, RFLAGS, RSP and SS in the frame IRETQ pops. */
    private static final String[] FRAME = {"RIP", "CS", "RFLAGS", "RSP", "SS"};

    /**
     * Annotates a counterexample of {@code property} whose steps were recorded from {@code states}
     * ({@code states.get(i)}: after step i). Properties other than INV5 and IRQ are returned as they are.
     */
    public static Annotated annotate(LvdTransitionSystem sys, String property, List<CheckState> states,
                                     List<TraceStep> steps, String evidence) {
        if (steps.isEmpty() || states.size() != steps.size() + 1) {
            return new Annotated(steps, evidence);
        }
        List<TraceStep> out = new ArrayList<>(steps);
        String extra = switch (property) {
            case "INV5" -> inv5(sys, states, out);
            case "IRQ" -> irq(sys, states, out);
            default -> null;
        };
        return new Annotated(out, extra == null ? evidence : evidence + " — " + extra);
    }

    private static String inv5(LvdTransitionSystem sys, List<CheckState> states, List<TraceStep> steps) {
        int k = steps.size();
        int c = steps.get(k - 1).cpu();
        MachineState before = states.get(k - 1).machine();
        MachineState after = states.get(k).machine();
        int t = before.cpu(c).thread();
        CrossingGhost.GateCall call = t < 0 ? null : states.get(k - 1).crossing().topCall(t);
        if (call != null && states.get(k).crossing().calls(t).length < states.get(k - 1).crossing().calls(t).length) {
            return kernelSide(sys, states, steps, c, t, call, after.cpu(c).regs());
        }
        return domainSide(sys, states, steps, c);
    }

    /** The step at which thread t's innermost open gate call {@code call} was made. */
    private static int callStep(List<CheckState> states, int t, CrossingGhost.GateCall call, int k) {
        for (int i = k - 1; i >= 1; i--) {
            if (call.equals(states.get(i).crossing().topCall(t)) && !call.equals(states.get(i - 1).crossing().topCall(t))) {
                return i;
            }
        }
        return -1;
    }

    private static String kernelSide(LvdTransitionSystem sys, List<CheckState> states, List<TraceStep> steps, int c,
                                     int t, CrossingGhost.GateCall call, ArchRegs now) {
        int k = steps.size();
        long[] percpu = sys.machine().system().layout().percpu();
        int j = callStep(states, t, call, k);
        CrossingGhost.Difference d = call.kernel().difference(now, percpu[c]);
        if (j < 0) {
            return null;
        }
        mark(steps, j, "ghost: INV5 copies the kernel's registers at this call of " + call.gate());
        if (d == null) {
            return "INV5's copy of the kernel's registers was taken at step " + j + " (" + label(steps, j) + ")";
        }
        String reg = d.register();
        long[] saved = {d.saved(), d.savedLabel()};
        int first = -1;
        int last = -1;
        long[] prev = null;
        for (int i = j; i <= k; i++) {
            long[] v = liveOf(states.get(i).machine(), t, percpu, reg);
            if (v == null) {
                prev = null;
                continue;
            }
            if (first < 0 && i > j && !same(v, saved)) {
                first = i;
            }
            if (prev != null && !same(v, prev)) {
                last = i;
            }
            prev = v;
        }
        StringBuilder sb = new StringBuilder("INV5's copy of " + reg + " was taken at step " + j + " (" + label(steps, j)
                + ")");
        if (first > 0) {
            mark(steps, first, "ghost: " + reg + " of thread " + thread(sys, t) + " no longer equals INV5's copy");
            sb.append("; the live ").append(reg).append(" first differs from it after step ").append(first).append(" (")
                    .append(label(steps, first)).append(")");
        }
        if (last > 0) {
            mark(steps, last, "ghost: " + reg + " takes the value the gate returns with");
            sb.append(" and has held the value it returns with since step ").append(last).append(" (")
                    .append(label(steps, last)).append(")");
        }
        return sb.toString();
    }

    /** The value of a copied register of thread t wherever it runs in {@code m}; null while it is off every CPU. */
    private static long[] liveOf(MachineState m, int t, long[] percpu, String reg) {
        for (int x = 0; x < m.cpus().size(); x++) {
            if (m.cpu(x).thread() == t) {
                return CrossingGhost.KernelContext.live(m.cpu(x).regs(), percpu[x], reg);
            }
        }
        return null;
    }

    private static boolean same(long[] a, long[] b) {
        return a[0] == b[0] && a[1] == b[1];
    }

    private static String domainSide(LvdTransitionSystem sys, List<CheckState> states, List<TraceStep> steps, int c) {
        int k = steps.size();
        KernelValues kv = sys.checks().kernelValues();
        ArchRegs r = states.get(k).machine().cpu(c).regs();
        for (int i = 0; i < LEAK_REGISTERS.length; i++) {
            String reg = LEAK_REGISTERS[i];
            long[] v = cpuValue(r, i);
            if (v[1] != 0 || kv.kernelOnly(v[0]) == null) {
                continue;
            }
            int since = 0;
            for (int s = k; s >= 1; s--) {
                long[] p = cpuValue(states.get(s - 1).machine().cpu(c).regs(), i);
                if (p[0] != v[0] || p[1] != v[1]) {
                    since = s;
                    break;
                }
            }
            if (since == 0) {
                return reg + " has held 0x" + Long.toHexString(v[0]) + " on cpu" + c + " since the initial state: the "
                        + "kernel's own value, never replaced on the way into the domain";
            }
            mark(steps, since, "ghost: " + reg + " takes the kernel value the domain is entered with");
            return reg + " has held 0x" + Long.toHexString(v[0]) + " on cpu" + c + " since step " + since + " ("
                    + label(steps, since) + ")";
        }
        return null;
    }

    private static long[] cpuValue(ArchRegs r, int i) {
        if (i < LEAK_GPR.length) {
            return new long[] {r.gpr(LEAK_GPR[i]), r.gprTainted(LEAK_GPR[i]) ? 1 : 0};
        }
        return switch (LEAK_REGISTERS[i]) {
            case "fs.base" -> new long[] {r.fsBase(), r.tainted(ArchRegs.T_FS_BASE) ? 1 : 0};
            case "gs.base" -> new long[] {r.gsBase(), r.tainted(ArchRegs.T_GS_BASE) ? 1 : 0};
            default -> new long[] {r.kernelGsBase(), r.tainted(ArchRegs.T_KERNEL_GS_BASE) ? 1 : 0};
        };
    }

    private static String irq(LvdTransitionSystem sys, List<CheckState> states, List<TraceStep> steps) {
        int k = steps.size();
        int c = steps.get(k - 1).cpu();
        MachineState before = states.get(k - 1).machine();
        int t = before.cpu(c).thread();
        CrossingGhost.Handler h = t < 0 ? null : states.get(k - 1).crossing().topHandler(t);
        if (h == null) {
            return null;
        }
        int j = -1;
        for (int i = k - 1; i >= 1; i--) {
            if (h.equals(states.get(i).crossing().topHandler(t)) && !h.equals(states.get(i - 1).crossing().topHandler(t))) {
                j = i;
                break;
            }
        }
        if (j < 0) {
            return null;
        }
        mark(steps, j, "ghost: IRQ copies the interrupted context (RIP, CS, RFLAGS, RSP, SS, the GPRs, the live words of its kernel stack) at this delivery");
        String sb = "the ghost copy of the context vector 0x" + Integer.toHexString(h.vector()) + " interrupted was taken"
                + " at step " + j + " (" + label(steps, j) + ")";
        if (states.get(k).crossing().handlers(t).length >= states.get(k - 1).crossing().handlers(t).length) {
            return sb;
        }
        ArchRegs b = before.cpu(c).regs();
        if (b.gprTainted(ArchRegs.RSP)) {
            return sb;
        }
        ArchRegs n = states.get(k).machine().cpu(c).regs();
        long[] want = {h.rip(), h.cs(), h.rflags(), h.rsp(), h.ss()};
        long[] got = {n.rip(), n.cs().selector(), n.rflags(), n.rsp(), n.ss().selector()};
        for (int f = 0; f < FRAME.length; f++) {
            if (want[f] == got[f]) {
                continue;
            }
            long hpa = sys.machine().hostAddress(before, c, b.rsp() + 8L * f);
            if (hpa < 0) {
                return sb;
            }
            for (int i = k - 1; i >= 1; i--) {
                PhysMem x = states.get(i).machine().mem();
                PhysMem y = states.get(i - 1).machine().mem();
                if (x != y && (x.read(hpa, 8) != y.read(hpa, 8) || x.isTainted(hpa, 8) != y.isTainted(hpa, 8))) {
                    mark(steps, i, "ghost: writes the frame word IRETQ pops as " + FRAME[f]);
                    return sb + "; the IRETQ pops " + FRAME[f] + " from HPA 0x" + Long.toHexString(hpa)
                            + ", last written at step " + i + " (" + label(steps, i) + ")";
                }
            }
            return sb;
        }
        return sb;
    }

    private static String thread(LvdTransitionSystem sys, int t) {
        return sys.machine().system().spec().threads().get(t).name();
    }

    private static String label(List<TraceStep> steps, int i) {
        TraceStep s = steps.get(i - 1);
        String what = s.instruction().isEmpty() || !s.action().equals("execute") ? s.action()
                + (s.instruction().isEmpty() ? "" : " " + s.instruction()) : s.instruction();
        return "cpu" + s.cpu() + ": " + what;
    }

    private static void mark(List<TraceStep> steps, int i, String event) {
        TraceStep s = steps.get(i - 1);
        List<String> events = new ArrayList<>(s.events());
        if (!events.contains(event)) {
            events.add(event);
        }
        steps.set(i - 1, new TraceStep(s.index(), s.choice(), s.cpu(), s.action(), s.view(), s.rip(), s.instruction(),
                events, s.changes(), s.violations()));
    }
}
