package org.lvdcheck.checker.explore;

/** The search order of the {@link Explorer} (DESIGN.md §5, {@code --strategy}). */
public enum Strategy {
    /** Level by level, in parallel, deterministic: every counterexample is shortest. */
    BFS,
    /** Depth-first with an explicit stack, single-threaded; counterexamples need not be shortest. */
    DFS,
    /** Seeded random walks; finds violations but never shows that a property holds. */
    SIMULATE
}
