package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The explorer's own limits never earn "holds" (DESIGN.md §5); nor does a likely collision. */
class BoundsTest {
    static final int N = 20;

    static Explorer.Options grid() {
        return Explorer.Options.defaults().withWorkers(2).withProperties("DIAG", "NEVER");
    }

    static void assertNothingHolds(ExplorationResult result, Inconclusive reason) {
        assertFalse(result.complete());
        assertEquals(reason, result.incompleteReason());
        for (Verdict v : result.verdicts()) {
            assertNotEquals(Status.HOLDS, v.status(), v.property());
            assertEquals(reason, v.reason(), v.property());
        }
    }

    @Test
    void stateBoundStopsAtExactlyThatManyStates() {
        ExplorationResult result = new Explorer<>(new GridSystem(N), grid().withMaxStates(100)).run();
        assertNothingHolds(result, Inconclusive.STATE_BOUND);
        assertEquals(100, result.stats().distinctStates());
    }

    @Test
    void stateBoundEqualToTheStateCountIsNotHit() {
        ExplorationResult result = new Explorer<>(new GridSystem(N), grid().withMaxStates(N * N)).run();
        assertTrue(result.complete());
        assertEquals(Status.HOLDS, result.verdict("NEVER").status());
    }

    @Test
    void depthBoundLeavesDeeperStatesUnexplored() {
        ExplorationResult result = new Explorer<>(new GridSystem(N), grid().withMaxDepth(5)).run();
        assertNothingHolds(result, Inconclusive.DEPTH_BOUND);
        assertEquals(5, result.stats().depth());
        assertEquals(21, result.stats().distinctStates(), "cells with x + y <= 5");
    }

    @Test
    void depthBoundAtTheDiameterIsNotHit() {
        ExplorationResult result = new Explorer<>(new GridSystem(N), grid().withMaxDepth(2 * (N - 1))).run();
        assertTrue(result.complete());
        assertEquals(Status.HOLDS, result.verdict("DIAG").status());
    }

    @Test
    void depthBoundInDepthFirstSearchIsInconclusiveToo() {
        ExplorationResult result = new Explorer<>(new GridSystem(N),
                grid().withStrategy(Strategy.DFS).withMaxDepth(5)).run();
        assertNothingHolds(result, Inconclusive.DEPTH_BOUND);
    }

    @Test
    void timeLimitOnTheInjectedClock() {
        long[] now = {0};
        Explorer.Options options = grid().withClock(() -> now[0] += 1_000_000).withTimeLimit(Duration.ofMillis(10));
        ExplorationResult result = new Explorer<>(new GridSystem(N), options).run();
        assertNothingHolds(result, Inconclusive.TIME_BOUND);
        assertTrue(result.stats().distinctStates() < N * N);
    }

