package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * `check --state-profile` counts every state the explorer expands once, with the place of each
 * CPU: on the small specs, with and without reduction, the counts add up to the distinct states.
 */
class StateProfileTest {
    @ParameterizedTest(name = "{0}, reduction {1}")
    @CsvSource({"tiny, true", "tiny, false", "mini, true", "mini, false"})
    void everyExpandedStateIsCountedOnceWithEachCpusPlace(String spec, boolean reduction) throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/" + spec + ".lvd"), reduction);
        StateProfile p = new StateProfile(sys.machine());
        sys.profile(p);
        ExplorationResult r = new Explorer<>(sys, Explorer.Options.defaults().withWorkers(2).withReduction(reduction)).run();
        assertTrue(r.complete());
        long distinct = r.stats().distinctStates();
        assertEquals(distinct, p.expanded());
        int cpus = sys.machine().system().cpus();
        List<StateProfile.Count> places = p.topPlaces(Integer.MAX_VALUE);
        for (int c = 0; c < cpus; c++) {
            String prefix = "cpu" + c + " ";
            assertEquals(distinct, places.stream().filter(x -> x.place().startsWith(prefix)).mapToLong(StateProfile.Count::states)
                    .sum(), "every state has one place for cpu" + c);
        }
        assertEquals(distinct, p.topCombinations(Integer.MAX_VALUE).stream().mapToLong(StateProfile.Count::states).sum());
        assertTrue(places.stream().anyMatch(x -> x.place().endsWith("driver control (RIP ⊤)")), places.toString());
        assertTrue(places.stream().anyMatch(x -> x.place().matches("cpu0 t0 kernel \\w+\\.s:\\d+ \\w+")), places.toString());
        List<StateProfile.Count> top = p.topPlaces(3);
        assertEquals(3, top.size());
        assertTrue(top.get(0).states() >= top.get(1).states() && top.get(1).states() >= top.get(2).states());
    }
}
