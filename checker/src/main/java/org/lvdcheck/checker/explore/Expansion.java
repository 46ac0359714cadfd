package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * The successors of one state, in the system's fixed order.
 *
 * @param transitions the transitions, each with its index in the full successor list
 * @param reduced whether this is a partial-order-reduced (ample) subset of the full list
 *        (DESIGN.md §5); the explorer then applies the cycle proviso
 * @param <S> the state type
 */
public record Expansion<S>(List<Transition<S>> transitions, boolean reduced) {
    public Expansion {
        transitions = List.copyOf(transitions);
    }

    /** Every successor of the state. */
    public static <S> Expansion<S> all(List<Transition<S>> transitions) {
        return new Expansion<>(transitions, false);
    }

    /** An ample set: a subset of the successors that partial-order reduction deems sufficient. */
    public static <S> Expansion<S> ample(List<Transition<S>> transitions) {
        return new Expansion<>(transitions, true);
    }

    public int size() {
        return transitions.size();
    }

    public Transition<S> get(int i) {
        return transitions.get(i);
    }
}
