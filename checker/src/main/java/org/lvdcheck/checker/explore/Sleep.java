package org.lvdcheck.checker.explore;

/**
 * The agents asleep at a state (sleep sets, docs/MODEL.md "Sleep sets"): a bit per agent, and
 * the keys of every agent's enabled actions in the state where they fell asleep (indexed by
 * agent; {@link Expansion#keys()}). An asleep agent wakes where its key differs: some other
 * agent's step changed what it can do.
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
     * The agents asleep after transition {@code i} of {@code e}, explored from a state where
     * {@code asleep} slept: an agent c other than the acting one, independent in the expanded
     * state, that was asleep there or whose every action {@code e} explores and comes before the
     * acting agent (independent agents first, then by number). Its actions commute with the step
     * and are explored from the expanded state, so the interleavings that take them after the
     * step are already covered.
     */
    static int after(Expansion<?> e, int i, int asleep) {
        int d = e.agent(i);
        boolean actorIndependent = d >= 0 && d < Expansion.MAX_AGENTS && (e.independentAgents() & (1 << d)) != 0;
        int m = 0;
        for (int c = 0; c < Expansion.MAX_AGENTS; c++) {
            int bit = 1 << c;
            if (c == d || (e.independentAgents() & bit) == 0 || e.key(c) == null) {
                continue;
            }
            boolean before = !actorIndependent || c < d;
            if ((asleep & bit) != 0 || (e.completeAgents() & bit) != 0 && before) {
                m |= bit;
            }
        }
        return m;
    }
}
