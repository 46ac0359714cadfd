package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.Patch;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The complete exploration of lvd-hardened with one thread, t0, the full adversary and the
 * spec's interrupt sources (about three minutes and several GB; profile {@code complete}:
 * {@code mvn -B -Pcomplete -pl checker -am test -Dtest=OneThreadCompleteTest
 * -Dsurefire.failIfNoSpecifiedTests=false}). It ends, which it did not before the write-only
 * words (docs/MODEL.md), with every property holding and every witness but the migration, which
 * needs a second thread, reached (docs/PERFORMANCE.md, session 14).
 */
@EnabledIfSystemProperty(named = "lvdcheck.complete", matches = "explore")
class OneThreadCompleteTest {
    @Test
    void lvdHardenedWithOneThreadIsExploredCompletelyAndEveryPropertyHolds() throws Exception {
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        Model.Workload w = base.spec().workload();
        int line = w.pos().line();
        String old = base.sources().read("", "lvd-hardened.lvd").orElseThrow().text().split("\n", -1)[line - 1];
        assertTrue(old.startsWith("workload calls=1 threads=t0,t1 "), old);
        SpecLoader.Loaded one = SpecLoader.loadPatched("lvd-hardened", Patch.replace("lvd-hardened.lvd", line, old,
                old.replace("threads=t0,t1 ", "threads=t0 ")), "lvd-hardened-one-thread");
        LvdTransitionSystem sys = Replay.system(one, true);
        ExplorationResult r = new Explorer<CheckState>(sys, Explorer.Options.defaults()).run();
        assertTrue(r.complete(), String.valueOf(r.incompleteReason()));
        assertEquals(12_938_871L, r.stats().distinctStates());
        assertEquals(665, r.stats().depth());
        for (Verdict v : r.verdicts()) {
            assertEquals(Status.HOLDS, v.status(), v.property());
        }
        assertEquals(List.of("migration"), sys.witnesses().unreached().stream().map(x -> x.name()).toList());
        assertTrue(sys.ownership().breaches().isEmpty());
        assertTrue(sys.invept().unmet().isEmpty());
    }
}
