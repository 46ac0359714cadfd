package org.lvdcheck.checker.trace;

import java.util.List;

/**
 * One step of a counterexample (DESIGN.md §7): which of the state's enabled actions was taken
 * (its index in the fixed action order, which is what replay re-executes), the CPU, the action,
 * the active view and RIP before it, the instruction, what happened, what changed (registers,
 * memory words, CPU mode, thread), and the properties the step broke.
 */
public record TraceStep(int index, int choice, int cpu, String action, String view, long rip, String instruction,
                        List<String> events, List<String> changes, List<TraceViolation> violations) {
    public TraceStep {
        events = List.copyOf(events);
        changes = List.copyOf(changes);
        violations = List.copyOf(violations);
    }

    /** A property the step broke, with its evidence. */
    public record TraceViolation(String property, String evidence) {}
}
