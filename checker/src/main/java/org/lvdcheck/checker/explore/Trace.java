package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * A path from an initial state, rebuilt by re-executing recorded action indices (DESIGN.md §7:
 * confirmed by re-running the steps, never by trusting a stored flag).
 *
 * @param initialIndex the index of the first state in {@link TransitionSystem#initialStates()}
 * @param initialState that state
 * @param initialViolations what {@link TransitionSystem#checkInitial} reports for it
 * @param steps the steps in order
 * @param <S> the state type
 */
public record Trace<S>(int initialIndex, S initialState, List<Violation> initialViolations,
        List<TraceStep<S>> steps) {
    public Trace {
        initialViolations = List.copyOf(initialViolations);
        steps = List.copyOf(steps);
    }

    /** The number of steps. */
    public int length() {
        return steps.size();
    }

    /** The state the trace ends in. */
    public S lastState() {
        return steps.isEmpty() ? initialState : steps.get(steps.size() - 1).state();
    }

    /** The action indices of the steps, the form in which a trace replays. */
    public List<Integer> actionIndices() {
        return steps.stream().map(TraceStep::actionIndex).toList();
    }
}
