package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The thread-modular fixpoint ({@link ThreadModularFixpoint}) over-approximates what the interleaving
 * search reaches: on the 2-CPU small specs and every one-line fault of {@link ReductionAgreementTest},
 * it closes, finds every property the complete unreduced interleaving search finds broken, and, where
 * that search finds everything holding, no candidate either (on these specs it is exact enough).
 */
class ThreadModularFixpointTest {
    static Stream<ReductionAgreementTest.Case> cases() {
        return ReductionAgreementTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theFixpointFindsWhatTheInterleavingSearchFinds(ReductionAgreementTest.Case c) throws Exception {
        SpecLoader.Loaded spec = c.spec().load();
        SmallSpecs.Explored e = SmallSpecs.explore(spec, false, false, 1, c.properties());
        Set<String> broken = new TreeSet<>();
        for (Verdict v : e.result().verdicts()) {
            if (v.status() == Status.VIOLATED) {
                broken.add(v.property());
            }
        }
        ThreadModularFixpoint.Result r = new ThreadModularFixpoint(Replay.system(spec, true)).run(120);
        assertTrue(r.complete(), c + ": the fixpoint did not close");
        assertTrue(r.breaches().isEmpty(), c + ": frame ownership breached " + r.breaches());
        Set<String> candidates = new TreeSet<>(r.candidates().keySet());
        candidates.retainAll(c.expected().keySet());
        assertEquals(broken, candidates, c + ": " + r.candidates());
    }

    /**
     * Every state the interleaving search reaches (here by a plain breadth-first walk of every
     * choice, no reduction of the interleavings, stopping where a check cuts) has each CPU's view
     * among the fixpoint's: on mini, where cpu1's thread takes net out of cpu0's EPTP list, and on
     * irq, where both CPUs take timer interrupts; with the per-CPU areas shared and with them each
     * CPU's own.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mini.lvd", "irq.lvd"})
    void everyReachableStateHasItsViewsInTheFixpoint(String name) throws Exception {
        for (boolean perCpuAreas : new boolean[] {false, true}) {
            everyReachableStateHasItsViewsInTheFixpoint(name, perCpuAreas);
        }
    }

    private static void everyReachableStateHasItsViewsInTheFixpoint(String name, boolean perCpuAreas) throws Exception {
        LvdTransitionSystem sys = Replay.system(SmallSpecs.load(name), true);
        ThreadModularFixpoint tm = new ThreadModularFixpoint(sys, perCpuAreas);
        ThreadModularFixpoint.Result r = tm.run(120);
        assertTrue(r.complete());
        assertTrue(r.sharedChanges() > 0 && r.applied() > 0, "changes " + r.sharedChanges() + ", applied " + r.applied());
        int cpus = sys.machine().initial().cpus().size();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<CheckState> queue = new java.util.ArrayDeque<>();
        CheckState init = sys.initialState();
        queue.add(init);
        seen.add(sys.fingerprint(init, 1));
        int states = 0;
        while (!queue.isEmpty()) {
            CheckState s = queue.poll();
            states++;
            for (int c = 0; c < cpus; c++) {
                assertTrue(tm.hasView(s, c), name + (perCpuAreas ? " (per-CPU areas own)" : "") + ": cpu" + c
                        + "'s view of a reachable state is missing");
            }
            for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
                LvdTransitionSystem.Taken t = sys.take(s, ch);
                if (t.violations().stream().noneMatch(sys::cuts) && seen.add(sys.fingerprint(t.target(), 1))) {
                    queue.add(t.target());
                }
            }
        }
        long views = java.util.Arrays.stream(r.views()).sum();
        assertTrue(states > 1000 && views >= states / 2, name + ": " + states + " states, " + views + " views");
    }
}
