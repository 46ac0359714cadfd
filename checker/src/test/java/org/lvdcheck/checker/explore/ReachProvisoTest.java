package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cycle proviso by reachability and sleep sets (docs/MODEL.md, "Partial-order reduction" C3
 * and "Transactions") on {@link HandlerCycleSystem}: an interrupt handler's local cycle on one agent
 * while the other's every step is global.
 */
class ReachProvisoTest {
    private static Explorer.Options options(boolean reach, boolean sleep, int workers) {
        return Explorer.Options.defaults().withProperties("BAD").withWorkers(workers).withReachProviso(reach)
                .withSleepSets(sleep);
    }

    private static ExplorationResult run(HandlerCycleSystem system, Explorer.Options o) {
        return new Explorer<>(system, o).run();
    }

    @Test
    void aHandlerCycleThatLeadsOnNeedsNoFullExpansion() {
        // Agent 1's set-up reaches its global step, where the driver's steps are explored anyway.
        HandlerCycleSystem system = new HandlerCycleSystem(5, 4, 3, false);
        ExplorationResult reach = run(system, options(true, false, 1));
        ExplorationResult level = run(system, options(false, false, 1));
        assertTrue(reach.complete() && level.complete());
        assertEquals(Status.HOLDS, reach.verdict("BAD").status());
        assertEquals(0, reach.stats().provisoExpansions());
        assertTrue(level.stats().provisoExpansions() > 0);
        assertTrue(reach.stats().distinctStates() < level.stats().distinctStates(),
                reach.stats().distinctStates() + " vs " + level.stats().distinctStates());
    }

    @Test
    void anIdleCpusCycleIsExpandedFullyWhenTheSearchEndsSoTheDriverIsNotIgnored() {
        // Agent 1 is idle: its interrupt cycle never leads anywhere else. Without a full expansion the
        // driver's steps, and the violation at its last one, would be ignored for ever.
        HandlerCycleSystem system = new HandlerCycleSystem(0, 3, 2, true);
        ExplorationResult result = run(system, options(true, true, 1));
        assertEquals(Status.VIOLATED, result.verdict("BAD").status());
        assertTrue(result.stats().provisoExpansions() > 0);
        ExplorationResult unreduced = run(system, options(true, true, 1).withReduction(false));
        assertEquals(Status.VIOLATED, unreduced.verdict("BAD").status());
    }

    @Test
    void anIdleCpusCycleWithAHarmlessDriverHoldsOnlyAfterTheFullExpansions() {
        HandlerCycleSystem system = new HandlerCycleSystem(0, 3, 2, false);
        ExplorationResult result = run(system, options(true, true, 2));
        assertTrue(result.complete());
        assertEquals(Status.HOLDS, result.verdict("BAD").status());
        assertEquals(0, result.stats().deadlocks());
    }

    @Test
    void underADepthBoundAnUnresolvedProvisoLeavesTheSearchIncomplete() {
        // The whole graph is within the bound, but the deferred full expansion would look further.
        HandlerCycleSystem system = new HandlerCycleSystem(0, 3, 2, false);
        ExplorationResult result = run(system, options(true, true, 1).withMaxDepth(50));
        assertFalse(result.complete());
        assertEquals(Status.INCONCLUSIVE, result.verdict("BAD").status());
    }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (int setup : new int[] {0, 1, 3}) {
            for (int handler : new int[] {1, 2, 4}) {
                for (int driver : new int[] {1, 3}) {
                    for (boolean bad : new boolean[] {false, true}) {
                        b.add(Arguments.of(setup, handler, driver, bad));
                    }
                }
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "setup {0}, handler {1}, driver {2}, bad {3}")
    @MethodSource("shapes")
    void everyCombinationGivesTheUnreducedVerdictWithEitherWorkerCount(int setup, int handler, int driver,
            boolean bad) {
        HandlerCycleSystem system = new HandlerCycleSystem(setup, handler, driver, bad);
        ExplorationResult unreduced = run(system, options(true, true, 1).withReduction(false));
        for (boolean reach : new boolean[] {true, false}) {
            for (boolean sleep : new boolean[] {true, false}) {
                ExplorationResult one = run(system, options(reach, sleep, 1));
                ExplorationResult two = run(system, options(reach, sleep, 2));
                String what = "reach " + reach + ", sleep " + sleep;
                // A search stops once every checked property is violated.
                assertEquals(!bad, one.complete(), what);
                assertEquals(unreduced.verdict("BAD").status(), one.verdict("BAD").status(), what);
                assertEquals(one.stats().distinctStates(), two.stats().distinctStates(), what);
                assertEquals(one.stats().generatedStates(), two.stats().generatedStates(), what);
                assertEquals(0, one.stats().deadlocks(), what);
            }
        }
    }
}
