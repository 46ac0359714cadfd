package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.lvd.Model;

/**
 * The spec's reachability witnesses (DESIGN.md §5): each names an event that some explored step
 * must show. Every step the explorer takes is offered to {@link #observe}; a witness is reached
 * once any step matched it. Safe for the explorer's worker threads.
 *
 * <p>Under the CPU-local reduction the events stay reachable: kills, dispatches, thread switches
 * and VM exits are global steps, which the reduction never leaves out, as are crossings when a
 * witness names them ({@link #namesCrossings}; otherwise trusted code's switch back to the
 * kernel's view may be local); and an interrupt delivery is an action of the CPU it arrives at,
 * which every reduced expansion of that CPU includes.
 */
public final class Witnesses {
    private final Machine machine;
    private final List<Model.Witness> witnesses;
    private final AtomicIntegerArray reached;

    public Witnesses(Machine machine) {
        this.machine = machine;
        this.witnesses = machine.system().spec().witnesses();
        this.reached = new AtomicIntegerArray(witnesses.size());
    }

    /** Whether some witness names crossings (event {@code crossing}). */
    public boolean namesCrossings() {
        return witnesses.stream().anyMatch(w -> w.kind().equals("crossing"));
    }

    public List<Model.Witness> all() {
        return witnesses;
    }

    /** Whether witness {@code i} (in spec order) was reached by a step observed so far. */
    public boolean reached(int i) {
        return reached.get(i) != 0;
    }

    /** The witnesses no observed step reached, in spec order. */
    public List<Model.Witness> unreached() {
        List<Model.Witness> out = new ArrayList<>();
        for (int i = 0; i < witnesses.size(); i++) {
            if (!reached(i)) {
                out.add(witnesses.get(i));
            }
        }
        return out;
    }

    /** Records the witnesses step {@code st}, taken by {@code a} from {@code before}, reaches. */
    public void observe(MachineState before, Action a, Step st) {
        for (int i = 0; i < witnesses.size(); i++) {
            if (reached.get(i) == 0 && matches(witnesses.get(i), before, a, st)) {
                reached.set(i, 1);
            }
        }
    }

    boolean matches(Model.Witness w, MachineState before, Action a, Step st) {
        for (Event e : st.events()) {
            boolean hit = switch (w.kind()) {
                case "interrupt-in-domain" -> e instanceof Event.Delivered d && d.fromDomain() && d.exitless();
                case "kill" -> e instanceof Event.Killed;
                case "crossing" -> e instanceof Event.Crossing x && (w.arg() == null || x.to().equals(w.arg()));
                case "dispatch" -> e instanceof Event.Dispatched d && d.function().equals(w.arg());
                case "exit" -> e instanceof Event.VmExit x && x.reasonName().equals(w.arg());
                case "migration" -> e instanceof Event.Switched sw && migrated(sw.to(), before, a.cpu());
                default -> false;
            };
            if (hit) {
                return true;
            }
        }
        return false;
    }

    /** Thread {@code name}, switched in at CPU {@code cpu}, was preempted on another CPU. */
    private boolean migrated(String name, MachineState before, int cpu) {
        List<Model.Thread> threads = machine.system().spec().threads();
        for (int t = 0; t < threads.size() && t < before.threads().size(); t++) {
            if (threads.get(t).name().equals(name)) {
                ThreadState ts = before.threads().get(t);
                return ts.status() == ThreadStatus.RUNNABLE && ts.lastCpu() >= 0 && ts.lastCpu() != cpu;
            }
        }
        return false;
    }
}