    /** An exhausted heap stops every strategy with what it has explored, nothing holding. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Strategy.class, names = {"BFS", "DFS"})
    void anExhaustedHeapStopsTheSearchInconclusive(Strategy strategy) {
        long[] now = {0};
        int[] polls = {0};
        Explorer.Options options = grid().withStrategy(strategy).withClock(() -> now[0] += 400_000_000L)
                .withMemoryExhausted(() -> ++polls[0] >= 3);
        int n = 200; // the depth-first search looks at its bounds every thousand or so states
        ExplorationResult result = new Explorer<>(new GridSystem(n), options).run();
        assertNothingHolds(result, Inconclusive.MEMORY_BOUND);
        assertEquals(3, polls[0], "polled about once a second of the clock, until exhausted");
        assertTrue(result.stats().distinctStates() < n * n);
    }

    @Test
    void aHeapThatNeverFillsIsPolledAndChangesNothing() {
        long[] now = {0};
        int[] polls = {0};
        Explorer.Options options = grid().withClock(() -> now[0] += 400_000_000L).withMemoryExhausted(() -> {
            polls[0]++;
            return false;
        });
        ExplorationResult result = new Explorer<>(new GridSystem(N), options).run();
        assertTrue(result.complete());
        assertEquals(N * N, result.stats().distinctStates());
        assertTrue(polls[0] > 0);
    }

    @Test
    void theHeapGaugeCountsNinetyFivePercentAfterACollectionAsExhausted() {
        assertTrue(HeapGauge.exhausted(95, 100));
        assertFalse(HeapGauge.exhausted(94, 100));
        assertFalse(HeapGauge.exhausted(1L << 40, -1), "a pool without a maximum never fills");
        assertTrue(HeapGauge.OLD_GENERATION.poolName() != null, "this JVM's collector names an old generation");
        assertFalse(HeapGauge.OLD_GENERATION.exhausted(), "a test JVM's heap is far from full");
    }

    @Test
    void violationsFoundBeforeABoundStillCount() {
        ExplorationResult result = new Explorer<>(new GridSystem(N, 3, true), grid().withMaxStates(100)).run();
        assertEquals(Status.VIOLATED, result.verdict("DIAG").status());
        assertEquals(Status.INCONCLUSIVE, result.verdict("NEVER").status());
        assertEquals(Inconclusive.STATE_BOUND, result.verdict("NEVER").reason());
    }

    @Test
    void twoOrbitsMeetFourThirdsAsOftenAsTwoFingerprints() {
        // Over N values, the smaller of two uniform values is v with probability (2(N - v) - 1)/N²:
        // the chance that two such minima are equal, against 1/N for two uniform values.
        int n = 1 << 16;
        double meet = 0;
        for (long v = 0; v < n; v++) {
            double p = (2.0 * (n - v) - 1) / ((double) n * n);
            meet += p * p;
        }
        assertEquals(4.0 / 3, meet * n, 1e-4);
        assertEquals(ExplorationStats.collisionEstimate(1_000_000) * 4 / 3,
                ExplorationStats.orbitCollisionEstimate(1_000_000), 1e-30);
    }

    @Test
    void collisionEstimateIsNSquaredOver2To65() {
        assertEquals(0x1p-65, ExplorationStats.collisionEstimate(1));
        assertEquals(1e12 / 0x1p65, ExplorationStats.collisionEstimate(1_000_000), 1e-30);
        assertTrue(ExplorationStats.collisionEstimate(100_000_000) < ExplorationResult.COLLISION_LIMIT);
        assertTrue(ExplorationStats.collisionEstimate(200_000_000) > ExplorationResult.COLLISION_LIMIT);
        ExplorationResult result = new Explorer<>(new GridSystem(N), grid()).run();
        assertEquals(ExplorationStats.collisionEstimate(N * N), result.stats().collisionProbability());
        assertEquals(0, new Explorer<>(new GridSystem(N), grid().withExact(true)).run().stats().collisionProbability());
    }

    @Test
    void aLikelyCollisionTurnsHoldsIntoInconclusive() {
        Set<String> properties = new LinkedHashSet<>(List.of("A", "B"));
        Counterexample a = new Counterexample("A", new Violation("A", "x"), 0, 0, 1);
        List<Verdict> verdicts = ExplorationResult.verdicts(properties, Map.of("A", a), Strategy.BFS, null,
                ExplorationStats.collisionEstimate(200_000_000), 0);
        assertEquals(Status.VIOLATED, verdicts.get(0).status());
        assertEquals(Status.INCONCLUSIVE, verdicts.get(1).status());
        assertEquals(Inconclusive.COLLISION, verdicts.get(1).reason());
        List<Verdict> fine = ExplorationResult.verdicts(properties, Map.of(), Strategy.BFS, null,
                ExplorationStats.collisionEstimate(100_000_000), 0);
        assertEquals(Status.HOLDS, fine.get(1).status());
    }

    @Test
    void simulationNeverHolds() {
        ExplorationResult result = new Explorer<>(new MutexSystem(true), Explorer.Options.defaults()
                .withStrategy(Strategy.SIMULATE).withMaxWalks(200).withProperties("MUTEX")).run();
        assertEquals(Status.INCONCLUSIVE, result.verdict("MUTEX").status());
        assertEquals(Inconclusive.SIMULATE, result.verdict("MUTEX").reason());
        assertTrue(result.counterexamples().isEmpty());
    }

    @Test
    void aSimulationWithoutAnyLimitIsRefused() {
        Explorer.Options options = Explorer.Options.defaults().withStrategy(Strategy.SIMULATE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Explorer<>(new GridSystem(3), options));
        assertTrue(e.getMessage().contains("simulation needs"), e.getMessage());
    }

    @Test
    void optionsRejectNonsense() {
        Explorer.Options d = Explorer.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withWorkers(0));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxStates(0));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxDepth(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeLimit(Duration.ofSeconds(-1)));
    }

    @Test
    void anExplorerRunsOnceAndTracesOnlyAfterItsRun() {
        Explorer<GridSystem.Cell> explorer = new Explorer<>(new GridSystem(3), grid());
        assertThrows(IllegalStateException.class, () -> explorer.traceTo(0));
        explorer.run();
        assertThrows(IllegalStateException.class, explorer::run);
        assertThrows(IllegalArgumentException.class, () -> explorer.traceTo(9));
        assertEquals(0, explorer.traceTo(0).length());
    }
}
