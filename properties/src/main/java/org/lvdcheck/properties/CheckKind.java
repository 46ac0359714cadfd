package org.lvdcheck.properties;

/**
 * What a property's explicit check looks at (DESIGN.md §4): one state, one step (a state,
 * the action taken and the next state, with the step's events), or both.
 */
public enum CheckKind {
    /** A predicate over one machine state: checked at every reachable state. */
    STATE,
    /** A predicate over one transition: checked at every explored step. */
    STEP,
    /** Part of the property is a state predicate, part a step predicate. */
    STATE_AND_STEP
}
