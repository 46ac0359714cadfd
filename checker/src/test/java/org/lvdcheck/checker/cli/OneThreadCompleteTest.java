package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LineCoverage;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.Patch;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The complete exploration of lvd-hardened with one thread, t0, the full adversary and the
 * spec's interrupt sources (about a minute and several GB; profile {@code complete}:
 * {@code mvn -B -Pcomplete -pl checker -am test -Dtest=OneThreadCompleteTest
 * -Dsurefire.failIfNoSpecifiedTests=false}). It ends, which it did not before the write-only
 * words (docs/MODEL.md), with every property holding and every witness but the migration, which
 * needs a second thread, reached (docs/PERFORMANCE.md, session 14).
 */
@EnabledIfSystemProperty(named = "lvdcheck.complete", matches = "explore")
class OneThreadCompleteTest {
    @Test
    void lvdHardenedWithOneThreadIsExploredCompletelyAndEveryPropertyHolds() throws Exception {
        SpecLoader.Loaded one = oneThread();
        LvdTransitionSystem sys = Replay.system(one, true);
        ExplorationResult r = new Explorer<CheckState>(sys, Explorer.Options.defaults()).run();
        assertTrue(r.complete(), String.valueOf(r.incompleteReason()));
        assertEquals(1_672_031L, r.stats().distinctStates());
        assertEquals(507, r.stats().depth());
        for (Verdict v : r.verdicts()) {
            assertEquals(Status.HOLDS, v.status(), v.property());
        }
        assertEquals(List.of("migration"), sys.witnesses().unreached().stream().map(x -> x.name()).toList());
        assertTrue(sys.ownership().breaches().isEmpty());
        assertTrue(sys.invept().unmet().isEmpty());
        // Line coverage by context (docs/MUTATION.md, "Survivors by context"): the kernel's half of
        // the gate runs under the kernel's view only; these lines of the entry text run only after
        // a driver's jump into them (the kernel's exception and NMI paths, the user-mode returns,
        // the kill stub after the abort hypercall, the preemption call).
        for (LineCoverage.LineContexts l : lines(sys, "gate-kernel.s")) {
            assertTrue(l.contexts().isEmpty() || l.contexts().equals(EnumSet.of(LineCoverage.Context.KERNEL)),
                    "gate-kernel.s:" + l.line() + " " + l.contexts());
        }
        List<Integer> driverOnly = lines(sys, "entry.s").stream()
                .filter(l -> !l.contexts().isEmpty() && EnumSet.of(LineCoverage.Context.DRIVER_JUMP,
                        LineCoverage.Context.DRIVER).containsAll(l.contexts()))
                .map(LineCoverage.LineContexts::line).toList();
        assertEquals(ENTRY_DRIVER_ONLY, driverOnly);
    }

    /**
     * Up to the CPU symmetry the spec declares, the same run stores one state per orbit: the
     * 1,672,031 states are 836,015 pairs of mirror images and the initial state, its own image
     * (docs/MODEL.md, "CPU symmetry"), with the same depth, verdicts and witnesses.
     */
    @Test
    void upToTheCpuSymmetryTheSameRunStoresEachPairOfMirrorImagesOnce() throws Exception {
        assertTrue(SpecLoader.load("lvd-hardened").spec().workload().cpuSymmetry());
        SpecLoader.Loaded one = oneThread();
        LvdTransitionSystem sys = Replay.system(one, true);
        assertEquals(null, sys.useCpuSymmetry());
        ExplorationResult r = new Explorer<CheckState>(sys, Explorer.Options.defaults()).run();
        assertTrue(r.complete(), String.valueOf(r.incompleteReason()));
        assertEquals((1_672_031L + 1) / 2, r.stats().distinctStates());
        assertEquals(507, r.stats().depth());
        for (Verdict v : r.verdicts()) {
            assertEquals(Status.HOLDS, v.status(), v.property());
        }
        assertEquals(List.of("migration"), sys.witnesses().unreached().stream().map(x -> x.name()).toList());
        assertTrue(sys.ownership().breaches().isEmpty());
    }

    /**
     * The depth-first search up to the same symmetry stores the same orbits: 836,016, every property
     * holding and every witness but the migration reached (its own depth; docs/MODEL.md, "CPU symmetry",
     * depth-first).
     */
    @Test
    void depthFirstUpToTheCpuSymmetryStoresTheSameOrbits() throws Exception {
        SpecLoader.Loaded one = oneThread();
        LvdTransitionSystem sys = Replay.system(one, true);
        assertEquals(null, sys.useCpuSymmetry());
        ExplorationResult r = new Explorer<CheckState>(sys, Explorer.Options.defaults()
                .withStrategy(org.lvdcheck.checker.explore.Strategy.DFS)).run();
        assertTrue(r.complete(), String.valueOf(r.incompleteReason()));
        assertEquals((1_672_031L + 1) / 2, r.stats().distinctStates());
        for (Verdict v : r.verdicts()) {
            assertEquals(Status.HOLDS, v.status(), v.property());
        }
        assertEquals(List.of("migration"), sys.witnesses().unreached().stream().map(x -> x.name()).toList());
        assertTrue(sys.ownership().breaches().isEmpty());
        assertTrue(sys.invept().unmet().isEmpty());
    }

    /** The built-in spec with its workload line changed from {@code threads=t0,t1} to {@code threads=t0}. */
    private static SpecLoader.Loaded oneThread() throws Exception {
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        Model.Workload w = base.spec().workload();
        int line = w.pos().line();
        String old = base.sources().read("", "lvd-hardened.lvd").orElseThrow().text().split("\n", -1)[line - 1];
        assertTrue(old.startsWith("workload calls=1 threads=t0,t1 "), old);
        return SpecLoader.loadPatched("lvd-hardened", Patch.replace("lvd-hardened.lvd", line, old,
                old.replace("threads=t0,t1 ", "threads=t0 ")), "lvd-hardened-one-thread");
    }

    /** The entry text's lines that ran only after the driver's jumps (92 of its 239 lines with code). */
    static final List<Integer> ENTRY_DRIVER_ONLY = List.of(30, 128, 135, 139, 140, 141, 142, 143, 184, 199, 200, 201,
            202, 209, 210, 235, 242, 243, 245, 258, 266, 268, 270, 272, 274, 276, 277, 279, 281, 282, 284, 286, 296, 299,
            300, 301, 302, 303, 304, 305, 306, 308, 309, 314, 315, 316, 317, 318, 322, 323, 324, 325, 327, 328, 330, 331,
            332, 333, 337, 338, 339, 340, 343, 346, 347, 348, 349, 350, 351, 352, 356, 357, 359, 360, 361, 362, 368, 371,
            372, 373, 375, 376, 377, 378, 379, 380, 381, 383, 384, 385, 386, 394);

    static List<LineCoverage.LineContexts> lines(LvdTransitionSystem sys, String name) {
        String file = sys.coverage().byFile().keySet().stream().filter(f -> f.endsWith("/" + name)).findFirst()
                .orElseThrow();
        return sys.coverage().lines(file);
    }
}
