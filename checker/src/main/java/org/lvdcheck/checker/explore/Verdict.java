package org.lvdcheck.checker.explore;

/**
 * The outcome of one checked property.
 *
 * @param property the property's name
 * @param status holds, violated or inconclusive
 * @param reason why the property is inconclusive; null otherwise
 * @param counterexample the first (in BFS: a shortest) violation; null unless violated
 * @param cut whether, the property having no violation, the exploration cut violating states
 *        of other properties (did not expand them, DESIGN.md §5): what lies beyond them was not
 *        explored for this property. The engine cannot tell whether that matters; a caller that
 *        judges it does turns {@code HOLDS} into {@code INCONCLUSIVE (cut)} with
 *        {@link ExplorationResult#withCutSensitive}
 */
public record Verdict(String property, Status status, Inconclusive reason, Counterexample counterexample,
        boolean cut) {
}
