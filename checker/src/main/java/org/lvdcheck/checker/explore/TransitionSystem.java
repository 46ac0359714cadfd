package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * A transition system the {@link Explorer} searches (DESIGN.md §1, §5): initial states, the
 * successors of a state in a fixed order, and a seeded 64-bit fingerprint over a canonical
 * serialization of a state. The system also evaluates the properties: each transition carries
 * the violations its step, or its target state, commits.
 *
 * <p>Contract the explorer relies on (traces are replayed from action indices alone, and
 * several workers call the system at once):
 * <ul>
 *   <li>Every method is a pure function of its arguments, safe to call from several threads
 *       at once; states are immutable.</li>
 *   <li>{@code expand(s, false)} returns all successors of {@code s}, the transition at
 *       position {@code i} having {@code actionIndex == i}, in the same order every time.</li>
 *   <li>{@code expand(s, true)} may return an ample set (a subset of the full list whose
 *       transitions keep their full-list {@code actionIndex}) marked {@code reduced}, or the
 *       full list marked not reduced. The system is responsible for the ample set's
 *       independence and visibility conditions (DESIGN.md §5); the explorer adds the cycle
 *       proviso.</li>
 *   <li>Equal states have equal fingerprints for a given seed; the fingerprint never depends
 *       on {@code hashCode} or identity.</li>
 * </ul>
 *
 * @param <S> the state type; in exact mode it must implement {@code equals} and {@code hashCode}
 */
public interface TransitionSystem<S> {
    /** The initial states in a deterministic order; a trace starts at one of them by index. */
    List<S> initialStates();

    /** The properties an initial state itself violates (empty when none). */
    List<Violation> checkInitial(S s);

    /**
     * The successors of {@code s} in a fixed deterministic order; {@code reduced = true} asks
     * for a partial-order-reduced (ample) set, {@code reduced = false} for all of them.
     */
    Expansion<S> expand(S s, boolean reduced);

    /**
     * As {@link #expand(Object, boolean)}, with the transitions of the agents in {@code asleep}
     * (a bit per agent) left out and marked in {@link Expansion#asleep()} (sleep sets,
     * docs/MODEL.md "Transactions"). The ample set is chosen as if nothing slept; when its agent is
     * asleep the expansion is reduced and may be empty. A system that names agents must return
     * the same transitions as {@code expand(s, reduced)} for {@code asleep == 0}. The default
     * names no agents and ignores {@code asleep}: the explorer then keeps no sleep sets.
     */
    default Expansion<S> expand(S s, boolean reduced, int asleep) {
        return expand(s, reduced);
    }

    /** The key of each agent's enabled actions in {@code s}, as {@link Expansion#keys()}; null without agents. */
    default Object[] agentKeys(S s) {
        return null;
    }

    /** A 64-bit fingerprint of the canonical serialization of {@code s}, seeded by {@code seed}. */
    long fingerprint(S s, long seed);

    /**
     * Whether {@link #fingerprint} is that of a state's orbit under a symmetry that swaps agents 0
     * and 1, so that a state and its mirror image are one stored state. The search then stores each
     * state's sleep mask as it holds for the orbit's representative ({@link #orientation}), and
     * where the cycle proviso looks at what was explored below a successor (which may stand for the
     * mirror image of the step's target) it counts only what holds for both agents (docs/MODEL.md,
     * "CPU symmetry").
     */
    default boolean swapsAgents() {
        return false;
    }

    /**
     * Under a symmetry that swaps agents 0 and 1 ({@link #swapsAgents}): -1 when {@code s} is the
     * representative of its orbit {s, σ(s)}, 1 when σ(s) is, 0 when this cannot tell which (the
     * search then keeps only what holds for both agents). A function of the state, with
     * {@code orientation(σ(s)) == -orientation(s)}.
     */
    default int orientation(S s) {
        return -1;
    }

    /** Whether {@code s}, having no successors, is a proper end (e.g. workload complete), not a deadlock. */
    boolean isFinal(S s);

    /**
     * Whether a state that breaks {@code v} is left unexpanded (DESIGN.md §5: after, say, an IDT
     * hijack everything is reachable). A system may continue past a violation whose
     * consequences its own semantics already contains; the default cuts.
     */
    default boolean cuts(Violation v) {
        return true;
    }

    /**
     * {@code s} as the breadth-first search keeps it until its level is expanded: an equal state
     * (same fingerprint, same successors) that may share more of its parts with the other states
     * kept since the last {@link #newGeneration()}. Called by one thread at a time; the default
     * keeps {@code s} as it is.
     */
    default S compact(S s) {
        return s;
    }

    /** The search starts keeping another generation of states (a breadth-first level); see {@link #compact}. */
    default void newGeneration() {
    }
}
