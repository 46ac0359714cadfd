package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * One expansion prepared for the merge: for each transition the violations of checked
 * properties, whether one of them cuts the target, the target's fingerprint (of a target that is
 * not cut) and the target's id if it was already stored when the expansion was prepared. Workers
 * build these in parallel; the stored targets are only ever a subset of what the merge finds,
 * since the seen set only grows and never renumbers.
 */
final class Successors<S> {
    private final Expansion<S> expansion;
    private final List<List<Violation>> violations;
    private final long[] fingerprints;
    private final int[] found;
    private final boolean[] cut;
    private final boolean fullByProviso;
    private final int asleep;

    /**
     * {@code found[i]}: the id transition i's target had in the store when prepared, or -1;
     * {@code asleep}: the agents asleep at the expanded state (their actions are not in the
     * expansion), after those whose key changed were woken.
     */
    Successors(Expansion<S> expansion, List<List<Violation>> violations, long[] fingerprints, int[] found,
            boolean[] cut, boolean fullByProviso, int asleep) {
        this.expansion = expansion;
        this.violations = violations;
        this.fingerprints = fingerprints;
        this.found = found;
        this.cut = cut;
        this.fullByProviso = fullByProviso;
        this.asleep = asleep;
    }

    /** The agents asleep at the expanded state. */
    int asleep() {
        return asleep;
    }

    /** The id transition {@code i}'s target had when this expansion was prepared, or -1. */
    int found(int i) {
        return found[i];
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
        return found[i] >= 0;
    }

    /** Whether this is the full expansion that replaced a reduced one (cycle proviso). */
    boolean fullByProviso() {
        return fullByProviso;
    }

    /**
     * Whether some transition leads to a state that is not cut (it will not be expanded) and whose
     * id is absent from {@code store} or at least {@code nextLevel}, the first id of the level
     * after the expanded state's: the condition for keeping a reduced expansion (the cycle
     * proviso; with {@code nextLevel} = {@link Integer#MAX_VALUE}, a state not stored at all).
     */
    boolean reachesNextLevel(StateStore<S> store, int nextLevel) {
        for (int i = 0; i < size(); i++) {
            if (cut[i]) {
                continue;
            }
            int id = found[i] >= 0 ? found[i] : store.find(transition(i).target(), fingerprints[i]);
            if (id < 0 || id >= nextLevel) {
                return true;
            }
        }
        return false;
    }

    /** As {@link #reachesNextLevel} judged when this expansion was prepared. */
    boolean mayReachNextLevel(int nextLevel) {
        for (int i = 0; i < size(); i++) {
            if (!cut[i] && (found[i] < 0 || found[i] >= nextLevel)) {
                return true;
            }
        }
        return false;
    }
}
