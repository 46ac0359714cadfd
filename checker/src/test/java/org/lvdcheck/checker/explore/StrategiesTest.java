package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Depth-first search and random simulation. */
class StrategiesTest {
    static Explorer.Options with(Strategy strategy, String... properties) {
        return Explorer.Options.defaults().withStrategy(strategy).withProperties(properties);
    }

    @Test
    void depthFirstFindsTheMutexViolationAndItsTraceReplays() {
        Explorer<MutexSystem.State> explorer = new Explorer<>(new MutexSystem(false), with(Strategy.DFS, "MUTEX"));
        ExplorationResult result = explorer.run();
        assertEquals(Strategy.DFS, result.strategy());
        assertEquals(1, result.stats().workers());
        Counterexample c = result.counterexample("MUTEX").orElseThrow();
        Trace<MutexSystem.State> trace = explorer.trace(c);
        assertEquals(c.length(), trace.length());
        assertTrue(trace.length() >= 6, "never shorter than the shortest");
        assertEquals(3, trace.lastState().pc0());
        assertEquals(3, trace.lastState().pc1());
    }

    @Test
    void depthFirstVisitsEveryReachableState() {
        ReferenceBfs<MutexSystem.State> reference = new ReferenceBfs<>(new MutexSystem(true));
        ExplorationResult peterson = new Explorer<>(new MutexSystem(true), with(Strategy.DFS, "MUTEX")).run();
        assertEquals(Status.HOLDS, peterson.verdict("MUTEX").status());
        assertEquals(reference.distance.size(), peterson.stats().distinctStates());
        ExplorationResult grid = new Explorer<>(new GridSystem(25), with(Strategy.DFS, "DIAG")).run();
        assertEquals(625, grid.stats().distinctStates());
        assertEquals(Status.HOLDS, grid.verdict("DIAG").status());
    }

    @Test
    void depthFirstAppliesTheProviso() {
        ExplorationResult result = new Explorer<>(new ProvisoSystem(6), with(Strategy.DFS, "BAD")).run();
        assertEquals(Status.VIOLATED, result.verdict("BAD").status());
        assertEquals(1, result.stats().provisoExpansions());
    }

    @Test
    void depthFirstDeadlockTraceReplays() {
        Explorer<PhilosophersSystem.State> explorer = new Explorer<>(new PhilosophersSystem(), with(Strategy.DFS));
        ExplorationResult result = explorer.run();
        assertEquals(1, result.stats().deadlocks());
        assertEquals(new PhilosophersSystem.State(1, 1, 0, 1),
                explorer.traceTo(result.deadlockIds().get(0)).lastState());
    }

    @Test
    void simulationFindsTheMutexViolationReproducibly() {
        Explorer.Options options = with(Strategy.SIMULATE, "MUTEX").withSeed(7).withMaxWalks(2_000);
        Explorer<MutexSystem.State> explorer = new Explorer<>(new MutexSystem(false), options);
        ExplorationResult result = explorer.run();
        Counterexample c = result.counterexample("MUTEX").orElseThrow();
        Trace<MutexSystem.State> trace = explorer.trace(c);
        assertEquals(c.length(), trace.length());
        assertEquals(3, trace.lastState().pc0());
        assertEquals(3, trace.lastState().pc1());
        ExplorationResult again = new Explorer<>(new MutexSystem(false), options).run();
        assertEquals(result.counterexamples(), again.counterexamples());
        assertEquals(result.stats().distinctStates(), again.stats().distinctStates());
    }

    @Test
    void simulationWalksAtMostMaxDepthSteps() {
        Explorer.Options options = with(Strategy.SIMULATE, "DIAG").withMaxWalks(50).withMaxDepth(4);
        ExplorationResult result = new Explorer<>(new GridSystem(30), options).run();
        assertEquals(4, result.stats().depth());
        assertEquals(50 * 4, result.stats().generatedStates());
        assertTrue(result.stats().distinctStates() <= 15, "cells with x + y <= 4");
    }

    @Test
    void simulationCountsEachDeadlockOnce() {
        Explorer.Options options = with(Strategy.SIMULATE).withMaxWalks(500);
        Explorer<PhilosophersSystem.State> explorer = new Explorer<>(new PhilosophersSystem(), options);
        ExplorationResult result = explorer.run();
        assertEquals(1, result.stats().deadlocks());
        assertEquals(new PhilosophersSystem.State(1, 1, 0, 1),
                explorer.traceTo(result.deadlockIds().get(0)).lastState());
    }
}
