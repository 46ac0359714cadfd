package org.lvdcheck.checker.mutate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.emulator.machine.Action;

/**
 * A mutation oracle for the kernel's answers to one adversarial action: the code a bounded
 * search from the initial state rarely reaches, because the driver gets control only some
 * hundred steps in and then has about 1,250 moves. CPU 0 runs its own program (the thread's,
 * and the driver's benign one: no interrupts, no moves) from the initial state; at each point
 * where it enters driver code (the first {@link #STARTS}), every other action CPU 0 has there —
 * each move of the compromised driver, each interrupt — is taken once, and CPU 0's program
 * then runs alone for up to {@link #WALK} steps: the kill paths, the entry code's checks, the
 * gate's landings, each to where the thread goes on. A walk stops at a state an earlier walk
 * reached (its continuation is the same). A walk that ends with another domain's driver in
 * control (the first domain's VMFUNC landed there and the landing let it in) gives that driver
 * one action too, walked the same way. Every step is checked as the explorer checks it, and
 * every state walked is reachable, so a violation is one of the mutant's. Then the interrupt
 * walks: an interrupt at each state of CPU 0's program outside driver code, walked the same way
 * to where it meets the program's path again ({@link #interruptWalks}). (Letting the other
 * CPU's thread run on after CPU 0's caught no more mutants of lvd-hardened's gate and entry code,
 * in twice the time.)
 */
final class ActionWalks {
    /** The points of driver entry the walks start from. */
    static final int STARTS = 4;
    /** The steps of CPU 0's program after each action. */
    static final int WALK = 400;
    /** The steps of CPU 0's program from the initial state to the last start. */
    static final int PATH = 20_000;

    private final LvdTransitionSystem sys;
    private final Set<String> judged;

    ActionWalks(LvdTransitionSystem sys, Set<String> judged) {
        this.sys = sys;
        this.judged = judged;
    }

    /** A judged property a walk broke, and which walks found it. */
    record Found(String property, String how) {
    }

    /** The first judged property a walk breaks, or null. */
    Found firstViolation() {
        List<CheckState> starts = new ArrayList<>();
        List<CheckState> interruptible = new ArrayList<>();
        Set<Long> path = new HashSet<>();
        CheckState s = sys.initialState();
        boolean inDriver = false;
        for (int i = 0; i < PATH && starts.size() < STARTS; i++) {
            boolean d = sys.machine().inDriverCode(s.machine(), 0);
            if (d && !inDriver) {
                starts.add(s);
            }
            inDriver = d;
            path.add(sys.fingerprint(s, 0));
            if (!d) {
                interruptible.add(s);
            }
            LvdTransitionSystem.Choice ch = program(s);
            if (ch == null) {
                break;
            }
            LvdTransitionSystem.Taken t = sys.take(s, ch);
            String v = judgedIn(t.violations());
            if (v != null) {
                return new Found(v, "by an action walk");
            }
            s = t.target();
        }
        Set<Long> seen = new HashSet<>();
        List<CheckState> elsewhere = new ArrayList<>();
        String v = walks(starts, seen, elsewhere);
        if (v == null) {
            v = walks(elsewhere, seen, new ArrayList<>());
        }
        if (v != null) {
            return new Found(v, "by an action walk");
        }
        v = interruptWalks(interruptible, path);
        return v == null ? null : new Found(v, "by an interrupt walk");
    }

    /**
     * The interrupt walks: at each state of CPU 0's program outside driver code, each interrupt
     * CPU 0 can take there (a source's firing, a pending vector or NMI) is taken once and CPU 0's
     * program runs on for up to {@link #WALK} steps, stopping where it meets a state of the
     * program's path (the handler has returned what it interrupted: the dead-stack reduction maps
     * the state after the IRETQ back to the interrupted one) or of an earlier interrupt walk. This
     * is where the entry code's saves and restores meet concrete kernel registers: a restore that
     * hands back a register's stale slot is an IRQ violation at the IRETQ, which an interrupt
     * inside the driver (whose registers are all ⊤, as a stale slot of its IST stack is) cannot
     * show.
     */
    private String interruptWalks(List<CheckState> points, Set<Long> path) {
        Set<Long> seen = new HashSet<>(path);
        for (CheckState at : points) {
            for (LvdTransitionSystem.Choice first : sys.choices(at)) {
                if (first.action().cpu() == 0 && first.action() instanceof Action.Interrupt) {
                    Walked w = walk(at, first, seen);
                    if (w.violation() != null) {
                        return w.violation();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The walks from {@code starts}; a walk that ends with another domain's driver in control of
     * CPU 0 (a VMFUNC of the first domain's landed there) adds its last state to {@code elsewhere},
     * whose driver then gets its one action too. Returns the first judged property broken, or null.
     */
    private String walks(List<CheckState> starts, Set<Long> seen, List<CheckState> elsewhere) {
        for (CheckState start : starts) {
            int view = sys.machine().viewOf(start.machine(), 0);
            for (LvdTransitionSystem.Choice first : sys.choices(start)) {
                if (first.action().cpu() != 0 || isProgram(first.action())) {
                    continue;
                }
                Walked w = walk(start, first, seen);
                if (w.violation() != null) {
                    return w.violation();
                }
                if (w.stuck() && sys.machine().inDriverCode(w.end().machine(), 0)
                        && sys.machine().viewOf(w.end().machine(), 0) != view) {
                    elsewhere.add(w.end());
                }
            }
        }
        return null;
    }

    /** How a walk ended: the judged property it broke (or null), its last state, and whether CPU 0's program had no step there. */
    private record Walked(String violation, CheckState end, boolean stuck) {
    }

    /**
     * One walk: {@code first} from {@code start}, then CPU 0's program for up to {@link #WALK}
     * steps, stopping at the first violation of a judged property or at a state {@code seen}
     * already holds (every new state is added).
     */
    private Walked walk(CheckState start, LvdTransitionSystem.Choice first, Set<Long> seen) {
        CheckState x = start;
        LvdTransitionSystem.Choice ch = first;
        for (int k = 0; k < WALK && ch != null; k++) {
            LvdTransitionSystem.Taken t = sys.take(x, ch);
            String v = judgedIn(t.violations());
            if (v != null) {
                return new Walked(v, x, false);
            }
            x = t.target();
            if (!seen.add(sys.fingerprint(x, 0))) {
                return new Walked(null, x, false);
            }
            ch = program(x);
        }
        return new Walked(null, x, ch == null);
    }

    private String judgedIn(List<Violation> violations) {
        for (Violation v : violations) {
            if (judged.contains(v.property())) {
                return v.property();
            }
        }
        return null;
    }

    /** CPU 0's instruction, or an outcome of its decision on ⊤ or of its dispatch of ⊤ ids. */
    private static boolean isProgram(Action a) {
        return a instanceof Action.Execute || a instanceof Action.Branch || a instanceof Action.Dispatch;
    }

    /** CPU 0's own next step (its instruction, or the first outcome of a decision on ⊤), or null. */
    private LvdTransitionSystem.Choice program(CheckState s) {
        for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
            if (ch.action().cpu() == 0 && isProgram(ch.action())) {
                return ch;
            }
        }
        return null;
    }
}
