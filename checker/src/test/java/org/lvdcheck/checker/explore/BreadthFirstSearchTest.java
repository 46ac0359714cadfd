package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Breadth-first exploration of the toy systems: counts, shortest traces, proviso, deadlocks, cut. */
class BreadthFirstSearchTest {
    static Explorer.Options bfs(String... properties) {
        return Explorer.Options.defaults().withWorkers(2).withProperties(properties);
    }

    @Test
    void gridHasItsExactCounts() {
        int n = 30;
        Explorer<GridSystem.Cell> explorer = new Explorer<>(new GridSystem(n), bfs("DIAG"));
        ExplorationResult result = explorer.run();
        ExplorationStats stats = result.stats();
        assertEquals(n * n, stats.distinctStates());
        assertEquals(2L * n * (n - 1), stats.generatedStates());
        assertEquals(2 * (n - 1), stats.depth());
        assertEquals(Map.of("right", (long) n * (n - 1), "up", (long) n * (n - 1)), stats.coverage());
        assertEquals(0, stats.deadlocks());
        assertEquals(0, stats.provisoExpansions());
        assertTrue(result.complete());
        assertEquals(Status.HOLDS, result.verdict("DIAG").status());
        assertFalse(result.verdict("DIAG").cut());
        assertEquals(n * n, explorer.distinctStates());
    }

    @Test
    void gridViolationIsShortestWithTheFirstParentInMergeOrder() {
        int k = 7;
        Explorer<GridSystem.Cell> explorer = new Explorer<>(new GridSystem(20, k, true), bfs("DIAG"));
        ExplorationResult result = explorer.run();
        Counterexample c = result.counterexample("DIAG").orElseThrow();
        assertEquals(2 * k, c.length());
        Trace<GridSystem.Cell> trace = explorer.trace(c);
        assertEquals(new GridSystem.Cell(k, k), trace.lastState());
        // (x, y) is first reached from (x, y - 1): that parent precedes (x - 1, y) in its level.
        List<Integer> expected = new ArrayList<>(Collections.nCopies(k, 0));
        expected.addAll(Collections.nCopies(k, 1));
        assertEquals(expected, trace.actionIndices());
        assertEquals("DIAG", trace.steps().get(2 * k - 1).violations().get(0).property());
        assertEquals(Status.VIOLATED, result.verdict("DIAG").status());
        assertEquals(Inconclusive.STOPPED, result.incompleteReason(), "every checked property is violated");
    }

    @Test
    void brokenMutexHasAShortestViolationOfSixSteps() {
        Explorer<MutexSystem.State> explorer = new Explorer<>(new MutexSystem(false), bfs("MUTEX"));
        ExplorationResult result = explorer.run();
        Counterexample c = result.counterexample("MUTEX").orElseThrow();
        assertEquals(6, c.length());
        Trace<MutexSystem.State> trace = explorer.trace(c);
        assertEquals(6, trace.length());
        assertEquals(3, trace.lastState().pc0());
        assertEquals(3, trace.lastState().pc1());
        // Level order follows (parent, transition order), so each state's recorded path is the
        // least in lexicographic order among its shortest ones: both processes pass the check
        // before either sets its flag.
        assertEquals(List.of(0, 0, 1, 1, 0, 1), trace.actionIndices());
        assertEquals(new ReferenceBfs<>(new MutexSystem(false)).violationDistance.get("MUTEX"), c.length());
    }

    @Test
    void petersonHoldsOverEveryReachableState() {
        ExplorationResult result = new Explorer<>(new MutexSystem(true), bfs("MUTEX")).run();
        ReferenceBfs<MutexSystem.State> reference = new ReferenceBfs<>(new MutexSystem(true));
        assertEquals(Status.HOLDS, result.verdict("MUTEX").status());
        assertEquals(reference.distance.size(), result.stats().distinctStates());
        assertEquals(reference.maxDistance, result.stats().depth());
        assertEquals(0, result.stats().deadlocks());
        assertTrue(reference.violationDistance.isEmpty());
    }

    @Test
    void provisoExpandsFullyWhenTheReducedCycleClosesSoTheIgnoredProcessIsFound() {
        Explorer<ProvisoSystem.State> explorer = new Explorer<>(new ProvisoSystem(4), bfs("BAD"));
        ExplorationResult result = explorer.run();
        assertEquals(Status.VIOLATED, result.verdict("BAD").status());
        Counterexample c = result.counterexample("BAD").orElseThrow();
        // Reduced: p0 runs 0 → 1 → 2 → 3; at 3 its only successor, 0, is seen, so 3 expands fully.
        assertEquals(4, c.length());
        assertEquals(1, result.stats().provisoExpansions());
        Trace<ProvisoSystem.State> trace = explorer.trace(c);
        assertEquals(List.of(0, 0, 0, 1), trace.actionIndices());
        assertEquals(new ProvisoSystem.State(3, 1), trace.lastState());
    }

