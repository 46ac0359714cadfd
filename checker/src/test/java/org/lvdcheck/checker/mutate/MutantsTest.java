package org.lvdcheck.checker.mutate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-line mutation operators over assembly text. */
class MutantsTest {
    private static final String TEXT = String.join("\n",
            "# a comment",
            ".include \"defs.s\"",
            "        .section .text, \"ax\"",
            "entry:",
            "        movl $0x1f, %ecx                # keep the comment",
            "1:      jne entry",
            "        cmpq $-1, %rax",
            "        SAVE_C_REGS",
            ".equ X, 4",
            "");

    private static List<String> describe(List<Mutants.Mutant> ms, int line) {
        return ms.stream().filter(m -> m.patch().line() == line)
                .map(m -> m.operator() + ":" + m.patch().newText().orElse("<deleted>")).toList();
    }

    @Test
    void everyOperatorOnEveryInstructionLineAndNothingElse() {
        List<Mutants.Mutant> ms = Mutants.of("asm/x.s", TEXT);
        assertTrue(ms.stream().allMatch(m -> m.patch().file().equals("asm/x.s")));
        assertEquals(List.of(5, 6, 7, 8), ms.stream().map(m -> m.patch().line()).distinct().toList(),
                "comments, directives, labels alone and .equ lines are not mutated");
        assertEquals(List.of("drop:<deleted>", "immediate:        movl $0x20, %ecx",
                "register:        movl $0x1f, %edx"), describe(ms, 5));
        assertEquals(List.of("drop:1:", "condition:1:      je entry"), describe(ms, 6),
                "a label on the line stays when its instruction is dropped");
        assertEquals(List.of("drop:<deleted>", "immediate:        cmpq $0, %rax", "register:        cmpq $-1, %rbx"),
                describe(ms, 7));
        assertEquals(List.of("drop:<deleted>"), describe(ms, 8), "a macro invocation can be dropped");
    }

    @Test
    void eachPatchExpectsTheLineAsItReads() {
        String[] lines = TEXT.split("\n", -1);
        for (Mutants.Mutant m : Mutants.of("asm/x.s", TEXT)) {
            assertEquals(lines[m.patch().line() - 1], m.patch().oldText());
        }
    }
}
