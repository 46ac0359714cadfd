package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The outcome of one exploration: a verdict per checked property, the deadlocks found and the
 * figures (DESIGN.md §5, §8).
 *
 * <p>A property {@code HOLDS} only if the exploration was complete (no bound, no stop, not a
 * simulation), the collision estimate is at most {@link #COLLISION_LIMIT}, and no violation of
 * it was found. A property with a violation is {@code VIOLATED}; any other is
 * {@code INCONCLUSIVE} with its reason.
 *
 * @param strategy the search strategy
 * @param incompleteReason why the exploration did not exhaust the reachable states; null if it did
 * @param verdicts one per checked property, in the order the options list them
 * @param deadlockIds the ids of the first deadlocks found, in search order
 *        ({@link Explorer#traceTo(int)} rebuilds their traces)
 * @param stats the figures
 */
public record ExplorationResult(Strategy strategy, Inconclusive incompleteReason, List<Verdict> verdicts,
        List<Integer> deadlockIds, ExplorationStats stats) {
    /** Above this collision estimate, "holds" becomes inconclusive (DESIGN.md §5). */
    public static final double COLLISION_LIMIT = 1e-3;

    public ExplorationResult {
        Objects.requireNonNull(strategy, "strategy");
        verdicts = List.copyOf(verdicts);
        deadlockIds = List.copyOf(deadlockIds);
        Objects.requireNonNull(stats, "stats");
    }

    /** Whether every reachable state (outside cut violating states) was explored. */
    public boolean complete() {
        return incompleteReason == null;
    }

    /** The verdict of one checked property. */
    public Verdict verdict(String property) {
        for (Verdict v : verdicts) {
            if (v.property().equals(property)) {
                return v;
            }
        }
        throw new NoSuchElementException("property not checked: " + property);
    }

    /** The counterexample of one property, if it was violated. */
    public Optional<Counterexample> counterexample(String property) {
        return Optional.ofNullable(verdict(property).counterexample());
    }

    /** Every counterexample, in the order of the verdicts. */
    public List<Counterexample> counterexamples() {
        return verdicts.stream().map(Verdict::counterexample).filter(Objects::nonNull).toList();
    }

    /**
     * This result with every property that holds only because violating states were cut, and
     * that {@code dependsOnCut} says could be violated beyond them, turned into
     * {@code INCONCLUSIVE (cut)} (DESIGN.md §5).
     */
    public ExplorationResult withCutSensitive(Predicate<String> dependsOnCut) {
        List<Verdict> changed = new ArrayList<>();
        for (Verdict v : verdicts) {
            boolean turn = v.status() == Status.HOLDS && v.cut() && dependsOnCut.test(v.property());
            changed.add(turn ? new Verdict(v.property(), Status.INCONCLUSIVE, Inconclusive.CUT, null, true) : v);
        }
        return new ExplorationResult(strategy, incompleteReason, changed, deadlockIds, stats);
    }

    /** This result with {@code property}, if it holds, turned into {@code INCONCLUSIVE (reason)}. */
    public ExplorationResult withoutHold(String property, Inconclusive reason) {
        return withoutHolds(property::equals, reason);
    }

    /**
     * This result with every property that holds turned into {@code INCONCLUSIVE (reason)}: the
     * explored system left behaviours out, so only its violations stand.
     */
    public ExplorationResult withoutHolds(Inconclusive reason) {
        return withoutHolds(p -> true, reason);
    }

    private ExplorationResult withoutHolds(java.util.function.Predicate<String> which, Inconclusive reason) {
        List<Verdict> changed = new ArrayList<>();
        for (Verdict v : verdicts) {
            changed.add(v.status() == Status.HOLDS && which.test(v.property())
                    ? new Verdict(v.property(), Status.INCONCLUSIVE, reason, null, v.cut()) : v);
        }
        return new ExplorationResult(strategy, incompleteReason, changed, deadlockIds, stats);
    }

    /**
     * The verdicts of {@code properties} given what the search found: violated if a
     * counterexample exists; otherwise inconclusive for a simulation, an incomplete search or a
     * collision estimate above the limit; otherwise holds.
     */
    static List<Verdict> verdicts(Set<String> properties, Map<String, Counterexample> found, Strategy strategy,
            Inconclusive incompleteReason, double collisionProbability, long cutStates) {
        List<Verdict> out = new ArrayList<>();
        for (String p : properties) {
            Counterexample c = found.get(p);
            Inconclusive reason = strategy == Strategy.SIMULATE ? Inconclusive.SIMULATE
                    : incompleteReason != null ? incompleteReason
                    : collisionProbability > COLLISION_LIMIT ? Inconclusive.COLLISION
                    : null;
            if (c != null) {
                out.add(new Verdict(p, Status.VIOLATED, null, c, false));
            } else {
                out.add(new Verdict(p, reason == null ? Status.HOLDS : Status.INCONCLUSIVE, reason, null,
                        cutStates > 0));
            }
        }
        return out;
    }
}
