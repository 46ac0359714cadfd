package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The transactions of the sleep sets (docs/MODEL.md, "Transactions") on {@link TransactionSystem}:
 * the reduced search finds what the unreduced one finds, with the same shortest lengths, for one
 * and two workers, and leaves out the interleavings inside two agents' runs of both-movers.
 */
class TransactionTest {
    private static Explorer.Options options(boolean sleep, int workers) {
        return Explorer.Options.defaults().withProperties("SAW0", "SAW1").withWorkers(workers).withSleepSets(sleep);
    }

    private static ExplorationResult run(TransactionSystem system, Explorer.Options o) {
        return new Explorer<>(system, o).run();
    }

    @Test
    void anAgentAsleepForATransactionWakesAtItsWrite() {
        // Agent 1 sleeps while agent 0 runs its both-mover; it must wake after agent 0's write, or the
        // read that sees it is never explored.
        TransactionSystem system = new TransactionSystem("mw", "mr", false);
        ExplorationResult result = run(system, options(true, 1));
        assertEquals(Status.VIOLATED, result.verdict("SAW0").status());
        assertEquals(4, result.counterexample("SAW0").orElseThrow().length());
        assertEquals(Status.HOLDS, result.verdict("SAW1").status());
    }

    @Test
    void bothOrdersOfTwoTransactionsAreExplored() {
        // Each agent writes, then reads: whichever commits second sees the other's write.
        TransactionSystem system = new TransactionSystem("mmwr", "mmwr", false);
        ExplorationResult result = run(system, options(true, 1));
        assertEquals(Status.VIOLATED, result.verdict("SAW0").status());
        assertEquals(Status.VIOLATED, result.verdict("SAW1").status());
    }

    @Test
    void theInterleavingsInsideTwoRunsOfBothMoversAreLeftOut() {
        TransactionSystem system = new TransactionSystem("mmmw", "mmmw", false);
        ExplorationResult with = run(system, options(true, 1));
        ExplorationResult without = run(system, options(false, 1));
        assertTrue(with.complete() && without.complete());
        // Without: every pair of positions, 5 x 5 states (x tells the order of the writes apart at the end).
        assertEquals(26, without.stats().distinctStates());
        assertTrue(with.stats().distinctStates() < without.stats().distinctStates(),
                with.stats().distinctStates() + " vs " + without.stats().distinctStates());
        assertEquals(0, with.stats().deadlocks());
    }

    @Test
    void anAgentWithNoStepsLeftWakesTheOthersSoADeadlockIsFound() {
        // Agent 0 moves, then waits for x != 0 for ever; agent 1 moves and ends: a deadlock.
        TransactionSystem system = new TransactionSystem("mb", "mm", false);
        ExplorationResult unreduced = run(system, options(true, 1).withReduction(false));
        ExplorationResult reduced = run(system, options(true, 1));
        assertTrue(unreduced.stats().deadlocks() > 0);
        assertTrue(reduced.stats().deadlocks() > 0);
    }

    static Stream<Arguments> programs() {
        Random random = new Random(20261207L);
        Stream.Builder<Arguments> b = Stream.builder();
        String ops = "mmwrb";
        for (int k = 0; k < 120; k++) {
            String[] p = new String[2];
            for (int a = 0; a < 2; a++) {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    sb.append(ops.charAt(random.nextInt(ops.length())));
                }
                p[a] = sb.toString();
            }
            b.add(Arguments.of(p[0], p[1], random.nextBoolean()));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} | {1}, ample {2}")
    @MethodSource("programs")
    void theReducedSearchFindsWhatTheUnreducedFinds(String p0, String p1, boolean ample) {
        TransactionSystem system = new TransactionSystem(p0, p1, ample);
        ExplorationResult unreduced = run(system, options(true, 1).withReduction(false));
        ExplorationResult one = run(system, options(true, 1));
        ExplorationResult two = run(system, options(true, 2));
        for (String p : new String[] {"SAW0", "SAW1"}) {
            assertEquals(unreduced.verdict(p).status(), one.verdict(p).status(), p);
            if (!ample) {
                // A transaction only reorders steps: its runs are as long as the ones it stands for. (An ample
                // set may put off the other agent's step past one of its own, which lengthens a trace.)
                assertEquals(length(unreduced, p), length(one, p), p + "'s shortest trace");
            }
            assertEquals(length(one, p), length(two, p), p);
        }
        assertEquals(unreduced.stats().deadlocks() > 0, one.stats().deadlocks() > 0, "a deadlock");
        assertEquals(one.stats().distinctStates(), two.stats().distinctStates());
        if (unreduced.complete()) {
            // (A search that found every property violated stops where it found the last.)
            assertTrue(one.complete());
            assertTrue(one.stats().distinctStates() <= unreduced.stats().distinctStates());
        }
    }

    private static int length(ExplorationResult r, String property) {
        Optional<Counterexample> c = r.counterexample(property);
        return c.map(Counterexample::length).orElse(-1);
    }
}
