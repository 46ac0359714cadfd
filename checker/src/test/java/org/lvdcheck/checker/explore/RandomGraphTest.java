package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random graphs: the explorer's BFS against the reference BFS of the test — distinct
 * states, depth, deadlocks, and a shortest violation whose trace is a real path of the graph.
 */
class RandomGraphTest {
    static LongStream seeds() {
        return LongStream.range(1, 41);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void bfsAgreesWithTheReference(long seed) {
        GraphSystem graph = new GraphSystem(seed);
        ReferenceBfs<Integer> reference = new ReferenceBfs<>(graph);
        String where = "seed " + seed;
        for (int workers : new int[] {1, 3}) {
            Explorer<Integer> explorer = new Explorer<>(graph,
                    Explorer.Options.defaults().withWorkers(workers).withProperties("BAD", "NEVER"));
            ExplorationResult result = explorer.run();
            assertTrue(result.complete(), where);
            assertEquals(reference.distance.size(), result.stats().distinctStates(), where);
            assertEquals(reference.maxDistance, result.stats().depth(), where);
            assertEquals(reference.deadlocks, result.stats().deadlocks(), where);
            Integer shortest = reference.violationDistance.get("BAD");
            if (shortest == null) {
                assertEquals(Status.HOLDS, result.verdict("BAD").status(), where);
                continue;
            }
            Counterexample c = result.counterexample("BAD").orElseThrow(() -> new AssertionError(where));
            assertEquals(shortest, c.length(), where);
            Trace<Integer> trace = explorer.trace(c);
            assertEquals(shortest, trace.length(), where);
            assertIsAPath(graph, trace, where);
            assertTrue(graph.bad[trace.lastState()], where);
            for (int id : result.deadlockIds()) {
                Trace<Integer> toDeadlock = explorer.traceTo(id);
                assertIsAPath(graph, toDeadlock, where);
                assertEquals(reference.distance.get(toDeadlock.lastState()), toDeadlock.length(), where);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void depthFirstReachesTheSameStates(long seed) {
        GraphSystem graph = new GraphSystem(seed);
        ReferenceBfs<Integer> reference = new ReferenceBfs<>(graph);
        Explorer<Integer> explorer = new Explorer<>(graph,
                Explorer.Options.defaults().withStrategy(Strategy.DFS).withProperties("BAD", "NEVER"));
        ExplorationResult result = explorer.run();
        String where = "seed " + seed;
        assertEquals(reference.distance.size(), result.stats().distinctStates(), where);
        assertEquals(reference.deadlocks, result.stats().deadlocks(), where);
        assertEquals(reference.violationDistance.containsKey("BAD"), result.counterexample("BAD").isPresent(), where);
        for (Counterexample c : result.counterexamples()) {
            Trace<Integer> trace = explorer.trace(c);
            assertIsAPath(graph, trace, where);
            assertTrue(trace.length() >= reference.violationDistance.get("BAD"), where);
        }
    }

    /** Each step follows an edge of the graph from the previous node, by its index. */
    private static void assertIsAPath(GraphSystem graph, Trace<Integer> trace, String where) {
        assertEquals(graph.initial.get(trace.initialIndex()), trace.initialState(), where);
        int at = trace.initialState();
        List<TraceStep<Integer>> steps = trace.steps();
        for (TraceStep<Integer> step : steps) {
            assertEquals(graph.edges[at][step.actionIndex()], (int) step.state(), where);
            at = step.state();
        }
    }
}
