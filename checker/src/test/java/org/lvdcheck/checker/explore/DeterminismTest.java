package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Counts, ids and traces do not depend on the worker count (DESIGN.md §5), and exact and
 * fingerprint modes agree. Run on a system of about 10^5 states with reduced expansions,
 * cycles, violations and deadlocks.
 */
class DeterminismTest {
    static final CountersSystem SYSTEM = new CountersSystem(37);

    /** Everything a run reports that must not depend on the worker count or the store. */
    record Summary(long distinct, long generated, int depth, Object coverage, long proviso, long cut,
            long deadlocks, List<Integer> deadlockIds, List<Counterexample> counterexamples,
            List<List<Integer>> traces) {
    }

    static Summary run(int workers, boolean exact) {
        Explorer.Options options = Explorer.Options.defaults().withWorkers(workers).withExact(exact)
                .withProperties("MID", "CORNER", "NEVER").withDeadlocksKept(20);
        Explorer<CountersSystem.State> explorer = new Explorer<>(SYSTEM, options);
        ExplorationResult r = explorer.run();
        ExplorationStats s = r.stats();
        List<List<Integer>> traces = new ArrayList<>();
        for (Counterexample c : r.counterexamples()) {
            traces.add(explorer.trace(c).actionIndices());
        }
        for (int id : r.deadlockIds()) {
            traces.add(explorer.traceTo(id).actionIndices());
        }
        return new Summary(s.distinctStates(), s.generatedStates(), s.depth(), s.coverage(), s.provisoExpansions(),
                s.cutStates(), s.deadlocks(), r.deadlockIds(), r.counterexamples(), traces);
    }

    @Test
    void workerCountChangesNothing() {
        Summary one = run(1, false);
        assertTrue(one.distinct() > 90_000, "distinct " + one.distinct());
        assertTrue(one.proviso() > 10_000, "the proviso is exercised: " + one.proviso());
        // Of each flip pair the proviso expands one state fully, so reduction loses no state.
        assertEquals(new ReferenceBfs<>(SYSTEM).distance.size(), one.distinct());
        assertTrue(one.deadlocks() > 0, "deadlocks are reached");
        assertEquals(2, one.counterexamples().size());
        assertEquals(one, run(2, false));
        assertEquals(one, run(4, false));
    }

    @Test
    void exactAndFingerprintModesAgree() {
        assertEquals(run(1, false), run(3, true));
    }

    @Test
    void exactAndFingerprintModesAgreeOnTheMutexes() {
        for (boolean peterson : new boolean[] {false, true}) {
            Explorer.Options options = Explorer.Options.defaults().withProperties("MUTEX", "NEVER");
            ExplorationResult fp = new Explorer<>(new MutexSystem(peterson), options).run();
            ExplorationResult exact = new Explorer<>(new MutexSystem(peterson), options.withExact(true)).run();
            assertEquals(fp.stats().distinctStates(), exact.stats().distinctStates());
            assertEquals(fp.verdicts(), exact.verdicts());
        }
    }

    @Test
    void fingerprintSeedChangesNoCount() {
        Explorer.Options options = Explorer.Options.defaults().withWorkers(2).withProperties("MID", "CORNER");
        ExplorationResult a = new Explorer<>(SYSTEM, options.withFpSeed(1)).run();
        ExplorationResult b = new Explorer<>(SYSTEM, options.withFpSeed(0xC0FFEE)).run();
        assertEquals(a.stats().distinctStates(), b.stats().distinctStates());
        assertEquals(a.counterexamples(), b.counterexamples());
    }
}
