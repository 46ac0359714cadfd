package org.lvdcheck.checker.trace;

import java.util.List;

/** A shortest path from the initial state to a step that breaks {@code property}. */
public record Counterexample(String property, String evidence, List<TraceStep> steps) {
    public Counterexample {
        steps = List.copyOf(steps);
    }

    public TraceStep last() {
        return steps.get(steps.size() - 1);
    }
}
