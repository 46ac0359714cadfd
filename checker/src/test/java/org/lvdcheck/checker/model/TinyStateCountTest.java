package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.ExplorationStats;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The explorer's distinct-state count on the LVD machine against an independent, naive search
 * (docs/TESTING.md): the tiny spec (one CPU, one domain, a gate of a few instructions, the whole
 * compromised driver) explored to the end by {@link NaiveSearch} — every enabled choice of every
 * state taken, whole states in a {@link HashSet}, no fingerprints, no reduction, none of the
 * explorer's code — and by the explorer, with fingerprints and with {@code --exact}. Without
 * reduction every count must be the same exactly: distinct states, transitions, depth,
 * deadlocks, transitions per action label, and the verdicts. With reduction (the dead-stack
 * reduction; one CPU leaves the partial-order reduction nothing to do) the verdicts must be
 * the same and the count no larger.
 */
class TinyStateCountTest {
    static SpecLoader.Loaded tiny;
    static NaiveSearch naive;

    @BeforeAll
    static void searchNaively() throws Exception {
        tiny = SmallSpecs.load("tiny.lvd");
        naive = new NaiveSearch(SmallSpecs.system(tiny, false), Set.copyOf(SmallSpecs.CHECKED));
    }

    /**
     * Breadth-first search the plain way: a level at a time, each state's choices in the system's
     * order, a target stored unless seen or cut by a violation of a checked property (the
     * transition system says which violations cut). Counts what the explorer reports.
     */
    static final class NaiveSearch {
        final Set<CheckState> seen = new HashSet<>();
        long transitions;
        int depth;
        long deadlocks;
        final Map<String, Long> perLabel = new TreeMap<>();
        /** Per violated property, the length of its shortest counterexample. */
        final Map<String, Integer> shortest = new HashMap<>();

        NaiveSearch(LvdTransitionSystem sys, Set<String> properties) {
            CheckState initial = sys.initialState();
            for (Violation v : sys.checkInitial(initial)) {
                if (properties.contains(v.property())) {
                    shortest.putIfAbsent(v.property(), 0);
                }
            }
            seen.add(initial);
            List<CheckState> level = List.of(initial);
            for (int d = 0; !level.isEmpty(); d++) {
                List<CheckState> next = new ArrayList<>();
                for (CheckState s : level) {
                    List<LvdTransitionSystem.Choice> choices = sys.choices(s);
                    if (choices.isEmpty() && !sys.isFinal(s)) {
                        deadlocks++;
                    }
                    for (LvdTransitionSystem.Choice ch : choices) {
                        transitions++;
                        perLabel.merge(ch.label(), 1L, Long::sum);
                        LvdTransitionSystem.Taken t = sys.take(s, ch);
                        boolean cut = false;
                        for (Violation v : t.violations()) {
                            if (properties.contains(v.property())) {
                                shortest.putIfAbsent(v.property(), d + 1);
                                cut |= sys.cuts(v);
                            }
                        }
                        if (!cut && seen.add(t.target())) {
                            next.add(t.target());
                            depth = d + 1;
                        }
                    }
                }
                level = next;
            }
        }
    }

    @Test
    void theNaiveSearchCoversTheDriversMovesAndFindsNoViolation() {
        assertTrue(naive.seen.size() > 500, "the whole compromised driver is explored: " + naive.seen.size());
        assertTrue(naive.perLabel.keySet().stream().anyMatch(l -> l.startsWith("driver: vmfunc")), naive.perLabel.keySet().toString());
        assertTrue(naive.perLabel.keySet().stream().anyMatch(l -> l.startsWith("driver: popf")), naive.perLabel.keySet().toString());
        assertEquals(Map.of(), naive.shortest, "tiny.lvd is built to hold every checked property");
    }

    @Test
    void tinysGateHandsTheDriverTheWorkBlocksAddress() throws Exception {
        ExplorationResult r = SmallSpecs.explore(tiny, false, false, 1, java.util.List.of("DINTEG")).result();
        assertEquals(SmallSpecs.BREAKS_DINTEG, r.counterexample("DINTEG").orElseThrow().violation().evidence());
    }

    @Test
    void tinysGateHandsTheDriverTheKernelsGsBase() throws Exception {
        ExplorationResult r = SmallSpecs.explore(tiny, false, false, 1, java.util.List.of("INV5")).result();
        assertTrue(r.counterexample("INV5").orElseThrow().violation().evidence().startsWith(SmallSpecs.BREAKS_INV5),
                r.counterexample("INV5").orElseThrow().violation().evidence());
    }

    @Test
    void withFingerprintsTheExplorerCountsExactlyWhatTheNaiveSearchFinds() throws Exception {
        sameAsNaive(SmallSpecs.explore(tiny, false, false, 1, SmallSpecs.CHECKED).result());
    }

    @Test
    void withWholeStatesTheExplorerCountsExactlyWhatTheNaiveSearchFinds() throws Exception {
        sameAsNaive(SmallSpecs.explore(tiny, false, true, 2, SmallSpecs.CHECKED).result());
    }

    @Test
    void withReductionTheVerdictsAreTheNaiveSearchsAndTheCountNoLarger() throws Exception {
        ExplorationResult r = SmallSpecs.explore(tiny, true, false, 2, SmallSpecs.CHECKED).result();
        assertTrue(r.complete(), "complete: " + r.incompleteReason());
        assertEquals(naiveVerdicts(), verdicts(r));
        assertTrue(r.stats().distinctStates() <= naive.seen.size(), r.stats().distinctStates() + " > " + naive.seen.size());
    }

    private static void sameAsNaive(ExplorationResult r) {
        ExplorationStats s = r.stats();
        assertTrue(r.complete(), "complete: " + r.incompleteReason());
        assertEquals(naive.seen.size(), s.distinctStates(), "distinct states");
        assertEquals(naive.transitions, s.generatedStates(), "transitions");
        assertEquals(naive.depth, s.depth(), "depth");
        assertEquals(naive.deadlocks, s.deadlocks(), "deadlocks");
        assertEquals(naive.perLabel, new TreeMap<>(s.coverage()), "transitions per action");
        assertEquals(naiveVerdicts(), verdicts(r));
    }

    /** Per checked property: VIOLATED and the shortest length, or HOLDS (the search was complete). */
    private static Map<String, String> naiveVerdicts() {
        Map<String, String> m = new TreeMap<>();
        for (String p : SmallSpecs.CHECKED) {
            Integer d = naive.shortest.get(p);
            m.put(p, d == null ? Status.HOLDS.name() : Status.VIOLATED + " in " + d);
        }
        return m;
    }

    private static Map<String, String> verdicts(ExplorationResult r) {
        Map<String, String> m = new TreeMap<>();
        for (Verdict v : r.verdicts()) {
            m.put(v.property(), v.status() == Status.VIOLATED ? Status.VIOLATED + " in " + v.counterexample().length()
                    : v.status().name());
        }
        return m;
    }
}
