package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * AVAIL's hard lockups (docs/PROPERTIES.md, AVAIL): tiny.lvd's kernel thread, back from its call
 * into net, runs a loop instead of exiting. A loop that reads only the CPU's own state, under the
 * kernel's view with interrupts off, is a lockup; one that ends, one with interrupts on, and one that
 * reads memory another CPU could write (a wait, which the model cannot call endless) are not.
 */
class HardLockupTest {
    @TempDir
    Path dir;

    /** Checks AVAIL on tiny.lvd with {@code loop} placed after the thread's call into net. */
    private CliTest.Run checkWithLoop(String loop, String... more) throws IOException {
        CliTest.copySmallSpecs(dir);
        Path kernel = dir.resolve("asm/kernel.s");
        String text = Files.readString(kernel);
        String call = "        call gate_call\n";
        assertEquals(text.indexOf(call), text.lastIndexOf(call));
        Files.writeString(kernel, text.replace(call, call + loop));
        return check(more);
    }

    /** Checks AVAIL on the spec in {@link #dir} as it is, with {@code more} arguments. */
    private CliTest.Run check(String... more) {
        String[] args = Stream.concat(Stream.of("check", "--spec",
                dir.resolve("tiny.lvd").toString(), "--quiet", "--property", "AVAIL", "--trace-dir",
                dir.resolve("out").toString()), java.util.Arrays.stream(more)).toArray(String[]::new);
        return CliTest.run(args);
    }

    @Test
    void aSpinOnTheCpusOwnStateWithInterruptsOffIsALockupAndItsTraceReplays() throws IOException {
        CliTest.Run r = checkWithLoop("""
                        cli
                2:      movq vmfunc_state_page + VMFUNC_kernel_esp, %rax   # this CPU's state page
                        movq %rax, %rsp
                        jmp 2b
                """);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("AVAIL  availability           violated"), r.out());
        assertTrue(r.out().contains("cpu0 locked up: it spins for ever under the kernel's view with interrupts off, "
                + "a cycle of 3 steps through kernel.s:21, kernel.s:22, kernel.s:23 that reads only this CPU's own "
                + "state"), r.out());
        CliTest.Run replay = CliTest.run("replay", dir.resolve("out/AVAIL.json").toString());
        assertEquals(1, replay.code(), replay.out() + replay.err());
        assertTrue(replay.out().contains("evidence: cpu0 locked up"), replay.out());
    }

    @Test
    void aJumpToItselfIsACycleOfOneStep() throws IOException {
        CliTest.Run r = checkWithLoop("""
                        cli
                2:      jmp 2b
                """);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("a cycle of 1 step through kernel.s:21 "), r.out());
    }

    @Test
    void aForcedRunLongerThanTheLimitWithholdsHoldsWhateverTheWorkers() throws IOException {
        // 820 rounds of five instructions: 4,100 forced steps, past the test's 4,096.
        String loop = """
                        cli
                        movl $820, %ecx
                2:      nop
                        nop
                        nop
                        decl %ecx
                        jnz 2b
                """;
        checkWithLoop(loop);
        for (String workers : new String[] {"1", "2"}) {
            CliTest.Run r = check("--workers", workers);
            assertEquals(3, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("AVAIL  availability           inconclusive (lockup undecided)"), r.out());
            assertTrue(r.out().contains("lockup undecided: cpu0 after its backward step to 0xffffffff81002011 runs "
                    + "4096 forced steps"), r.out());
        }
    }

    /**
     * Loops that are no lockup: one that ends (3 rounds), a spin with IF set (a timer would preempt
     * it), and a spin on a word of kernel.low, which no CPU owns (a wait: another CPU may end it).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("noLockups")
    void aLoopThatEndsASpinWithInterruptsOnAndAWaitOnSharedMemoryAreNoLockup(String name, String loop)
            throws IOException {
        CliTest.Run r = checkWithLoop(loop);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("AVAIL  availability           holds"), r.out());
    }

    static Stream<Arguments> noLockups() {
        return Stream.of(
                Arguments.of("a loop of 3 rounds", """
                                cli
                                movl $3, %ecx
                        2:      decl %ecx
                                jnz 2b
                        """),
                Arguments.of("a spin with IF set", """
                        2:      jmp 2b
                        """),
                Arguments.of("a spin on a word of kernel.low", """
                                cli
                                movq $0xffff888000100000, %rbx   # a word of kernel.low: not this CPU's
                        2:      movq (%rbx), %rax
                                jmp 2b
                        """));
    }
}
