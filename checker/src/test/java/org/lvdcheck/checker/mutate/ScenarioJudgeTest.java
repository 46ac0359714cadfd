package org.lvdcheck.checker.mutate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The functional judge of mutation analysis on lvd-hardened's gate: the unmutated spec does what
 * it does; dropping the trampoline's call of the driver's dispatcher (a safe gate that never
 * calls the driver) changes the xmit scenario's outcome; dropping an unreachable {@code ud2}
 * changes nothing.
 */
class ScenarioJudgeTest {
    private static final String GATE = "asm/hardened/gate.s";

    private static Mutants.Mutant mutant(SpecLoader.Loaded base, int line, String description) throws Exception {
        String text = base.sources().read("", GATE).orElseThrow().text();
        return Mutants.of(GATE, text).stream().filter(m -> m.patch().line() == line && m.description().equals(description))
                .findFirst().orElseThrow();
    }

    @Test
    void aGateThatNeverCallsTheDriverIsCaughtAndAnUnreachableLineIsNot() throws Exception {
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        ScenarioJudge judge = new ScenarioJudge(base);
        assertEquals(List.of("xmit", "migrate", "block"), judge.names());
        assertNull(judge.differs(SpecLoader.load("lvd-hardened")), "the original does what it does");

        Mutants.Mutant noCall = mutant(base, 39, "drop `call vmfunc_dispatch`");
        String d = judge.differs(SpecLoader.loadPatched("lvd-hardened", noCall.patch(), "mutant"));
        assertNotNull(d);
        assertTrue(d.startsWith("scenario xmit: ") && d.contains("(the original: every thread exited, 2 threads done, "
                + "0 kills, 0 CPU stops, VM exits none, an interrupt delivered inside a domain without a VM exit, data sections "),
                d);

        Mutants.Mutant unreachable = mutant(base, 52, "drop `ud2`");
        assertNull(judge.differs(SpecLoader.loadPatched("lvd-hardened", unreachable.patch(), "mutant")));
    }
}
