package org.lvdcheck.checker.explore;

/**
 * The seen set with its predecessor links (DESIGN.md §5): for each stored state an id (in
 * insertion order), the id of the state it was first reached from and the action index of that
 * step, so a trace is rebuilt from ids instead of stored states. Kept behind this interface so
 * that a partitioned or disk-backed set can replace it.
 *
 * <p>Concurrency: any number of threads may call {@link #find} while no thread modifies the
 * store; {@link #insert} is called by one thread at a time with no concurrent readers of
 * {@link #find}, though other threads may use a {@link #snapshot()} meanwhile.
 *
 * @param <S> the state type
 */
interface StateStore<S> {
    /** The id of the state, or -1 if it is not stored. */
    int find(S state, long fingerprint);

    /** Finds stored ids by fingerprint ({@link #snapshot()}). */
    interface Lookup {
        /** The id of a state stored when the lookup was taken with this fingerprint, or -1. */
        int find(long fingerprint);
    }

    /**
     * A lookup of the states stored now that another thread may use while this store's thread
     * goes on inserting, or null when the store offers none (then only its own thread reads it).
     */
    default Lookup snapshot() {
        return null;
    }

    /**
     * Stores the state if absent.
     *
     * @param parent the id of the state it was reached from, -1 for an initial state
     * @param action the action index of that step, or the initial state's index
     * @return the new id, or -1 if the state was already stored
     */
    int insert(S state, long fingerprint, int parent, int action);

    /** The number of stored states; ids run from 0 to {@code size() - 1}. */
    int size();

    int parent(int id);

    int action(int id);

    /**
     * The agents asleep when the state was (or will be) expanded (sleep sets; a bit per agent,
     * {@link Expansion#MAX_AGENTS} bits); 0 for a state stored without sleep sets.
     */
    int sleep(int id);

    /** Records the agents asleep at the stored state {@code id}. */
    void sleep(int id, int mask);

    /**
     * The agents all of whose actions an expansion of the state explored (a bit per agent): what
     * the cycle proviso by reachability looks for below a state.
     */
    int expanded(int id);

    /** Adds {@code agents} to what the state's expansions explored. */
    void expanded(int id, int agents);

    /** Whether a re-executed state is the one stored under {@code id}. */
    boolean matches(int id, S state, long fingerprint);

    /** What the store recorded for {@code id}, for an error message. */
    String describe(int id);

    /** Whether the store compares fingerprints (false: whole states, so none need computing). */
    boolean usesFingerprints();

    /** Bytes held by the store. */
    long bytes();
}
