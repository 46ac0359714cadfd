package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * One expansion prepared for the merge: for each transition the violations of checked
 * properties, whether one of them cuts the target, the target's fingerprint (of a target that is
 * not cut) and whether the target was already stored when the expansion was prepared. Workers build these in parallel; the stored flags are only ever a
 * subset of what the merge finds, since the seen set only grows.
 */
final class Successors<S> {
    private final Expansion<S> expansion;
    private final List<List<Violation>> violations;
    private final long[] fingerprints;
    private final boolean[] stored;
    private final boolean[] cut;
    private final boolean fullByProviso;

    Successors(Expansion<S> expansion, List<List<Violation>> violations, long[] fingerprints, boolean[] stored,
            boolean[] cut, boolean fullByProviso) {
        this.expansion = expansion;
        this.violations = violations;
        this.fingerprints = fingerprints;
        this.stored = stored;
        this.cut = cut;
        this.fullByProviso = fullByProviso;
    }

    /** Whether a violation of transition {@code i} cuts its target (it is not stored or expanded). */
    boolean cut(int i) {
        return cut[i];
    }

    Expansion<S> expansion() {
        return expansion;
    }

    int size() {
        return expansion.size();
    }

    Transition<S> transition(int i) {
        return expansion.get(i);
    }

    /** The violations of checked properties of transition {@code i}; empty when none. */
    List<Violation> violations(int i) {
        return violations.get(i);
    }

    long fingerprint(int i) {
        return fingerprints[i];
    }

    /** Whether transition {@code i}'s target was stored when this expansion was prepared. */
    boolean stored(int i) {
        return stored[i];
    }

    /** Whether this is the full expansion that replaced a reduced one (cycle proviso). */
    boolean fullByProviso() {
        return fullByProviso;
    }

    /**
     * Whether some transition leads to a state that is neither cut (it will not be expanded) nor
     * in {@code store}: the condition for keeping a reduced expansion.
     */
    boolean reachesNewState(StateStore<S> store) {
        for (int i = 0; i < size(); i++) {
            if (!cut[i] && !stored[i] && store.find(transition(i).target(), fingerprints[i]) < 0) {
                return true;
            }
        }
        return false;
    }

    /** As {@link #reachesNewState} judged when this expansion was prepared. */
    boolean mayReachNewState() {
        for (int i = 0; i < size(); i++) {
            if (!cut[i] && !stored[i]) {
                return true;
            }
        }
        return false;
    }
}
