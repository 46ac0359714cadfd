package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code lvdcheck mutate} on the 1-CPU tiny spec (docs/TESTING.md), whose whole state space fits
 * the bound, so "survived" there means no checked property breaks in any reachable state.
 */
class MutateCliTest {
    private static final String TINY = "src/test/resources/small/tiny.lvd";

    @Test
    void theTrampolinesFirstMutantsOfTheTinySpec() {
        CliTest.Run r = CliTest.run("mutate", "--spec", TINY, "--file", "asm/gate.s", "--max-states", "5000",
                "--limit", "4", "--workers", "1");
        assertEquals(3, r.code(), "a survivor leaves the score short of proof: " + r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("already breaks [INV5]"), out);
        assertTrue(out.contains("survived") && out.contains("gate.s:11 drop `vmfunc`"), out);
        assertTrue(out.contains("gate.s:12 drop `cmpl $lcd_ept_id, %ecx` (ENTRY)"), out);
        assertTrue(out.contains("gate.s:13 drop `jne vmfunc_trampoline_abort` (ENTRY)"), out);
        assertTrue(out.contains("mutants: 4; invalid (do not load): 0; caught: 3; survived: 1; score 75.0%"), out);
    }

    @Test
    void aFileTheSpecDoesNotHaveIsAUsageError() {
        CliTest.Run r = CliTest.run("mutate", "--spec", TINY, "--file", "nowhere.s");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no assembly file"), r.err());
    }
}
