package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Replaying a trace re-executes it and refuses a system that does not reproduce it. */
class TraceReplayTest {
    /**
     * A line 0 → 1 → … → 9 whose step into 5 violates {@code BAD}; after {@code moveState()},
     * the step from 3 lands on a different state; after {@code dropViolation()}, the step into
     * 5 no longer violates.
     */
    static final class DriftingLine implements TransitionSystem<List<Integer>> {
        private volatile boolean moved;
        private volatile boolean dropped;

        void moveState() {
            moved = true;
        }

        void dropViolation() {
            dropped = true;
        }

        @Override
        public List<List<Integer>> initialStates() {
            return List.of(List.of(0));
        }

        @Override
        public List<Violation> checkInitial(List<Integer> s) {
            return List.of();
        }

        @Override
        public Expansion<List<Integer>> expand(List<Integer> s, boolean reduced) {
            int at = s.get(0);
            if (at == 9) {
                return Expansion.all(List.of());
            }
            List<Integer> next = moved && at == 3 ? List.of(at + 1, 1) : List.of(at + 1);
            boolean bad = at + 1 == 5 && !dropped;
            return Expansion.all(List.of(new Transition<>(0, "next", next,
                    bad ? List.of(new Violation("BAD", "five")) : List.of())));
        }

        @Override
        public long fingerprint(List<Integer> s, long seed) {
            return Fp.of(seed, s.stream().mapToInt(Integer::intValue).toArray());
        }

        @Override
        public boolean isFinal(List<Integer> s) {
            return true;
        }
    }

    @ParameterizedTest(name = "exact={0}")
    @ValueSource(booleans = {false, true})
    void aStateThatDiffersOnReplayIsAnError(boolean exact) {
        DriftingLine system = new DriftingLine();
        Explorer<List<Integer>> explorer = new Explorer<>(system,
                Explorer.Options.defaults().withExact(exact).withProperties("NEVER"));
        explorer.run();
        explorer.traceTo(explorer.distinctStates() - 1);
        system.moveState();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> explorer.traceTo(explorer.distinctStates() - 1));
        assertTrue(e.getMessage().contains("not deterministic"), e.getMessage());
        assertTrue(e.getMessage().contains("step 4"), e.getMessage());
    }

    @Test
    void aViolationThatNoLongerHappensIsAnError() {
        DriftingLine system = new DriftingLine();
        Explorer<List<Integer>> explorer = new Explorer<>(system, Explorer.Options.defaults().withProperties("BAD"));
        Counterexample c = explorer.run().counterexample("BAD").orElseThrow();
        explorer.trace(c);
        system.dropViolation();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> explorer.trace(c));
        assertTrue(e.getMessage().contains("step 5 no longer violates BAD"), e.getMessage());
    }

    @Test
    void fullExpansionsMustNumberTheirTransitionsInOrder() {
        TransitionSystem<Integer> misnumbered = new TransitionSystem<>() {
            @Override
            public List<Integer> initialStates() {
                return List.of(0);
            }

            @Override
            public List<Violation> checkInitial(Integer s) {
                return List.of();
            }

            @Override
            public Expansion<Integer> expand(Integer s, boolean reduced) {
                List<Transition<Integer>> out = new ArrayList<>();
                if (s < 3) {
                    out.add(new Transition<>(1, "skip", s + 1));
                }
                return Expansion.all(out);
            }

            @Override
            public long fingerprint(Integer s, long seed) {
                return Fp.of(seed, s);
            }

            @Override
            public boolean isFinal(Integer s) {
                return true;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Explorer<>(misnumbered, Explorer.Options.defaults().withReduction(false)).run());
        assertTrue(e.getMessage().contains("actionIndex 1"), e.getMessage());
    }

    @Test
    void aFailureInsideTheSystemReachesTheCaller() {
        TransitionSystem<GridSystem.Cell> failing = new GridSystem(40) {
            @Override
            public Expansion<GridSystem.Cell> expand(GridSystem.Cell s, boolean reduced) {
                if (s.x() == 30) {
                    throw new ArithmeticException("boom at " + s);
                }
                return super.expand(s, reduced);
            }
        };
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> new Explorer<>(failing, Explorer.Options.defaults().withWorkers(3)).run());
        assertTrue(e.getMessage().startsWith("boom"));
    }
}
