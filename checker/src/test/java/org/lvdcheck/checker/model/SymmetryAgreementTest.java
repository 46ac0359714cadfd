package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Strategy;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The CPU symmetry agrees with the search without it (docs/MODEL.md, "CPU symmetry"): on the 2-CPU
 * mini spec with both threads free to run on either CPU (so that it has the symmetry), and on its
 * one-line faulty variants, the reduced search with the symmetry, the reduced search without it and
 * the unreduced search give the same verdicts and, for each violated property, a shortest
 * counterexample of the same length; with the symmetry one and two workers give the same count and
 * the same traces; and where everything holds the symmetry stores fewer states.
 */
class SymmetryAgreementTest {
    /** mini.lvd with both threads unpinned. */
    private static String symmetricMini() {
        String text = SmallSpecs.text("mini.lvd");
        text = SmallSpecs.oneLineDiff(text, "cpu=0 task=0xffff888003100000", "cpu=any task=0xffff888003100000");
        return SmallSpecs.oneLineDiff(text, "cpu=1 task=0xffff888003110000", "cpu=any task=0xffff888003110000");
    }

    record Case(String name, String text, Map<String, Status> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case fault(String property, String why, String fragment, String replacement) {
        return new Case(property + ": " + why, SmallSpecs.oneLineDiff(symmetricMini(), fragment, replacement),
                Map.of(property, Status.VIOLATED));
    }

    static Stream<Case> cases() {
        Map<String, Status> all = new TreeMap<>();
        SmallSpecs.CHECKED.forEach(p -> all.put(p, Status.HOLDS));
        return Stream.of(
                new Case("mini, threads on either CPU: every checked property holds", symmetricMini(), all),
                fault("INV2", "net's page-table frames writable in net's EPT",
                        "hpa=region:net.pt     rights=r--", "hpa=region:net.pt     rights=rw-"),
                fault("INV4", "MOV-DR not intercepted", "mov-dr-exiting=yes", "mov-dr-exiting=no"),
                fault("INV4", "CR3-load exiting off", "cr3-load-exiting=yes", "cr3-load-exiting=no"),
                fault("AVAIL", "a failed VMFUNC from the domain halts the CPU",
                        "exit vmfunc           origin=domain action=kill", "exit vmfunc           origin=domain action=halt"),
                fault("AVAIL", "a failed VMFUNC from the kernel halts the CPU (a race of both CPUs)",
                        "exit vmfunc           origin=kernel action=kill", "exit vmfunc           origin=kernel action=halt"),
                fault("EXEC", "net's frames executable in the kernel's EPT",
                        "hpa=0x4000000 rights=rw-", "hpa=0x4000000 rights=rwx"),
                fault("TAINT", "the kernel's state page of cpu0 writable through net's EPT",
                        "hpa=region:net.state  rights=r--", "hpa=0x1802000         rights=rw-"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withAndWithoutTheSymmetryAgree(Case c) throws Exception {
        SpecLoader.Loaded spec = SmallSpecs.load("mini.lvd", c.text());
        List<String> props = List.copyOf(c.expected().keySet());
        SmallSpecs.Explored sym = run(c, spec, true, 1, props, true);
        SmallSpecs.Explored plain = run(c, spec, true, 1, props, false);
        SmallSpecs.Explored unreduced = run(c, spec, false, 1, props, false);
        assertEquals(ReductionAgreementTest.summary(plain, false), ReductionAgreementTest.summary(sym, false), "verdicts and shortest-trace lengths, without vs with");
        assertEquals(ReductionAgreementTest.summary(unreduced, false), ReductionAgreementTest.summary(sym, false), "unreduced vs reduced with the symmetry");
        assertEquals(org.lvdcheck.checker.explore.ExplorationStats.orbitCollisionEstimate(sym.result().stats()
                .distinctStates()), sym.result().stats().collisionProbability(), 0.0, "orbits' collision estimate");
        SmallSpecs.Explored two = run(c, spec, true, 2, props, true);
        assertEquals(sym.result().stats().distinctStates(), two.result().stats().distinctStates(), "1 vs 2 workers");
        assertEquals(ReductionAgreementTest.summary(sym, true), ReductionAgreementTest.summary(two, true), "1 vs 2 workers: verdicts and traces");
        if (c.expected().containsValue(Status.HOLDS)) {
            long with = sym.result().stats().distinctStates(), without = plain.result().stats().distinctStates();
            assertTrue(with < without && 2 * with >= without / 2, "with the symmetry " + with + ", without " + without);
        }
    }

    /**
     * The depth-first search with the symmetry: the same verdicts as without it and as the unreduced
     * breadth-first search, each counterexample a run of the machine that re-executes to its violation
     * (depth-first ones need not be shortest), and where everything holds fewer states stored.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void depthFirstWithAndWithoutTheSymmetryAgree(Case c) throws Exception {
        SpecLoader.Loaded spec = SmallSpecs.load("mini.lvd", c.text());
        List<String> props = List.copyOf(c.expected().keySet());
        SmallSpecs.Explored sym = run(c, spec, true, 1, props, true, Strategy.DFS);
        SmallSpecs.Explored plain = run(c, spec, true, 1, props, false, Strategy.DFS);
        SmallSpecs.Explored unreduced = run(c, spec, false, 1, props, false, Strategy.BFS);
        for (SmallSpecs.Explored e : List.of(sym, plain)) {
            for (var v : e.result().verdicts()) {
                if (v.status() == Status.VIOLATED) {
                    var trace = e.explorer().trace(e.result().counterexample(v.property()).orElseThrow());
                    assertTrue(trace.actionIndices().size() >= unreduced.trace(v.property()).size(),
                            v.property() + ": no depth-first trace is shorter than the shortest");
                }
            }
        }
        if (c.expected().containsValue(Status.HOLDS)) {
            long with = sym.result().stats().distinctStates(), without = plain.result().stats().distinctStates();
            assertTrue(with < without && 2 * with >= without / 2, "depth-first with the symmetry " + with + ", without " + without);
        }
    }

    private static SmallSpecs.Explored run(Case c, SpecLoader.Loaded spec, boolean reduction, int workers,
                                           List<String> props, boolean symmetry) throws InputError {
        return run(c, spec, reduction, workers, props, symmetry, Strategy.BFS);
    }

    private static SmallSpecs.Explored run(Case c, SpecLoader.Loaded spec, boolean reduction, int workers,
                                           List<String> props, boolean symmetry, Strategy strategy) throws InputError {
        SmallSpecs.Explored e = SmallSpecs.explore(spec, reduction, false, workers, props, symmetry, strategy);
        boolean stoppedAtViolations = c.expected().values().stream().allMatch(s -> s == Status.VIOLATED);
        assertTrue(e.result().complete() || stoppedAtViolations, c + ": incomplete, " + e.result().incompleteReason());
        Map<String, Status> got = new TreeMap<>();
        e.result().verdicts().forEach(v -> got.put(v.property(), v.status()));
        assertEquals(new TreeMap<>(c.expected()), got, c + ", " + strategy + (symmetry ? " with" : " without") + " the symmetry");
        return e;
    }
}
