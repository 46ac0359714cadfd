package org.lvdcheck.spec.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/**
 * Whole programs whose jump sizes depend on the order of relaxation (alignment padding
 * absorbs growth), with the .text bytes GNU as 2.40 produced for them. Found by comparing
 * lvdcheck with GNU as on random programs during development.
 */
class RelaxationAgainstGasTest {

    static String text(String program) throws InputError {
        AsmUnit u = AsmParser.parse("r.s", program, IncludeResolver.none());
        return HexFormat.of().formatHex(Assembler.link(List.of(u), Map.of(".text", 0L), Map.of()).sectionBytes(".text"));
    }

    @Test
    void forwardTargetsBeyondAnAlignmentDoNotMoveWithTheStretch() throws InputError {
        // gas relax_frag: a target past an alignment is not assumed to move; "jg L2" ends up
        // rel32 with a displacement of 127 because GNU as never shrinks a jump
        String program = PROGRAM_1;
        assertEquals("7f5b0f01d40f85b50000000000000000000000000000000000000000000000000000000000000000000000000000000000000090743a0f8f84000000e97f000000756f0f01d40f8f7f000000eb7d908b4508eb1c756ac37559eb02eb558b450875694883c408000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000048b88fe92757e0000000ebc07582eb80ebfce8100000000f1f440000ebae75fcebece969ffffff7fa3", text(program));
    }

    @Test
    void backwardJumpStaysShortWhenPaddingAbsorbsGrowth() throws InputError {
        assertEquals("e9920000008b45080f1f840000000000e985000000e8fbffffff0000000000000000000000000000000000000000000000000000000000000000000000000000ebfeebfc66662e0f1f8400000000009000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f01d400000000000000000000000000000000000000000000000000900f1f4000e858ffffff7481", text(PROGRAM_2));
    }

    @Test
    void placedLabelDifferencesAreNumbersLikeInGnuAs() throws InputError {
        // backward differences with fixed-size contents between fold to imm8/disp8; forward ones
        // and ones spanning a relaxable jump keep the 32-bit field (as 2.40 bytes)
        String program = "L0: nop\nL1: nop\nmovl (L1-L0)(%rax), %eax\naddq $(L1-L0), %rsp\n"
                + "movl (L3-L2)(%rax), %eax\nL2: nop\nL3: nop\njmp L0\nL4: nop\naddq $(L4-L0), %rsp\n"
                + "addq $(L9-L9), %rsp\nL9:\n";
        assertEquals("90908b40014883c4018b80010000009090ebed904881c4130000004883c400", text(program));
    }

    static final String PROGRAM_1 = "jg L5\n" + "vmfunc\n" + "jne L1\n" + ".zero 40\n" + "nop\n" + ".p2align 5,,7\n" + "L4:\n" + "je L0\n" + "jg L1\n" + "jmp L1\n" + "jne L3\n" + "vmfunc\n" + "jg L2\n" + "jmp L2\n" + "nop\n" + "movl 8(%rbp), %eax\n" + "jmp L0\n" + "jne L1\n" + "ret\n" + "jne L3\n" + "jmp L5\n" + "jmp L3\n" + "L5:\n" + "movl 8(%rbp), %eax\n" + "jne L2\n" + "addq $8, %rsp\n" + ".zero 10\n" + "L0:\n" + ".p2align 4\n" + ".zero 52\n" + "movq $0xe05727e98f, %rax\n" + "jmp L0\n" + "jne L4\n" + "L3:\n" + "jmp L4\n" + "jmp L3\n" + "call L2\n" + ".p2align 4\n" + "L1:\n" + "jmp L0\n" + "jne L1\n" + "jmp L3\n" + ".p2align 1,,7\n" + "jmp L4\n" + "L2:\n" + "jg L0\n";

    static final String PROGRAM_2 = "jmp L0\n" + "movl 8(%rbp), %eax\n" + ".p2align 4\n" + "jmp L5\n" + "L4:\n" + "call L4\n" + ".zero 38\n" + "L1:\n" + "L2:\n" + "jmp L1\n" + "L3:\n" + "jmp L1\n" + ".p2align 4\n" + ".zero 71\n" + "L0:\n" + "vmfunc\n" + "L5:\n" + ".zero 25\n" + ".p2align 1\n" + ".p2align 3\n" + "call L4\n" + "je L1\n";
}
