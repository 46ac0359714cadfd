package org.lvdcheck.checker.explore;

/**
 * The first violation found of one property: a recorded state and the action from it whose
 * step breaks the property. {@link Explorer#trace(Counterexample)} rebuilds the steps.
 *
 * @param property the property's name
 * @param violation the violation with its evidence
 * @param sourceId the id of the state the violating step starts from, or -1 when an initial
 *        state itself violates the property
 * @param actionIndex the violating step's index in the source's full successor list, or the
 *        index of the violating initial state when {@code sourceId} is -1
 * @param length the number of steps of the trace (0 for an initial state)
 */
public record Counterexample(String property, Violation violation, int sourceId, int actionIndex, int length) {
    /** Whether an initial state itself violates the property. */
    public boolean initial() {
        return sourceId < 0;
    }
}
