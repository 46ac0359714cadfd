package org.lvdcheck.emulator.machine;

import java.util.List;
import java.util.function.Predicate;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.spec.lvd.SpecLoader;

/** Test helpers for the compromised-driver semantics: a machine of a built-in spec and ways to drive it. */
final class CompromisedRig {
    private CompromisedRig() {
    }

    static Machine machine(String spec) throws Exception {
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load(spec), 1);
        return new Machine(b.system(), b.initial(), Machine.Semantics.COMPROMISED_DRIVER);
    }

    /** CPU 0's program action (execute, or the first outcome of a ⊤ branch or dispatch), never an interrupt or a move. */
    static Action programAction(Machine m, MachineState s) {
        return m.actions(s).stream().filter(a -> a.cpu() == 0 && !(a instanceof Action.Interrupt)
                && !(a instanceof Action.Driver)).findFirst().orElse(null);
    }

    /** Runs CPU 0's programs (no interrupts, no moves) until {@code until} holds. */
    static MachineState runUntil(Machine m, MachineState s, Predicate<MachineState> until) {
        for (int i = 0; i < 20_000; i++) {
            if (until.test(s)) {
                return s;
            }
            Action a = programAction(m, s);
            if (a == null) {
                throw new AssertionError("cpu0 has no program action before the condition holds: " + s.cpu(0).regs());
            }
            s = m.next(s, a).state();
        }
        throw new AssertionError("the condition never held");
    }

    /** CPU 0 running the driver's benign program (first reached). */
    static MachineState inDriver(Machine m) {
        return runUntil(m, m.initial(), s -> m.inDriverCode(s, 0));
    }

    static Step move(Machine m, MachineState s, DriverMove move) {
        Action a = new Action.Driver(0, move);
        if (!m.enabled(s, a)) {
            throw new AssertionError(move + " is not among the moves: " + m.actions(s).size() + " actions");
        }
        return m.next(s, a);
    }

    static <T extends Event> T event(List<Event> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + events));
    }

    static long symbol(Machine m, String view, String name) {
        return m.system().images().get(view).symbol(name).orElseThrow();
    }

    /** The address of the {@code k}-th instruction (0-based) of the view's code from label {@code name}. */
    static long instructionAfter(Machine m, String view, String name, int k) {
        long a = symbol(m, view, name);
        var insns = m.system().images().get(view).instructions();
        for (int i = 0; i < insns.size(); i++) {
            if (insns.get(i).address() == a) {
                return insns.get(i + k).address();
            }
        }
        throw new AssertionError("no instruction at " + name);
    }

    static boolean allTainted(ArchRegs r, long bits) {
        return (r.taintMask() & bits) == bits;
    }
}
