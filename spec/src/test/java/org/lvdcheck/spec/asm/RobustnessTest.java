package org.lvdcheck.spec.asm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/**
 * Bad input must end in an InputError with a position, never another exception: mutated
 * versions of valid programs (seeded) are parsed and linked.
 */
class RobustnessTest {
    private static final String PROGRAM = String.join("\n",
            ".macro SAVE r, off=0", "  movq %\\r, \\off(%rsp)", ".endm",
            ".set N, 4", ".section .gate.text, \"ax\"", ".p2align 4", ".globl entry",
            "entry: pushq %rbp; SAVE rax, 8", "  leaq stack(%rip), %rsp", "1: cmpl $N, %ecx",
            "  jne 1b", "  movl $0, %eax", "  vmfunc", "  lock cmpxchgq %rcx, %gs:(%rdx)",
            "  .if N > 2", "  wrgsbase %eax", "  .else", "  nop", "  .endif",
            "  .rept 2", "  shlq $3, 8(%rax,%rbx,4)", "  .endr", "  jmp *ext(%rip)",
            ".data", "stack: .quad entry, 0x10", ".asciz \"a;b#c\"", "/* done */", "");

    private static final String ALPHABET = "%$(),:;#.\\\"'*+-<>=! \n\t0123456789abcdefxqlrsp_@/";

    @Test
    void theProgramItselfLinks() throws InputError {
        AsmUnit u = AsmParser.parse("r.s", PROGRAM, IncludeResolver.none());
        Assembler.link(List.of(u), Map.of(".gate.text", 0x1000L, ".data", 0x2000L), Map.of("ext", 0x3000L));
    }

    @Test
    void mutatedProgramsFailOnlyWithInputErrors() {
        long seed = 20260523L;
        SplittableRandom rnd = new SplittableRandom(seed);
        int errors = 0;
        for (int n = 0; n < 3000; n++) {
            StringBuilder s = new StringBuilder(PROGRAM);
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(s.length());
                switch (rnd.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                    default -> s.setCharAt(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                }
            }
            try {
                AsmUnit u = AsmParser.parse("r.s", s.toString(), IncludeResolver.none());
                Assembler.link(List.of(u), Map.of(".gate.text", 0x1000L, ".data", 0x2000L, ".text", 0x4000L),
                        Map.of("ext", 0x3000L));
            } catch (InputError e) {
                errors++;
                assertTrue(e.pos().line() >= 1 && e.pos().line() <= s.toString().split("\n", -1).length + 1,
                        "seed " + seed + " case " + n + ": " + e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                fail("seed " + seed + " case " + n + ": " + e + "\n" + s, e);
            }
        }
        assertTrue(errors > 300, "seed " + seed + ": only " + errors + " mutants were rejected");
    }
}
