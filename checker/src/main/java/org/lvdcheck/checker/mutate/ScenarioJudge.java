package org.lvdcheck.checker.mutate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The functional judge of mutation analysis: a mutant must still do what the spec's scenarios
 * (its {@code scenario} lines, run as {@code lvdcheck emulate} runs them, with the driver's own
 * program and each scenario's timer) show the unmutated code doing. Each scenario runs with at
 * most {@link #CALLS} calls per thread; its outcome is how it ended, how many threads finished,
 * how many kills, CPU stops and VM exits (by reason) it saw, whether any interrupt was
 * delivered inside a domain without a VM exit (the path the design exists for), and a hash of
 * every word of every image's {@code .data} sections at the end, each read in its own view
 * (the drivers' statistics, the kernel's counters of what came back: what the calls did). A mutant whose outcome differs
 * in any scenario is caught: whatever the properties say, a gate that no longer completes a
 * benign call, kills a well-behaved domain or stops a CPU is not the gate the spec ships.
 */
final class ScenarioJudge {
    /** Calls per thread in each scenario: enough for timers inside the driver, preemption and migration. */
    static final int CALLS = 20;

    /** One scenario's outcome. */
    record Outcome(String end, int threadsDone, int kills, int stops, Map<String, Integer> exits, boolean exitless,
                   long data) {
        @Override
        public String toString() {
            return end + ", " + threadsDone + " threads done, " + kills + " kills, " + stops + " CPU stops, VM exits "
                    + (exits.isEmpty() ? "none" : exits) + ", " + (exitless ? "an" : "no")
                    + " interrupt delivered inside a domain without a VM exit, data sections " + String.format("%016x", data);
        }
    }

    private final List<Model.Scenario> scenarios;
    private final Map<String, Outcome> original = new TreeMap<>();
    private final Map<String, Long> stepLimit = new TreeMap<>();

    /** Runs every scenario of the unmutated spec and keeps its outcome. */
    ScenarioJudge(SpecLoader.Loaded base) throws InputError {
        this.scenarios = new ArrayList<>();
        for (Model.Scenario sc : base.spec().scenarios()) {
            Model.Scenario small = new Model.Scenario(sc.name(), sc.title(), Math.min(sc.calls(), CALLS), sc.timerEvery(),
                    sc.timerSource(), sc.stagger(), sc.threads(), sc.pos());
            scenarios.add(small);
            long[] steps = new long[1];
            original.put(sc.name(), run(base, small, 50_000_000L, steps));
            stepLimit.put(sc.name(), Math.max(100_000L, 4 * steps[0]));
        }
    }

    /** The scenarios judged, by name. */
    List<String> names() {
        return scenarios.stream().map(Model.Scenario::name).toList();
    }

    /** Null when {@code mutant} does what the original does in every scenario; else what differs. */
    String differs(SpecLoader.Loaded mutant) throws InputError {
        for (Model.Scenario sc : scenarios) {
            Outcome o = run(mutant, sc, stepLimit.get(sc.name()), new long[1]);
            Outcome want = original.get(sc.name());
            if (!o.equals(want)) {
                return "scenario " + sc.name() + ": " + o + " (the original: " + want + ")";
            }
        }
        return null;
    }

    private static Outcome run(SpecLoader.Loaded loaded, Model.Scenario sc, long maxSteps, long[] steps)
            throws InputError {
        SystemBuilder.Built b = SystemBuilder.build(loaded, sc);
        Machine m = new Machine(b.system(), b.initial());
        int[] kills = {0};
        ScenarioRunner.Summary s = new ScenarioRunner(m, sc).run(maxSteps, 0, t -> {
            for (Event e : t.events()) {
                if (e instanceof Event.Killed) {
                    kills[0]++;
                }
            }
        });
        steps[0] = s.steps();
        return new Outcome(s.end(), s.threadsDone(), kills[0], s.stops().size(), new TreeMap<>(s.exits()),
                s.interruptsExitless() > 0, data(m, s.last()));
    }

    /** A hash of every 8-byte word of every {@code .data} section of every image, read in its view on CPU 0. */
    private static long data(Machine m, org.lvdcheck.emulator.machine.MachineState s) {
        long h = 0x6461746173L;
        for (String image : new java.util.TreeSet<>(m.system().images().keySet())) {
            int view = m.system().views().indexOf(image);
            org.lvdcheck.spec.asm.LinkedImage img = m.system().images().get(image);
            for (String sec : new java.util.TreeSet<>(img.sectionNames())) {
                if (view < 0 || !sec.startsWith(".data")) {
                    continue;
                }
                for (long a = img.sectionStart(sec); a + 8 <= img.sectionEnd(sec); a += 8) {
                    h = h * 0x100000001B3L ^ m.peek(s, view, 0, a, 8);
                }
            }
        }
        return h;
    }
}
