package org.lvdcheck.checker.explore;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Figures of one exploration (DESIGN.md §8 {@code stats}, §5 coverage per action).
 *
 * @param distinctStates states in the seen set (violating states are cut, not stored)
 * @param generatedStates transitions produced by the expansions the search used (simulate: steps
 *        taken; the last level under a depth bound is looked past, not counted)
 * @param depth the deepest level a stored state lies at (DFS: discovery depth; simulate: walk length)
 * @param seconds wall time of the exploration
 * @param statesPerSecond distinct states per second
 * @param workers threads that expanded states (BFS: the option; DFS and simulate: 1)
 * @param collisionProbability the fingerprint collision estimate n²/2^65 (0 in exact mode)
 * @param coverage explored transitions per action label, sorted by label
 * @param provisoExpansions states expanded fully because their reduced expansion reached no new state
 * @param cutStates violating transitions whose target was not expanded
 * @param deadlocks states with no successor that are not final
 * @param seenSetBytes bytes held by the seen set (see {@link Explorer#seenSetBytes()})
 * @param provisoDeferred reduced expansions whose cycle proviso waited for the end of the search
 *        (judged by reachability; those found unresolved are among {@code provisoExpansions})
 * @param sleepRevisits stored states expanded again for the CPUs a later path woke (sleep sets)
 */
public record ExplorationStats(long distinctStates, long generatedStates, int depth, double seconds,
        double statesPerSecond, int workers, double collisionProbability, Map<String, Long> coverage,
        long provisoExpansions, long cutStates, long deadlocks, long seenSetBytes, long provisoDeferred,
        long sleepRevisits) {
    public ExplorationStats {
        coverage = Collections.unmodifiableSortedMap(new TreeMap<>(coverage));
    }

    /** The estimate n²/2^65 that two of n distinct states share a 64-bit fingerprint. */
    public static double collisionEstimate(long distinctStates) {
        double n = distinctStates;
        return n * n / 0x1p65;
    }

    /**
     * The estimate for n stored orbits of a symmetry that swaps two agents, each stored under the
     * smaller of its two states' fingerprints: the minimum of two uniform 64-bit values is not
     * uniform, and two such minima meet with probability about 4/3 · 2^-64 instead of 2^-64, so
     * (4/3) n²/2^65.
     */
    public static double orbitCollisionEstimate(long orbits) {
        return collisionEstimate(orbits) * 4 / 3;
    }
}
