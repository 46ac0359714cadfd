package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * One re-executed step of a trace (DESIGN.md §7).
 *
 * @param actionIndex the step's index in its source's full successor list
 * @param actionLabel the action's coverage class
 * @param state the state after the step
 * @param violations every violation the system reports for the step (not only checked properties)
 * @param <S> the state type
 */
public record TraceStep<S>(int actionIndex, String actionLabel, S state, List<Violation> violations) {
    public TraceStep {
        violations = List.copyOf(violations);
    }

    static <S> TraceStep<S> of(Transition<S> t) {
        return new TraceStep<>(t.actionIndex(), t.actionLabel(), t.target(), t.violations());
    }
}
