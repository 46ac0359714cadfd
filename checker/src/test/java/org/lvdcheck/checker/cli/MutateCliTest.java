package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code lvdcheck mutate} on the 1-CPU tiny spec (docs/TESTING.md), whose whole state space fits
 * the bound, so "survived" there means no checked property breaks in any reachable state and
 * every witness the original reaches is reached.
 */
class MutateCliTest {
    private static final String TINY = "src/test/resources/small/tiny.lvd";

    @Test
    void theTrampolinesFirstMutantsOfTheTinySpec() {
        CliTest.Run r = CliTest.run("mutate", "--spec", TINY, "--file", "asm/gate.s", "--max-states", "5000",
                "--limit", "4", "--workers", "1");
        assertEquals(0, r.code(), "every one of the four is caught: " + r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("already breaks [DINTEG, INV5]"), out);
        assertTrue(out.contains("and by the witnesses its complete search reaches, where a mutant's search is complete "
                + "too: enters"), out);
        // Without the trampoline's VMFUNC the call never enters net: no property breaks, but the
        // complete search misses the spec's witness, which the original reaches.
        assertTrue(out.contains("gate.s:11 drop `vmfunc` (witness enters)"), out);
        assertTrue(out.contains("gate.s:12 drop `cmpl $lcd_ept_id, %ecx` (ENTRY)"), out);
        assertTrue(out.contains("gate.s:13 drop `jne vmfunc_trampoline_abort` (ENTRY)"), out);
        assertTrue(out.contains("mutants: 4; invalid (do not load): 0; caught: 4; survived: 0; score 100.0%"), out);
    }

    /**
     * A thread starts with distinct kernel values in its callee-saved registers, so a gate that
     * saves one in another's slot returns with the wrong value (INV5's kernel side), and one that
     * forgets to clear R15 hands the driver a kernel address (INV5's domain side); and with FPU
     * contents of its own, so a gate that does not load the domain's FPU state lets the driver
     * run on the kernel's. With all of them 0, as the reset state, all three survived.
     */
    @Test
    void theCallersRegistersTellASwappedSaveAForgottenClearAndAMissingFpuSwitch() {
        CliTest.Run r = CliTest.run("mutate", "--file", "gate-kernel.s", "--line", "88", "--line", "94", "--line", "119");
        String out = r.out();
        assertTrue(out.contains("gate-kernel.s:94 drop `call lvd_enter_domain_state` (INV5)"), out + r.err());
        assertTrue(out.contains("gate-kernel.s:88 `%r12` -> `%r13` (INV5)"), out + r.err());
        assertTrue(out.contains("gate-kernel.s:119 drop `xorq %r15, %r15` (INV5)"), out);
        assertTrue(out.contains("gate-kernel.s:119 `%r15` -> `%rax` (INV5)"), out);
        assertTrue(out.contains("survived: 0;"), out);
        assertEquals(0, r.code(), "every mutant caught");
    }

    /**
     * A survivor says whether its search was complete: the `ud2` after the abort hypercall, which
     * never returns, is never reached, and tiny's whole space fits 5,000 states; with 300 the same
     * mutant survives only the bounds.
     */
    @Test
    void aSurvivorSaysWhetherItsSearchWasComplete() {
        CliTest.Run r = CliTest.run("mutate", "--spec", TINY, "--file", "asm/gate.s", "--line", "25",
                "--max-states", "5000", "--workers", "1");
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*survived \\S*gate\\.s:25 drop `ud2` \\(its complete search finds no violation: "
                + "[\\d,]+ states\\)\n.*"), r.out());
        CliTest.Run bounded = CliTest.run("mutate", "--spec", TINY, "--file", "asm/gate.s", "--line", "25",
                "--max-states", "300", "--workers", "1");
        assertEquals(3, bounded.code(), bounded.out() + bounded.err());
        assertTrue(bounded.out().matches("(?s).*survived \\S*gate\\.s:25 drop `ud2`\n.*"), bounded.out());
    }

    /**
     * A mutant the reduction's own check refuses is searched again without the reduction. Testing
     * RCX instead of RBX in the interrupt entry (entry.s:133) kills the domain from an interrupt in
     * plain kernel code, outside any crossing; the kill resumes the kernel at the gate's error
     * return through the saved RSP, which the reduction forgot there (docs/MODEL.md, "The gate's
     * saved stack pointer"), so the reduced search ends with that read. Without the reduction the
     * same bounds find the resumed kernel's oops (AVAIL).
     */
    @Test
    void aMutantTheReductionRefusesIsSearchedWithoutIt() {
        CliTest.Run r = CliTest.run("mutate", "--file", "entry.s", "--line", "133");
        String out = r.out();
        assertTrue(out.contains("caught   asm/hardened/entry.s:133 `%rbx` -> `%rcx` (AVAIL, without reduction, whose check "
                + "refused the mutant: the dead-stack reduction forgot a byte that cpu0 executes reads"), out + r.err());
        assertTrue(out.contains("survived asm/hardened/entry.s:133 drop `testq %rbx, %rbx`\n"), out);
    }

    @Test
    void aFileTheSpecDoesNotHaveIsAUsageError() {
        CliTest.Run r = CliTest.run("mutate", "--spec", TINY, "--file", "nowhere.s");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no assembly file"), r.err());
    }
}
