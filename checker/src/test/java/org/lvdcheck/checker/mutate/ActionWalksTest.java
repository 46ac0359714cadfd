package org.lvdcheck.checker.mutate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.model.StepChecks;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The action walks of a mutation run: on lvd-hardened they find nothing in the original, and
 * they catch a mutant of the domain's abort stub that the bounded searches of 20,000 states do
 * not reach — without `movl $LVD_GATE_ABORT, %eax`, a landing whose check fails issues the
 * hypercall with the leaf the driver left in EAX.
 */
class ActionWalksTest {
    private static final String GATE = "asm/hardened/gate.s";

    private static Set<String> all() {
        Set<String> s = new TreeSet<>();
        StepChecks.CHECKED.forEach(p -> s.add(p.name()));
        return s;
    }

    @Test
    void theOriginalBreaksNothingOnItsWalks() throws Exception {
        assertNull(new ActionWalks(Replay.system(SpecLoader.load("lvd-hardened"), true), all()).firstViolation());
    }

    @Test
    void theAbortStubWithoutItsLeafIsCaughtByAWalkAndNotByTheBoundedSearches() throws Exception {
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        String text = base.sources().read("", GATE).orElseThrow().text();
        Mutants.Mutant m = Mutants.of(GATE, text).stream().filter(x -> x.description().equals(
                "drop `movl $LVD_GATE_ABORT, %eax`")).findFirst().orElseThrow();
        assertEquals("TAINT", new ActionWalks(Replay.system(SpecLoader.loadPatched("lvd-hardened", m.patch(), "mutant"),
                true), all()).firstViolation());
        MutationRun run = new MutationRun("lvd-hardened", 20_000, 2);
        run.baseline();
        MutationRun.Result r = run.one(m);
        assertEquals(MutationRun.Outcome.CAUGHT, r.outcome());
        assertEquals("TAINT", r.property());
        assertEquals("by an action walk", r.detail());
        MutationRun without = new MutationRun("lvd-hardened", 20_000, 2, false);
        without.baseline();
        assertEquals(MutationRun.Outcome.SURVIVED, without.one(m).outcome());
    }
}
