package org.lvdcheck.emulator.run;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.lvd.Model;

/**
 * Runs one scenario of a spec on the machine: one path, no exploration. The CPUs take turns
 * one action at a time (the seed picks which CPU starts; CPUs other than 0 join after the
 * scenario's stagger); the scenario's timer fires on every
 * CPU every {@code timer-every} steps and stays pending on a CPU until that CPU can take it.
 * It ends when every thread has exited, when no CPU can move (every CPU halted, stopped or
 * idle with nothing to run), or at the step limit.
 */
public final class ScenarioRunner {
    /** One executed action, for the trace. */
    public record TraceStep(long step, Action action, int cpu, String viewBefore, long ripBefore, List<Event> events,
                            MachineState after) {}

    /**
     * What the run did. {@code domainEntriesByView} counts the crossings into each domain by its
     * view name (the domain whose EPT the VMFUNC loaded).
     */
    public record Summary(long steps, String end, int domainEntries, Map<String, Integer> domainEntriesByView,
                          int kernelEntries, Map<String, Integer> exits,
                          int interruptsDelivered, int interruptsDeliveredInDomain, int interruptsExitless, int threadsDone,
                          int threads, List<String> stops, MachineState last) {}

    private final Machine machine;
    private final Model.Scenario scenario;

    public ScenarioRunner(Machine machine, Model.Scenario scenario) {
        this.machine = machine;
        this.scenario = scenario;
    }

    public Summary run(long maxSteps, long seed, Consumer<TraceStep> trace) {
        MachineState s = machine.initial();
        int cpus = s.cpus().size();
        Model.Vector timer = machine.system().spec().vector(
                machine.system().spec().sources().stream().filter(x -> x.name().equals(scenario.timerSource())).findFirst()
                        .orElseThrow().vector()).orElseThrow();
        boolean[] pending = new boolean[cpus];
        int domainEntries = 0;
        int kernelEntries = 0;
        int delivered = 0;
        int inDomain = 0;
        int exitless = 0;
        Map<String, Integer> exits = new TreeMap<>();
        Map<String, Integer> byView = new TreeMap<>();
        List<String> stops = new java.util.ArrayList<>();
        int next = (int) Math.floorMod(seed, cpus);
        long step = 0;
        String end = "step limit reached";
        while (step < maxSteps) {
            if (step > 0 && step % scenario.timerEvery() == 0) {
                java.util.Arrays.fill(pending, true);
            }
            Action chosen = null;
            for (int k = 0; k < cpus && chosen == null; k++) {
                int c = (next + k) % cpus;
                if (c > 0 && step < scenario.stagger()) {
                    continue;
                }
                Action irq = new Action.Interrupt(c, timer.number());
                if (pending[c] && machine.enabled(s, irq)) {
                    pending[c] = false;
                    chosen = irq;
                } else if (machine.enabled(s, new Action.Execute(c))) {
                    chosen = new Action.Execute(c);
                }
            }
            if (chosen == null) {
                end = allDone(s) ? "every thread exited" : "no CPU can move";
                break;
            }
            next = (chosen.cpu() + 1) % cpus;
            int c = chosen.cpu();
            String viewBefore = machine.system().viewName(machine.viewOf(s, c));
            long rip = s.cpu(c).regs().rip();
            Step st = machine.next(s, chosen);
            step++;
            for (Event e : st.events()) {
                if (e instanceof Event.Crossing x) {
                    if (x.to().equals("kernel")) {
                        kernelEntries++;
                    } else {
                        domainEntries++;
                        byView.merge(x.to(), 1, Integer::sum);
                    }
                } else if (e instanceof Event.VmExit x) {
                    exits.merge(x.reasonName(), 1, Integer::sum);
                } else if (e instanceof Event.Delivered d) {
                    delivered++;
                    if (d.fromDomain()) {
                        inDomain++;
                        if (d.exitless()) {
                            exitless++;
                        }
                    }
                } else if (e instanceof Event.Stopped x) {
                    stops.add("cpu" + c + ": " + x.why());
                }
            }
            if (trace != null) {
                trace.accept(new TraceStep(step, chosen, c, viewBefore, rip, st.events(), st.state()));
            }
            s = st.state();
            if (allDone(s)) {
                end = "every thread exited";
                break;
            }
        }
        int done = (int) s.threads().stream().filter(t -> t.status() == ThreadStatus.DONE).count();
        return new Summary(step, end, domainEntries, byView, kernelEntries, exits, delivered, inDomain, exitless, done,
                s.threads().size(), stops, s);
    }

    private static boolean allDone(MachineState s) {
        return s.threads().stream().allMatch(t -> t.status() == ThreadStatus.DONE)
                && s.cpus().stream().noneMatch(c -> c.mode() == CpuMode.RUNNING);
    }
}
