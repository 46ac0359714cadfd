package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The depth-first search's stack proviso (docs/MODEL.md, "Partial-order reduction", C3): a reduced
 * expansion is replaced by the full one when one of its successors is on the search's path; with
 * {@code --proviso level}, when none of its successors is new.
 */
class StackProvisoTest {
    private static Explorer.Options dfs(boolean stack, String... properties) {
        return Explorer.Options.defaults().withStrategy(Strategy.DFS).withReachProviso(stack)
                .withProperties(properties);
    }

    @Test
    void aCycleOfReducedStatesIsClosedByAFullExpansion() {
        // Process 0 loops for ever; process 1's one step violates BAD. The loop's last state steps back
        // to the first, on the path: expanded fully, and process 1 is not ignored.
        ExplorationResult r = new Explorer<>(new ProvisoSystem(6), dfs(true, "BAD")).run();
        assertEquals(Status.VIOLATED, r.verdict("BAD").status());
        assertEquals(1, r.stats().provisoExpansions());
    }

    /** {@link ProvisoSystem}'s loop of six with a second initial state half-way round it. */
    private static final class TwoStarts implements TransitionSystem<ProvisoSystem.State> {
        private final ProvisoSystem loop = new ProvisoSystem(6);

        @Override
        public java.util.List<ProvisoSystem.State> initialStates() {
            return java.util.List.of(new ProvisoSystem.State(0, 0), new ProvisoSystem.State(3, 0));
        }

        @Override
        public java.util.List<Violation> checkInitial(ProvisoSystem.State s) {
            return java.util.List.of();
        }

        @Override
        public Expansion<ProvisoSystem.State> expand(ProvisoSystem.State s, boolean reduced) {
            return loop.expand(s, reduced);
        }

        @Override
        public long fingerprint(ProvisoSystem.State s, long seed) {
            return loop.fingerprint(s, seed);
        }

        @Override
        public boolean isFinal(ProvisoSystem.State s) {
            return false;
        }
    }

    @Test
    void anInitialStateNotEnteredYetCountsAsOnThePath() {
        // The loop from the first initial state reaches the second, stored but not entered yet; from
        // the second it comes back to the first, left already. Were the second taken as off the path,
        // neither half would close the loop and process 1 would be ignored for ever.
        ExplorationResult r = new Explorer<>(new TwoStarts(), dfs(true, "BAD")).run();
        assertEquals(Status.VIOLATED, r.verdict("BAD").status());
        assertTrue(r.stats().provisoExpansions() >= 1);
    }

    @Test
    void aSuccessorStoredOffThePathKeepsTheExpansionReduced() {
        // p0 at 1, reached left and then right, reduces to "finish"; when the right one is entered, the
        // target is stored and left already, not on the path: the stack proviso keeps the reduced
        // expansion, where the level rule (no new successor) expands it fully.
        ExplorationResult stack = new Explorer<>(new SharedSuccessorSystem(), dfs(true)).run();
        ExplorationResult level = new Explorer<>(new SharedSuccessorSystem(), dfs(false)).run();
        assertTrue(stack.complete() && level.complete());
        assertEquals(0, stack.stats().provisoExpansions());
        assertEquals(1, level.stats().provisoExpansions());
        assertEquals(0, stack.stats().deadlocks());
        assertTrue(stack.stats().distinctStates() <= level.stats().distinctStates(),
                stack.stats().distinctStates() + " vs " + level.stats().distinctStates());
    }

    @Test
    void aHandlerCycleClosesOnThePath() {
        // Each handler's IRETQ gives back the state it interrupted, an ancestor on the path: the stack
        // proviso expands there as the level rule does (the breadth-first reach proviso need not).
        HandlerCycleSystem system = new HandlerCycleSystem(5, 4, 3, false);
        ExplorationResult stack = new Explorer<>(system, dfs(true, "BAD")).run();
        ExplorationResult level = new Explorer<>(system, dfs(false, "BAD")).run();
        assertTrue(stack.complete() && level.complete());
        assertEquals(Status.HOLDS, stack.verdict("BAD").status());
        assertTrue(stack.stats().provisoExpansions() > 0);
        assertTrue(stack.stats().provisoExpansions() <= level.stats().provisoExpansions(),
                stack.stats().provisoExpansions() + " vs " + level.stats().provisoExpansions());
    }

    @Test
    void anIdleCpusCycleIsClosedOnThePathSoTheDriverIsNotIgnored() {
        HandlerCycleSystem system = new HandlerCycleSystem(0, 3, 2, true);
        ExplorationResult r = new Explorer<>(system, dfs(true, "BAD")).run();
        assertEquals(Status.VIOLATED, r.verdict("BAD").status());
        assertTrue(r.stats().provisoExpansions() > 0);
    }

    @Test
    void aStateIsStoredWhenEnteredSoEveryStoredStateIsExpanded() {
        // The grid's cells are each reached along many paths; each is stored once, and every one is expanded.
        ExplorationResult grid = new Explorer<>(new GridSystem(25), dfs(true, "DIAG")).run();
        assertEquals(625, grid.stats().distinctStates());
        assertEquals(Status.HOLDS, grid.verdict("DIAG").status());
        assertTrue(grid.complete());
    }

    @Test
    void underADepthBoundTheSearchIsIncomplete() {
        ExplorationResult r = new Explorer<>(new HandlerCycleSystem(3, 2, 2, false),
                dfs(true, "BAD").withMaxDepth(2)).run();
        assertFalse(r.complete());
        assertEquals(Status.INCONCLUSIVE, r.verdict("BAD").status());
    }

    @ParameterizedTest(name = "setup {0}, handler {1}, driver {2}, bad {3}")
    @MethodSource("org.lvdcheck.checker.explore.ReachProvisoTest#shapes")
    void everyShapeGivesTheUnreducedVerdictAndATraceThatReplays(int setup, int handler, int driver, boolean bad) {
        HandlerCycleSystem system = new HandlerCycleSystem(setup, handler, driver, bad);
        ExplorationResult unreduced = new Explorer<>(system,
                Explorer.Options.defaults().withProperties("BAD").withReduction(false)).run();
        for (boolean stack : new boolean[] {true, false}) {
            Explorer<HandlerCycleSystem.State> explorer = new Explorer<>(system, dfs(stack, "BAD"));
            ExplorationResult r = explorer.run();
            String what = "stack " + stack;
            assertEquals(!bad, r.complete(), what);
            assertEquals(unreduced.verdict("BAD").status(), r.verdict("BAD").status(), what);
            assertEquals(0, r.stats().deadlocks(), what);
            if (bad) {
                Trace<HandlerCycleSystem.State> trace = explorer.trace(r.counterexample("BAD").orElseThrow());
                assertTrue(trace.length() >= unreduced.counterexample("BAD").orElseThrow().length(), what);
            }
        }
    }
}
