package org.lvdcheck.checker.explore;

/**
 * The agents asleep at a state (docs/MODEL.md, "Transactions"): a bit per agent, and the keys of
 * every agent's enabled actions in the state where they fell asleep (indexed by agent; {@link
 * Expansion#keys()}). An asleep agent wakes where its key differs: some other agent's step changed
 * what it can do.
 *
 * @param mask the asleep agents
 * @param keys the keys the asleep agents had where they fell asleep
 */
record Sleep(int mask, Object[] keys) {
    /** The asleep agents whose key differs from theirs in {@code own} (indexed by agent; null: none): they must be woken. */
    int woken(Object[] own) {
        int woken = 0;
        for (int c = 0; c < Expansion.MAX_AGENTS; c++) {
            int bit = 1 << c;
            Object k = own != null && c < own.length ? own[c] : null;
            if ((mask & bit) != 0 && !java.util.Objects.equals(key(c), k)) {
                woken |= bit;
            }
        }
        return woken;
    }

    Object key(int agent) {
        return keys != null && agent < keys.length ? keys[agent] : null;
    }

    /**
     * The agents asleep after transition {@code i} of {@code e}, explored from a state where the
     * agents {@code asleep} slept: when the step is a both-mover ({@link Expansion#mover}), every
     * other agent with enabled actions that was asleep there or whose every action {@code e}
     * explores; after any other step, none. The acting agent has begun, or goes on with, a
     * transaction: its both-movers commute with every action of every other agent, so a run that
     * takes another agent's action before the transaction's first step that is not a both-mover is
     * a reordering of one that takes it before the transaction began, where it was explored.
     */
    static int after(Expansion<?> e, int i, int asleep) {
        if (!e.mover(i)) {
            return 0;
        }
        int d = e.agent(i);
        int m = 0;
        for (int c = 0; c < Expansion.MAX_AGENTS; c++) {
            int bit = 1 << c;
            if (c != d && e.key(c) != null && ((asleep | e.completeAgents()) & bit) != 0) {
                m |= bit;
            }
        }
        return m;
    }

    /** {@code mask} with agents 0 and 1 swapped. */
    static int swapped(int mask) {
        return mask & ~3 | (mask & 1) << 1 | (mask & 2) >>> 1;
    }

    /**
     * A sleep mask of a state of orientation {@code o} ({@link TransitionSystem#orientation}) as it
     * holds for the orbit's representative, or back (the map is its own inverse): swapped where σ(s)
     * represents, kept where s does, and where neither is known, only the agents asleep either way.
     */
    static int oriented(int mask, int o) {
        return o > 0 ? swapped(mask) : o < 0 ? mask : mask & swapped(mask);
    }
}
