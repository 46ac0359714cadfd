package org.lvdcheck.checker.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lvdcheck.checker.emulate.TraceFormat;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.irq.Lapic;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.InstructionText;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * Re-executes a path of action indices from the initial state and records each step: the
 * explorer keeps only (parent, action index) per state, so a trace is rebuilt by running the
 * machine again, never read back from a stored flag (DESIGN.md §7).
 */
public final class TraceRecorder {
    /** At most this many changed memory words are listed per step. */
    static final int MAX_WORDS = 16;

    private final LvdTransitionSystem system;
    private final InstructionText text;

    public TraceRecorder(LvdTransitionSystem system) {
        this.system = system;
        this.text = new InstructionText(system.machine().system());
    }

    /** Why a path cannot be re-executed: an index that is not an enabled action of its state. */
    public static final class NotReplayable extends Exception {
        public NotReplayable(String message) {
            super(message);
        }
    }

    public List<TraceStep> record(List<Integer> choices) throws NotReplayable {
        return record(choices, new ArrayList<>());
    }

    /**
     * As {@link #record(List)}, adding to {@code states} the initial state and the state after each
     * step (so {@code states.get(i)} is the state after step i).
     */
    public List<TraceStep> record(List<Integer> choices, List<CheckState> states) throws NotReplayable {
        CheckState s = system.initialState();
        states.add(s);
        List<TraceStep> out = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            List<LvdTransitionSystem.Choice> enabled = system.choices(s);
            int k = choices.get(i);
            if (k < 0 || k >= enabled.size()) {
                throw new NotReplayable("step " + (i + 1) + ": action " + k + " is not enabled (" + enabled.size()
                        + " actions are)");
            }
            LvdTransitionSystem.Taken t = system.take(s, enabled.get(k));
            out.add(step(i + 1, k, s, t));
            s = t.target();
            states.add(s);
        }
        return out;
    }

    private TraceStep step(int index, int choice, CheckState before, LvdTransitionSystem.Taken t) {
        MachineState b = before.machine();
        MachineState a = t.target().machine();
        int c = t.choice().action().cpu();
        String view = system.machine().system().viewName(system.machine().viewOf(b, c));
        String insn = "";
        List<String> events = new ArrayList<>();
        for (Event e : t.step().events()) {
            if (e instanceof Event.Executed x) {
                insn = x.insn() == null ? "(bytes outside the instruction subset)" : text.of(x.insn());
            } else {
                String d = TraceFormat.describe(e);
                if (d != null) {
                    events.add(d);
                }
            }
        }
        List<String> changes = new ArrayList<>();
        cpuChanges(b.cpu(c), a.cpu(c), changes);
        memoryChanges(b.mem(), a.mem(), changes);
        if (b.killedDomains() != a.killedDomains()) {
            changes.add("killed domains 0x" + Long.toHexString(b.killedDomains()) + " -> 0x"
                    + Long.toHexString(a.killedDomains()));
        }
        if (b.killIpis() != a.killIpis()) {
            changes.add("kill IPIs pending at cpus 0x" + Long.toHexString(b.killIpis()) + " -> 0x"
                    + Long.toHexString(a.killIpis()));
        }
        for (int k = 0; k < a.cpus().size(); k++) {
            if (k != c) {
                pendingChanges("cpu" + k + " ", b.cpu(k).lapic(), a.cpu(k).lapic(), changes);
            }
        }
        List<TraceStep.TraceViolation> vs = new ArrayList<>();
        for (Violation v : t.violations()) {
            vs.add(new TraceStep.TraceViolation(v.property(), v.evidence()));
        }
        return new TraceStep(index, choice, c, t.choice().label(), view, b.cpu(c).regs().rip(), insn, events, changes, vs);
    }

    private static final String[] GPR = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    static void cpuChanges(CpuState b, CpuState a, List<String> out) {
        ArchRegs x = b.regs();
        ArchRegs y = a.regs();
        for (int i = 0; i < 16; i++) {
            word(out, GPR[i], x.gpr(i), x.gprTainted(i), y.gpr(i), y.gprTainted(i));
        }
        boolean xf = x.tainted(ArchRegs.T_FLAGS);
        boolean yf = y.tainted(ArchRegs.T_FLAGS);
        if (x.rflags() != y.rflags() || xf != yf) {
            out.add(String.format(Locale.ROOT, "rflags %x%s -> %x%s", x.rflags(), xf ? " (status flags ⊤)" : "",
                    y.rflags(), yf ? " (status flags ⊤)" : ""));
        }
        word(out, "cr3", x.cr3(), y.cr3());
        word(out, "fs.base", x.fsBase(), x.tainted(ArchRegs.T_FS_BASE), y.fsBase(), y.tainted(ArchRegs.T_FS_BASE));
        word(out, "gs.base", x.gsBase(), x.tainted(ArchRegs.T_GS_BASE), y.gsBase(), y.tainted(ArchRegs.T_GS_BASE));
        word(out, "kernel_gs_base", x.kernelGsBase(), x.tainted(ArchRegs.T_KERNEL_GS_BASE), y.kernelGsBase(),
                y.tainted(ArchRegs.T_KERNEL_GS_BASE));
        word(out, "eptp", b.eptp(), a.eptp());
        if (b.eptpIndex() != a.eptpIndex()) {
            out.add("eptp index " + b.eptpIndex() + " -> " + a.eptpIndex());
        }
        if (b.mode() != a.mode()) {
            out.add("cpu " + b.mode().name().toLowerCase(Locale.ROOT) + " -> " + a.mode().name().toLowerCase(Locale.ROOT));
        }
        if (b.thread() != a.thread()) {
            out.add("thread " + b.thread() + " -> " + a.thread());
        }
        if (!b.lapic().isr().equals(a.lapic().isr())) {
            out.add("lapic in-service 0x" + Integer.toHexString(b.lapic().isr().highest()) + " -> 0x"
                    + Integer.toHexString(a.lapic().isr().highest()));
        }
        pendingChanges("", b.lapic(), a.lapic(), out);
    }

    /** What an IPI or an arrival changed in a LAPIC's requests: the highest IRR vector, the pending NMI. */
    private static void pendingChanges(String who, Lapic b, Lapic a, List<String> out) {
        if (!b.irr().equals(a.irr())) {
            out.add(who + "lapic requested 0x" + Integer.toHexString(b.irr().highest()) + " -> 0x"
                    + Integer.toHexString(a.irr().highest()));
        }
        if (b.nmiPending() != a.nmiPending()) {
            out.add(who + "lapic NMI pending " + (b.nmiPending() ? 1 : 0) + " -> " + (a.nmiPending() ? 1 : 0));
        }
    }

    private static void word(List<String> out, String name, long b, long a) {
        word(out, name, b, false, a, false);
    }

    /** A register or word that changed, in hex, or ⊤ where it holds a value the driver chose. */
    private static void word(List<String> out, String name, long b, boolean bTop, long a, boolean aTop) {
        if (a != b || aTop != bTop) {
            out.add(name + " " + shown(b, bTop) + " -> " + shown(a, aTop));
        }
    }

    private static String shown(long v, boolean top) {
        return top ? "⊤" : Long.toHexString(v);
    }

    static void memoryChanges(PhysMem b, PhysMem a, List<String> out) {
        List<PhysMem.WordChange> ch = a.changesSince(b);
        for (int i = 0; i < ch.size() && i < MAX_WORDS; i++) {
            PhysMem.WordChange w = ch.get(i);
            word(out, String.format(Locale.ROOT, "mem[hpa %x]", w.hpa()), w.before(), w.beforeTop(), w.after(),
                    w.afterTop());
        }
        if (ch.size() > MAX_WORDS) {
            out.add("... and " + (ch.size() - MAX_WORDS) + " more memory words");
        }
    }
}
