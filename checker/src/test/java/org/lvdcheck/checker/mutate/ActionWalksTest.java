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
 * The action walks of a mutation run: on lvd-hardened they find nothing in the original; they
 * catch a mutant of the domain's abort stub that the bounded searches of 20,000 states do not
 * reach (without `movl $LVD_GATE_ABORT, %eax`, a landing whose check fails issues the hypercall
 * with the leaf the driver left in EAX); and, giving the other domain's driver its action after
 * a landing let net in, the landings without their ticket's branch (G29).
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
    void aLandingWithoutItsTicketBranchIsCaughtOnceTheOtherDomainsDriverHasItsAction() throws Exception {
        // Net's driver VMFUNCs into blk (ECX = 2); without the branch after the ticket's compare
        // blk's copy lets it in, blk's dispatcher ends in blk's driver, whose one action (a call
        // through its springboard with ids it chose) has the kernel run consume_skb for blk.
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        String text = base.sources().read("", GATE).orElseThrow().text();
        int branches = 0;
        for (Mutants.Mutant m : Mutants.of(GATE, text)) {
            if (m.description().startsWith("drop `jne") && text.split("\n")[m.patch().line() - 2]
                    .contains("lvd_landing_ticket")) {
                branches++;
                assertEquals(new ActionWalks.Found("CALL", "by an action walk"), new ActionWalks(Replay.system(
                        SpecLoader.loadPatched("lvd-hardened", m.patch(), "mutant"), true), all()).firstViolation(),
                        m.toString());
            }
        }
        assertEquals(3, branches, "the trampoline, the interrupt return and the springboard return");
    }

    @Test
    void theAbortStubWithoutItsLeafIsCaughtByAWalkAndNotByTheBoundedSearches() throws Exception {
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        String text = base.sources().read("", GATE).orElseThrow().text();
        Mutants.Mutant m = Mutants.of(GATE, text).stream().filter(x -> x.description().equals(
                "drop `movl $LVD_GATE_ABORT, %eax`")).findFirst().orElseThrow();
        assertEquals(new ActionWalks.Found("TAINT", "by an action walk"), new ActionWalks(Replay.system(
                SpecLoader.loadPatched("lvd-hardened", m.patch(), "mutant"), true), all()).firstViolation());
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

    @Test
    void aSaveOfR11DroppedFromTheEntryCodeIsCaughtByAnInterruptWalk() throws Exception {
        // Without `movq %r11, PT_R11(%rsp)` every interrupt entry leaves R11's slot as it was.
        // Inside the driver R11 is ⊤, and so is the stale slot of its IST stack (a domain can write
        // it), so the walks at the driver's entries see nothing; a timer in the thread's kernel code,
        // where R11 is 0, comes back with the stale ⊤ (IRQ at the IRETQ).
        String entry = "asm/hardened/entry.s";
        String text = SpecLoader.load("lvd-hardened").sources().read("", entry).orElseThrow().text();
        Mutants.Mutant m = Mutants.of(entry, text).stream().filter(x -> x.description().equals(
                "drop `movq %r11, PT_R11+\\offset(%rsp)`")).findFirst().orElseThrow();
        assertEquals(new ActionWalks.Found("IRQ", "by an interrupt walk"), new ActionWalks(Replay.system(
                SpecLoader.loadPatched("lvd-hardened", m.patch(), "mutant"), true), all()).firstViolation());
    }
}
