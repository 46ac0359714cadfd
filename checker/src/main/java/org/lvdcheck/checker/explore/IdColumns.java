package org.lvdcheck.checker.explore;

/**
 * What both seen sets keep per id, in chunked columns of 4 bytes: the id of the state it was first
 * reached from, and a 32-bit word holding the index of the action that reached it (16 bits), the
 * agents asleep at it (8 bits, {@link StateStore#sleep}) and the agents its expansions explored
 * (8 bits, {@link StateStore#expanded}).
 */
abstract class IdColumns<S> implements StateStore<S> {
    /** The action index's bits. */
    static final int ACTION_MASK = (1 << 16) - 1;
    private static final int SLEEP_SHIFT = 16;
    private static final int EXPANDED_SHIFT = 24;

    private final IntChunks parents = new IntChunks();
    private final IntChunks actions = new IntChunks();

    /** Refuses an action index the column cannot hold (checked before a store changes anything). */
    static void check(int action) {
        if (action < 0 || action > ACTION_MASK) {
            throw new IllegalStateException("a state has more than " + (ACTION_MASK + 1)
                    + " successors; the seen set records action indices below that");
        }
    }

    /** Appends the next id's columns: nothing asleep, nothing explored. */
    final void append(int parent, int action) {
        check(action);
        parents.add(parent);
        actions.add(action);
    }

    @Override
    public final int parent(int id) {
        return parents.get(id);
    }

    @Override
    public final int action(int id) {
        return actions.get(id) & ACTION_MASK;
    }

    @Override
    public final int sleep(int id) {
        return actions.get(id) >>> SLEEP_SHIFT & 0xFF;
    }

    @Override
    public final void sleep(int id, int mask) {
        if ((mask & ~0xFF) != 0) {
            throw new IllegalArgumentException("sleep mask out of range: " + mask);
        }
        actions.set(id, actions.get(id) & ~(0xFF << SLEEP_SHIFT) | mask << SLEEP_SHIFT);
    }

    @Override
    public final int expanded(int id) {
        return actions.get(id) >>> EXPANDED_SHIFT;
    }

    @Override
    public final void expanded(int id, int agents) {
        actions.set(id, actions.get(id) | (agents & 0xFF) << EXPANDED_SHIFT);
    }

    /** Bytes the two columns hold. */
    final long columnBytes() {
        return parents.bytes() + actions.bytes();
    }
}
