package org.lvdcheck.checker.explore;

/**
 * The seen set's per-state column of 32 bits (both {@link StateStore}s): the index of the action
 * that first reached the state (16 bits), the agents asleep at it (8 bits, {@link StateStore#sleep})
 * and the agents its expansions explored (8 bits, {@link StateStore#expanded}).
 */
final class ActionColumn {
    /** The action index's bits. */
    static final int ACTION_MASK = (1 << 16) - 1;
    private static final int SLEEP_SHIFT = 16;
    private static final int EXPANDED_SHIFT = 24;

    private final IntChunks column = new IntChunks();

    /** Refuses an action index the column cannot hold (checked before a store changes anything). */
    static void check(int action) {
        if (action < 0 || action > ACTION_MASK) {
            throw new IllegalStateException("a state has more than " + (ACTION_MASK + 1)
                    + " successors; the seen set records action indices below that");
        }
    }

    /** Appends a state reached by action {@code action}, with nothing asleep and nothing explored. */
    void add(int action) {
        check(action);
        column.add(action);
    }

    int action(int id) {
        return column.get(id) & ACTION_MASK;
    }

    int sleep(int id) {
        return column.get(id) >>> SLEEP_SHIFT & 0xFF;
    }

    void sleep(int id, int mask) {
        if ((mask & ~0xFF) != 0) {
            throw new IllegalArgumentException("sleep mask out of range: " + mask);
        }
        column.set(id, column.get(id) & ~(0xFF << SLEEP_SHIFT) | mask << SLEEP_SHIFT);
    }

    int expanded(int id) {
        return column.get(id) >>> EXPANDED_SHIFT;
    }

    void expanded(int id, int agents) {
        column.set(id, column.get(id) | (agents & 0xFF) << EXPANDED_SHIFT);
    }

    long bytes() {
        return column.bytes();
    }
}
