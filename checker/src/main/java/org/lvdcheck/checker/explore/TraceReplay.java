package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds traces from the seen set's predecessor links (DESIGN.md §5, §7, as TLC rebuilds
 * them from fingerprints): follow parents from a state id to an initial state, then re-execute
 * the action indices from that initial state with full expansions, checking that every state
 * reached is the one recorded and that a counterexample's last step still violates its
 * property. A mismatch means the transition system is not deterministic; it is an error, never
 * a trace.
 */
final class TraceReplay<S> {
    private final SearchContext<S> ctx;

    TraceReplay(SearchContext<S> ctx) {
        this.ctx = ctx;
    }

    /** The trace from an initial state to the stored state {@code id}. */
    Trace<S> toState(int id) {
        StateStore<S> store = ctx.store();
        if (id < 0 || id >= store.size()) {
            throw new IllegalArgumentException("no stored state with id " + id);
        }
        List<Integer> path = new ArrayList<>();
        for (int at = id; at >= 0; at = store.parent(at)) {
            path.add(at);
        }
        int root = path.get(path.size() - 1);
        int initialIndex = store.action(root);
        S initial = ctx.initialStates().get(initialIndex);
        verify(root, initial, 0, initialIndex);
        S state = initial;
        List<TraceStep<S>> steps = new ArrayList<>();
        for (int k = path.size() - 2; k >= 0; k--) {
            int stateId = path.get(k);
            Transition<S> t = step(state, store.action(stateId), steps.size() + 1);
            verify(stateId, t.target(), steps.size() + 1, t.actionIndex());
            steps.add(TraceStep.of(t));
            state = t.target();
        }
        return new Trace<>(initialIndex, initial, ctx.system().checkInitial(initial), steps);
    }

    /** The trace of a counterexample, its violating step (or initial state) re-checked. */
    Trace<S> of(Counterexample c) {
        if (c.initial()) {
            S s = ctx.initialStates().get(c.actionIndex());
            List<Violation> found = ctx.system().checkInitial(s);
            requireViolation(found, c.property(), 0);
            return new Trace<>(c.actionIndex(), s, found, List.of());
        }
        Trace<S> prefix = toState(c.sourceId());
        Transition<S> last = step(prefix.lastState(), c.actionIndex(), prefix.length() + 1);
        requireViolation(last.violations(), c.property(), prefix.length() + 1);
        List<TraceStep<S>> steps = new ArrayList<>(prefix.steps());
        steps.add(TraceStep.of(last));
        return new Trace<>(prefix.initialIndex(), prefix.initialState(), prefix.initialViolations(), steps);
    }

    private Transition<S> step(S state, int actionIndex, int stepNumber) {
        Expansion<S> e = ctx.expandAll(state);
        if (actionIndex >= e.size()) {
            throw notDeterministic("at step " + stepNumber + " the state has " + e.size()
                    + " transitions, the trace takes action " + actionIndex);
        }
        return e.get(actionIndex);
    }

    private void verify(int id, S state, int stepNumber, int actionIndex) {
        long fingerprint = ctx.fingerprint(state);
        if (!ctx.store().matches(id, state, fingerprint)) {
            String reached = ctx.store().usesFingerprints() ? String.format("fingerprint %016x", fingerprint)
                    : "state " + state;
            throw notDeterministic("step " + stepNumber + " (action " + actionIndex + ") reached " + reached
                    + ", the search recorded " + ctx.store().describe(id));
        }
    }

    private static void requireViolation(List<Violation> found, String property, int stepNumber) {
        if (found.stream().noneMatch(v -> v.property().equals(property))) {
            throw notDeterministic("step " + stepNumber + " no longer violates " + property);
        }
    }

    private static IllegalStateException notDeterministic(String detail) {
        return new IllegalStateException("the transition system is not deterministic: replaying a trace, " + detail);
    }
}
