package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Reduced and unreduced search agree (DESIGN.md §5, docs/TESTING.md): for each case — a spec and
 * the properties to check in it — the explorer runs with the reductions (CPU-local partial-order
 * reduction, dead stacks) and without them, each with one worker and with two. Every run must
 * be complete and give every property the expected verdict; the reduced and unreduced runs the
 * same verdicts and, for each violated property, a shortest counterexample of the same length;
 * one and two workers the same distinct-state count, the same verdicts and the same traces.
 *
 * <p>The cases are the 2-CPU mini spec, where every checked property holds, and one-line
 * faulty variants of it, each breaking one property; one of them (the kernel's failed VMFUNC)
 * only in an interleaving of both CPUs, which a reduction that dropped interleavings would
 * miss or find later; and irq.lvd, mini with a timer interrupt and a run of
 * interrupt-transparent instructions, whose arrivals the reduction defers, with handlers that do
 * not give the interrupted context back. A seeded fault from elsewhere plugs in as another {@link Case}: anything
 * that loads a spec, with the properties and verdicts expected.
 */
class ReductionAgreementTest {
    /** Loads the spec of a case (a small spec, a variant of one, a built-in or shipped faulty spec). */
    interface SpecSource {
        SpecLoader.Loaded load() throws InputError;
    }

    /** A spec, the properties to check in it and the status each must get. */
    record Case(String name, SpecSource spec, Map<String, Status> expected) {
        @Override
        public String toString() {
            return name;
        }

        List<String> properties() {
            return List.copyOf(expected.keySet());
        }
    }

    static Case holds(String name, SpecSource spec) {
        Map<String, Status> m = new TreeMap<>();
        SmallSpecs.CHECKED.forEach(p -> m.put(p, Status.HOLDS));
        return new Case(name, spec, m);
    }

    /** mini.lvd with the line holding {@code fragment} changed to hold {@code replacement}; {@code property} violated. */
    static Case fault(String property, String why, String fragment, String replacement) {
        String text = SmallSpecs.oneLineDiff(SmallSpecs.text("mini.lvd"), fragment, replacement);
        return new Case(property + ": " + why, () -> SmallSpecs.load("mini.lvd", text), Map.of(property, Status.VIOLATED));
    }

    /** irq.lvd with the line of asm/irq.s holding {@code fragment} changed; {@code property} violated. */
    static Case irqFault(String property, String why, String fragment, String replacement) {
        String text = SmallSpecs.oneLineDiff(SmallSpecs.text("asm/irq.s"), fragment, replacement);
        return new Case(property + ": " + why, () -> SmallSpecs.loadWithFile("irq.lvd", "asm/irq.s", text),
                Map.of(property, Status.VIOLATED));
    }

    /**
     * irq.lvd: every checked property but TAINT holds. TAINT is left out: irq's gate lets the
     * driver VMFUNC into the kernel's copy with IF set and its own RSP, and a timer taken there
     * returns through a ⊤ frame (a TAINT violation that cuts, which would leave the rest
     * inconclusive).
     */
    static Case irqBase() {
        Map<String, Status> m = new TreeMap<>();
        SmallSpecs.CHECKED.stream().filter(p -> !p.equals("TAINT")).forEach(p -> m.put(p, Status.HOLDS));
        return new Case("irq: a timer whose handler gives back what it interrupted", () -> SmallSpecs.load("irq.lvd"), m);
    }

    static Stream<Case> cases() {
        return Stream.of(
                holds("mini: every checked property holds", () -> SmallSpecs.load("mini.lvd")),
                fault("INV2", "net's page-table frames writable in net's EPT",
                        "hpa=region:net.pt     rights=r--", "hpa=region:net.pt     rights=rw-"),
                fault("INV4", "MOV-DR not intercepted", "mov-dr-exiting=yes", "mov-dr-exiting=no"),
                fault("INV4", "the hypervisor's CR3-target values, all zero, let a load of CR3 = 0 through",
                        "cr3-load-exiting=yes", "cr3-load-exiting=yes cr3-target-policy=lru"),
                fault("INV4", "CR3-load exiting off: the driver loads CR3 with a value of its choice and nothing exits",
                        "cr3-load-exiting=yes", "cr3-load-exiting=no"),
                fault("AVAIL", "a failed VMFUNC from the domain halts the CPU",
                        "exit vmfunc           origin=domain action=kill", "exit vmfunc           origin=domain action=halt"),
                fault("AVAIL", "a failed VMFUNC from the kernel halts the CPU: cpu1 takes net out of cpu0's EPTP list "
                        + "before cpu0's gate enters it (a race: only an interleaving of both CPUs breaks it)",
                        "exit vmfunc           origin=kernel action=kill", "exit vmfunc           origin=kernel action=halt"),
                fault("EXEC", "net's frames executable in the kernel's EPT",
                        "hpa=0x4000000 rights=rw-", "hpa=0x4000000 rights=rwx"),
                fault("TAINT", "the kernel's state page of cpu0 writable through net's EPT",
                        "hpa=region:net.state  rights=r--", "hpa=0x1802000         rights=rw-"),
                irqBase(),
                irqFault("IRQ", "the timer handler pops the saved RAX into RCX: the interrupted thread's "
                        + "interrupt-transparent steps read RAX after the IRETQ", "popq %rax", "popq %rcx"),
                irqFault("IRQ", "the timer handler overwrites the word at the interrupted RSP, which the "
                        + "interrupted thread's interrupt-transparent steps read", "addq $1, %rax", "movq $0, (%rax)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reducedAndUnreducedAgree(Case c) throws Exception {
        SpecLoader.Loaded spec = c.spec().load();
        SmallSpecs.Explored reduced = run(c, spec, true, 1);
        SmallSpecs.Explored unreduced = run(c, spec, false, 1);
        assertEquals(summary(reduced, false), summary(unreduced, false),
                "verdicts and shortest-trace lengths, reduced vs unreduced");
        sameForTwoWorkers(c, spec, true, reduced);
        sameForTwoWorkers(c, spec, false, unreduced);
        if (c.expected().containsValue(Status.HOLDS)) {
            // Where everything is explored the reduction must have had something to do.
            assertTrue(reduced.result().stats().distinctStates() < unreduced.result().stats().distinctStates(),
                    "reduced " + reduced.result().stats().distinctStates() + " vs unreduced "
                            + unreduced.result().stats().distinctStates());
        }
    }

    /**
     * The depth-first search, reduced with each of its provisos (stack, the default, and level), gives
     * every property the expected verdict; each counterexample re-executes to its violation and is no
     * shorter than the unreduced breadth-first search's.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void depthFirstReducedAgreesWithTheUnreducedSearch(Case c) throws Exception {
        SpecLoader.Loaded spec = c.spec().load();
        SmallSpecs.Explored unreduced = run(c, spec, false, 1);
        for (boolean stack : new boolean[] {true, false}) {
            SmallSpecs.Explored e = SmallSpecs.explore(spec, true, false, 1, c.properties(), false,
                    org.lvdcheck.checker.explore.Strategy.DFS, stack);
            ExplorationResult r = e.result();
            String what = c + ", depth-first, proviso " + (stack ? "stack" : "level");
            boolean stoppedAtViolations = c.expected().values().stream().allMatch(s -> s == Status.VIOLATED);
            assertTrue(r.complete() || stoppedAtViolations, what + ": incomplete, " + r.incompleteReason());
            Map<String, Status> got = new TreeMap<>();
            r.verdicts().forEach(v -> got.put(v.property(), v.status()));
            assertEquals(new TreeMap<>(c.expected()), got, what);
            for (Verdict v : r.verdicts()) {
                if (v.status() == Status.VIOLATED) {
                    int length = e.trace(v.property()).size();
                    assertTrue(length >= unreduced.trace(v.property()).size(), what + ": " + v.property());
                }
            }
        }
    }

    /** One complete run, every property with its expected status. */
    private static SmallSpecs.Explored run(Case c, SpecLoader.Loaded spec, boolean reduction, int workers)
            throws InputError {
        SmallSpecs.Explored e = SmallSpecs.explore(spec, reduction, false, workers, c.properties());
        ExplorationResult r = e.result();
        boolean stoppedAtViolations = c.expected().values().stream().allMatch(s -> s == Status.VIOLATED);
        assertTrue(r.complete() || stoppedAtViolations,
                c + (reduction ? " reduced" : " unreduced") + ": incomplete, " + r.incompleteReason());
        Map<String, Status> got = new TreeMap<>();
        r.verdicts().forEach(v -> got.put(v.property(), v.status()));
        assertEquals(new TreeMap<>(c.expected()), got, c + (reduction ? " reduced" : " unreduced") + ", " + workers
                + " worker(s)");
        return e;
    }

    private static void sameForTwoWorkers(Case c, SpecLoader.Loaded spec, boolean reduction, SmallSpecs.Explored one)
            throws InputError {
        SmallSpecs.Explored two = run(c, spec, reduction, 2);
        String what = (reduction ? "reduced" : "unreduced") + ", 1 vs 2 workers";
        assertEquals(one.result().stats().distinctStates(), two.result().stats().distinctStates(), what + ": distinct states");
        assertEquals(summary(one, true), summary(two, true), what + ": verdicts and traces");
    }

    /** Per property its status; for a violated one the counterexample's length, and with {@code traces} its action indices. */
    static Map<String, String> summary(SmallSpecs.Explored e, boolean traces) {
        Map<String, String> m = new TreeMap<>();
        for (Verdict v : e.result().verdicts()) {
            String s = v.status().name();
            if (v.status() == Status.VIOLATED) {
                s += " in " + v.counterexample().length() + " steps";
                if (traces) {
                    s += " " + new ArrayList<>(e.trace(v.property()));
                }
            }
            m.put(v.property(), s);
        }
        return m;
    }
}