    @Test
    void withoutReductionTheProvisoSystemViolatesInOneStep() {
        ExplorationResult result = new Explorer<>(new ProvisoSystem(4), bfs("BAD").withReduction(false)).run();
        assertEquals(1, result.counterexample("BAD").orElseThrow().length());
        assertEquals(0, result.stats().provisoExpansions());
    }

    @Test
    void aSuccessorASiblingStoredInTheNextLevelKeepsTheExpansionReduced() {
        for (int workers : new int[] {1, 2}) {
            ExplorationResult result = new Explorer<>(new SharedSuccessorSystem(),
                    Explorer.Options.defaults().withWorkers(workers)).run();
            // Depth 1: p0 at 1 reached left, then right; both reduce to "finish", whose target the
            // left one stores in level 2 first. The right one keeps its reduced expansion.
            assertEquals(0, result.stats().provisoExpansions(), "workers " + workers);
            assertEquals(8, result.stats().distinctStates());
            assertEquals(3, result.stats().depth());
            assertEquals(0, result.stats().deadlocks());
            assertTrue(result.complete());
        }
    }

    @Test
    void aReducedExpansionWhoseSuccessorsAreAllShallowerExpandsFully() {
        // ProvisoSystem: p0's loop closes at the last state, whose successor is at depth 0.
        ExplorationResult result = new Explorer<>(new ProvisoSystem(3), bfs("BAD")).run();
        assertEquals(1, result.stats().provisoExpansions());
        assertEquals(3, result.counterexample("BAD").orElseThrow().length());
    }

    @Test
    void aReducedExpansionIsKeptWhileItReachesNewStates() {
        ExplorationResult result = new Explorer<>(new ProvisoSystem(50), bfs("BAD", "OTHER")).run();
        // p0's loop of 50 under reduction, then the proviso at state 49; the rest of p1 = 0's
        // states are never needed, and p1 = 1 states are cut.
        assertEquals(50, result.stats().distinctStates());
        assertEquals(1, result.stats().provisoExpansions());
        assertEquals(50, result.counterexample("BAD").orElseThrow().length());
        assertEquals(Status.HOLDS, result.verdict("OTHER").status());
        assertTrue(result.verdict("OTHER").cut());
    }

    @Test
    void deadlockIsCountedWithItsTrace() {
        Explorer<PhilosophersSystem.State> explorer = new Explorer<>(new PhilosophersSystem(), bfs());
        ExplorationResult result = explorer.run();
        assertEquals(1, result.stats().deadlocks());
        assertEquals(1, result.deadlockIds().size());
        Trace<PhilosophersSystem.State> trace = explorer.traceTo(result.deadlockIds().get(0));
        assertEquals(2, trace.length());
        assertEquals(new PhilosophersSystem.State(1, 1, 0, 1), trace.lastState());
        assertEquals(new ReferenceBfs<>(new PhilosophersSystem()).deadlocks, result.stats().deadlocks());
        assertTrue(result.verdicts().isEmpty());
        assertTrue(result.complete());
    }

    @Test
    void finalStatesAreNotDeadlocks() {
        assertEquals(0, new Explorer<>(new GridSystem(5, -1, true), bfs()).run().stats().deadlocks());
        Explorer<GridSystem.Cell> explorer = new Explorer<>(new GridSystem(5, -1, false), bfs());
        ExplorationResult result = explorer.run();
        assertEquals(1, result.stats().deadlocks());
        assertEquals(new GridSystem.Cell(4, 4), explorer.traceTo(result.deadlockIds().get(0)).lastState());
    }

    @Test
    void deadlocksBeyondTheKeptOnesAreCounted() {
        Explorer.Options options = bfs("NEVER").withDeadlocksKept(2).withReduction(false);
        ExplorationResult result = new Explorer<>(new CountersSystem(20), options).run();
        ReferenceBfs<CountersSystem.State> reference = new ReferenceBfs<>(new CountersSystem(20));
        assertEquals(reference.deadlocks, result.stats().deadlocks());
        assertTrue(result.stats().deadlocks() > 2);
        assertEquals(2, result.deadlockIds().size());
    }

