package org.lvdcheck.checker.explore;

/** The verdict of one property after an exploration (DESIGN.md §8 {@code status}). */
public enum Status {
    /** Complete exploration, no bound hit, collision estimate within limits, no violation. */
    HOLDS,
    /** A counterexample was found. */
    VIOLATED,
    /** No violation found, but the exploration cannot show the property holds; see {@link Inconclusive}. */
    INCONCLUSIVE
}
