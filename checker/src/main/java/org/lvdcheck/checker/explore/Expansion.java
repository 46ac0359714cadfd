package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * The successors of one state, in the system's fixed order.
 *
 * <p>For sleep sets (DESIGN.md §5, docs/MODEL.md "Transactions") a system may also say who acts:
 * each transition's <em>agent</em> (a CPU), which transitions are <em>both-movers</em>, a
 * <em>key</em> per agent that equals another state's key exactly when the agent has the same
 * enabled actions there, which agents' enabled actions are all among the transitions, and which
 * agents' were left out because they were asleep. Without that information ({@link #agents()}
 * null) the explorer keeps no sleep sets.
 *
 * @param transitions the transitions, each with its index in the full successor list
 * @param reduced whether this is a partial-order-reduced (ample) subset of the full list
 *        (DESIGN.md §5); the explorer then applies the cycle proviso
 * @param agents the agent of each transition (0 to {@link #MAX_AGENTS} - 1), or null
 * @param keys the key of each agent's enabled actions, indexed by agent, or null
 * @param completeAgents the agents all of whose enabled actions are among the transitions
 * @param asleep the agents whose actions were left out because they were asleep (a state with no
 *        transitions and asleep agents is not a deadlock)
 * @param movers the transitions that are <em>both-movers</em> (null: none): the acting agent's step
 *        commutes with every action of every other agent, here and wherever other agents' steps
 *        lead, enables and disables none of them, and breaks no property; after one, the other
 *        agents whose actions were all explored here sleep until the acting agent takes a step that
 *        is not one (docs/MODEL.md, "Transactions")
 * @param <S> the state type
 */
public record Expansion<S>(List<Transition<S>> transitions, boolean reduced, int[] agents, Object[] keys,
        int completeAgents, int asleep, java.util.BitSet movers) {
    /** The most agents sleep sets track; an agent numbered higher never sleeps. */
    public static final int MAX_AGENTS = 8;

    public Expansion {
        transitions = List.copyOf(transitions);
        if (agents != null && agents.length != transitions.size()) {
            throw new IllegalArgumentException("one agent per transition: " + agents.length + " for "
                    + transitions.size());
        }
    }

    /** Whether transition {@code i} is a both-mover. */
    public boolean mover(int i) {
        return movers != null && movers.get(i);
    }

    /** Successors without agent information (no sleep sets). */
    public Expansion(List<Transition<S>> transitions, boolean reduced) {
        this(transitions, reduced, null, null, 0, 0, null);
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

    /** Whether this expansion names agents (the system supports sleep sets). */
    public boolean hasAgents() {
        return agents != null && keys != null;
    }

    /** The agent of transition {@code i}. */
    public int agent(int i) {
        return agents[i];
    }

    /** The agents with enabled actions here: those with a key. */
    public int presentAgents() {
        return presentAgents(keys);
    }

    /** The agents that have a key in {@code keys} (indexed by agent; null: none). */
    public static int presentAgents(Object[] keys) {
        int present = 0;
        for (int c = 0; keys != null && c < Math.min(keys.length, MAX_AGENTS); c++) {
            if (keys[c] != null) {
                present |= 1 << c;
            }
        }
        return present;
    }

    /** The key of {@code agent}'s enabled actions here (null when it has none or is unknown). */
    public Object key(int agent) {
        return keys != null && agent < keys.length ? keys[agent] : null;
    }
}
