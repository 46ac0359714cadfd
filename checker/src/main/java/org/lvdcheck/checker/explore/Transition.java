package org.lvdcheck.checker.explore;

import java.util.List;
import java.util.Objects;

/**
 * One step of a {@link TransitionSystem}.
 *
 * @param actionIndex the position of this transition in the full (unreduced) successor list of
 *        its source, so a trace replays by index alone
 * @param actionLabel the coverage class of the action, e.g. {@code execute}, {@code interrupt
 *        timer}, {@code driver vmfunc}; the explorer counts explored transitions per label
 * @param target the state after the step
 * @param violations the properties this step, or its target state, breaks, with evidence
 * @param <S> the state type
 */
public record Transition<S>(int actionIndex, String actionLabel, S target, List<Violation> violations) {
    public Transition {
        if (actionIndex < 0) {
            throw new IllegalArgumentException("actionIndex must not be negative: " + actionIndex);
        }
        Objects.requireNonNull(actionLabel, "actionLabel");
        Objects.requireNonNull(target, "target");
        violations = List.copyOf(violations);
    }

    /** A transition that violates nothing. */
    public Transition(int actionIndex, String actionLabel, S target) {
        this(actionIndex, actionLabel, target, List.of());
    }
}
