package org.lvdcheck.checker.explore;

/**
 * Why an exploration is incomplete, or why a property without a violation is not reported as
 * holding (DESIGN.md §5: the explorer's own limits never earn "holds").
 */
public enum Inconclusive {
    /** {@code --max-states} reached. */
    STATE_BOUND("bound: max-states"),
    /** A state at {@code --max-depth} was left unexpanded. */
    DEPTH_BOUND("bound: max-depth"),
    /** The heap was nearly full after a full collection ({@link HeapGauge}): the search stopped while it could still report. */
    MEMORY_BOUND("bound: memory"),
    /** {@code --time-limit} reached. */
    TIME_BOUND("bound: time-limit"),
    /** The exploring thread was interrupted. */
    INTERRUPTED("interrupted"),
    /** The search stopped at a violation ({@code --stop-at-first}, or every property violated). */
    STOPPED("stopped at a violation"),
    /** Random simulation never shows that a property holds. */
    SIMULATE("simulate"),
    /** The fingerprint collision estimate exceeds {@link ExplorationResult#COLLISION_LIMIT}. */
    COLLISION("collision"),
    /** Violating states were not expanded and the caller judged the property could depend on them. */
    CUT("cut"),
    /** The system explored was an under-approximation ({@code check --coarse-interrupts}). */
    COARSE_INTERRUPTS("coarse interrupt points"),
    /** Trusted code left a stale EPT translation without INVEPT: the model's no-TLB premise failed. */
    INVEPT_OBLIGATION("INVEPT obligation unmet"),
    /** A step of one CPU reached a frame the partial-order reduction took as another CPU's or thread's, or wrote a read-only one. */
    OWNERSHIP_BREACH("frame ownership breached"),
    /** A hard-lockup test ran out of steps before its CPU came back to a state or left the loop (AVAIL only). */
    LOCKUP_UNDECIDED("lockup undecided"),
    /** A merged vector's run, kept beside its representative's, did what the representative's cannot stand for. */
    VECTOR_CLASS_BREACH("vector class breached");

    private final String label;

    Inconclusive(String label) {
        this.label = label;
    }

    /** The reason as a report prints it, e.g. {@code bound: max-states}. */
    public String label() {
        return label;
    }
}
