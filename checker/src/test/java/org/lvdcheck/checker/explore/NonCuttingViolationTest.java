package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A violation the system declares non-cutting is reported and the state is still expanded, so
 * a violation of another property beyond it is found too; by default a violating state is cut.
 */
class NonCuttingViolationTest {
    /** The chain 0 -> 1 -> 2 -> 3: entering 1 breaks SOFT, entering 3 breaks HARD; 0 itself breaks SOFT. */
    static final class Chain implements TransitionSystem<Integer> {
        final boolean softCuts;

        Chain(boolean softCuts) {
            this.softCuts = softCuts;
        }

        @Override
        public List<Integer> initialStates() {
            return List.of(0);
        }

        @Override
        public List<Violation> checkInitial(Integer s) {
            return List.of(new Violation("SOFT", "starts soft"));
        }

        @Override
        public Expansion<Integer> expand(Integer s, boolean reduced) {
            List<Transition<Integer>> out = new ArrayList<>();
            if (s < 3) {
                int t = s + 1;
                List<Violation> v = t == 1 ? List.of(new Violation("SOFT", "enters 1"))
                        : t == 3 ? List.of(new Violation("HARD", "enters 3")) : List.of();
                out.add(new Transition<>(0, "next", t, v));
            }
            return Expansion.all(out);
        }

        @Override
        public long fingerprint(Integer s, long seed) {
            return Fp.of(seed, s);
        }

        @Override
        public boolean isFinal(Integer s) {
            return s == 3;
        }

        @Override
        public boolean cuts(Violation v) {
            return softCuts || !v.property().equals("SOFT");
        }
    }

    private static ExplorationResult run(boolean softCuts) {
        return new Explorer<>(new Chain(softCuts), Explorer.Options.defaults().withWorkers(1)
                .withProperties("SOFT", "HARD")).run();
    }

    @Test
    void aNonCuttingViolationIsReportedAndExploredPast() {
        ExplorationResult r = run(false);
        assertEquals(Status.VIOLATED, r.verdict("SOFT").status());
        assertEquals(0, r.verdict("SOFT").counterexample().length(), "the initial state, shortest");
        assertEquals(Status.VIOLATED, r.verdict("HARD").status());
        assertEquals(3, r.verdict("HARD").counterexample().length());
        assertEquals(3, r.stats().distinctStates(), "0, 1 and 2 stored; 3 is cut");
    }

    @Test
    void aStateEnteredWithANonCuttingViolationIsStoredByItsFingerprintAndItsTraceReplays() {
        Explorer<Integer> e = new Explorer<>(new Chain(false), Explorer.Options.defaults().withWorkers(1)
                .withProperties("SOFT", "HARD"));
        ExplorationResult r = e.run();
        Trace<Integer> t = e.trace(r.verdict("HARD").counterexample());
        assertEquals(3, t.length(), "0 -> 1 (SOFT) -> 2 -> 3 (HARD) re-executes through the state 1");
        assertEquals(List.of(1, 2, 3), t.steps().stream().map(TraceStep::state).toList());
    }

    @Test
    void byDefaultAViolatingStateIsCut() {
        ExplorationResult r = run(true);
        assertEquals(Status.VIOLATED, r.verdict("SOFT").status());
        assertNull(r.verdict("HARD").counterexample(), "nothing beyond the cut initial state");
        assertEquals(0, r.stats().distinctStates());
    }
}