    @Test
    void aCutStateIsNotExpandedAndCutSensitivePropertiesBecomeInconclusive() {
        Explorer<MutexSystem.State> explorer = new Explorer<>(new MutexSystem(false), bfs("MUTEX", "NEVER"));
        ExplorationResult result = explorer.run();
        assertTrue(result.complete());
        assertEquals(Status.VIOLATED, result.verdict("MUTEX").status());
        Verdict never = result.verdict("NEVER");
        assertEquals(Status.HOLDS, never.status());
        assertTrue(never.cut());
        assertTrue(result.stats().cutStates() > 0);
        ExplorationResult strict = result.withCutSensitive(p -> p.equals("NEVER"));
        assertEquals(Status.INCONCLUSIVE, strict.verdict("NEVER").status());
        assertEquals(Inconclusive.CUT, strict.verdict("NEVER").reason());
        assertEquals(Status.VIOLATED, strict.verdict("MUTEX").status());
        assertEquals(Status.HOLDS, result.withCutSensitive(p -> false).verdict("NEVER").status());
        // Both-critical states are never stored: each one is reached only by a violating step.
        ReferenceBfs<MutexSystem.State> reference = new ReferenceBfs<>(new MutexSystem(false));
        assertEquals(reference.distance.size(), result.stats().distinctStates());
    }

    @Test
    void uncheckedPropertiesAreIgnored() {
        ExplorationResult result = new Explorer<>(new MutexSystem(false), bfs("NEVER")).run();
        assertEquals(Status.HOLDS, result.verdict("NEVER").status());
        assertFalse(result.verdict("NEVER").cut());
        assertEquals(0, result.stats().cutStates());
        assertTrue(result.counterexamples().isEmpty());
    }

    @Test
    void stopAtFirstLeavesTheOtherPropertiesInconclusive() {
        ExplorationResult result = new Explorer<>(new CountersSystem(37),
                bfs("CORNER", "MID").withStopAtFirst(true).withReduction(false)).run();
        ReferenceBfs<CountersSystem.State> reference = new ReferenceBfs<>(new CountersSystem(37));
        assertEquals(Status.VIOLATED, result.verdict("MID").status());
        assertEquals(reference.violationDistance.get("MID"), result.counterexample("MID").orElseThrow().length());
        assertEquals(Status.INCONCLUSIVE, result.verdict("CORNER").status());
        assertEquals(Inconclusive.STOPPED, result.verdict("CORNER").reason());
    }

    @Test
    void explorationGoesOnUntilEveryPropertyIsViolated() {
        ExplorationResult result = new Explorer<>(new CountersSystem(37),
                bfs("CORNER", "MID").withReduction(false)).run();
        ReferenceBfs<CountersSystem.State> reference = new ReferenceBfs<>(new CountersSystem(37));
        assertEquals(Status.VIOLATED, result.verdict("MID").status());
        assertEquals(Status.VIOLATED, result.verdict("CORNER").status());
        assertEquals(reference.violationDistance.get("CORNER"), result.counterexample("CORNER").orElseThrow().length());
        assertEquals(Inconclusive.STOPPED, result.incompleteReason());
        assertNull(result.verdict("CORNER").reason());
    }

    @Test
    void initialStateViolationIsALengthZeroCounterexample() {
        GraphSystem graph = findGraphStartingInABadNode();
        Explorer<Integer> explorer = new Explorer<>(graph, bfs("BAD"));
        Counterexample c = explorer.run().counterexample("BAD").orElseThrow();
        assertTrue(c.initial());
        Trace<Integer> trace = explorer.trace(c);
        assertEquals(0, trace.length());
        assertTrue(graph.bad[trace.initialState()]);
        assertEquals("BAD", trace.initialViolations().get(0).property());
    }

    private static GraphSystem findGraphStartingInABadNode() {
        for (long seed = 0; ; seed++) {
            GraphSystem g = new GraphSystem(seed);
            if (g.initial.stream().anyMatch(v -> g.bad[v])) {
                return g;
            }
        }
    }

    @Test
    void progressIsReportedOnTheInjectedClock() {
        long[] now = {0};
        List<Progress> seen = new ArrayList<>();
        Explorer.Options options = bfs().withWorkers(1)
                .withClock(() -> now[0] += 1_000_000)
                .withProgress(seen::add, Duration.ofMillis(1));
        ExplorationResult result = new Explorer<>(new CountersSystem(20), options).run();
        assertFalse(seen.isEmpty());
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i).distinctStates() >= seen.get(i - 1).distinctStates());
        }
        assertTrue(seen.get(seen.size() - 1).distinctStates() <= result.stats().distinctStates());
        assertTrue(result.stats().seconds() > 0);
        assertEquals(result.stats().distinctStates() / result.stats().seconds(), result.stats().statesPerSecond(), 1e-6);
    }
}
