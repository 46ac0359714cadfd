package org.lvdcheck.spec.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.spec.InputError;

/** Round trips: what the assembler places, the decoder reads back identically. */
class DecoderTest {

    static Stream<Arguments> lines() {
        return EncodingTest.gasEncodings();
    }

    static void assertRoundTrip(LinkedImage img) {
        for (PlacedInstruction p : img.instructions()) {
            Optional<Decoder.Decoded> d = Decoder.decode(p.bytes(), 0, p.address());
            assertTrue(d.isPresent(), "not decoded: " + p);
            assertEquals(p.insn().withoutPos(), d.get().insn(), p.toString());
            assertEquals(p.length(), d.get().length(), p.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void everyPinnedFormRoundTrips(String line, String hex) throws InputError {
        AsmUnit u = AsmParser.parse("t.s", line + "\n", IncludeResolver.none());
        assertRoundTrip(Assembler.link(List.of(u), Map.of(".text", 0x1000L), Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"movq sym(%rip), %rax", "movq %rax, sym(%rip)", "movl $1, sym(%rip)",
        "cmpb $0, sym(%rip)", "jmp *sym(%rip)", "lea 0x10(%rip), %rdx", "call sym", "jmp sym", "jz sym",
        "movq $sym, %rax", "addq $sym, %rax", "push $sym", "mov %gs:sym, %rax", "mov sym(%rbx), %eax",
        "movabs sym, %eax", "movabs %rax, sym", "movabs $sym, %rax", "call *sym(,%rax,8)", "movq %rsp, %gs:sym",
        "xchg %ax, %ax", "xchg %rax, %rax", "xchg %rax, %r8"})
    void symbolicFormsRoundTrip(String line) throws InputError {
        AsmUnit u = AsmParser.parse("t.s", line + "\n", IncludeResolver.none());
        assertRoundTrip(Assembler.link(List.of(u), Map.of(".text", 0x401000L), Map.of("sym", 0x402468L)));
    }

    @Test
    void jumpIntoAnImmediateFindsVmfunc() throws InputError {
        // b8 0f 01 d4 00: the immediate of a mov holds VMFUNC's encoding
        AsmUnit u = AsmParser.parse("g.s", "start: movl $0xd4010f, %eax\nret\n", IncludeResolver.none());
        LinkedImage img = Assembler.link(List.of(u), Map.of(".text", 0x1000L), Map.of());
        assertTrue(img.at(0x1001).isEmpty());
        Decoder.Decoded d = Decoder.decode(a -> img.byteAt(a).orElse(null), 0x1001).orElseThrow();
        assertEquals(Mnemonic.VMFUNC, d.insn().mnemonic());
        assertEquals(3, d.length());
        // after it, at 0x1004, the 00 of the immediate and the c3: add %al,%bl? no: 00 c3 is add %al,%bl
        Decoder.Decoded next = Decoder.decode(a -> img.byteAt(a).orElse(null), 0x1004).orElseThrow();
        assertEquals(new Instruction(Mnemonic.ADD, null, 1, List.of(new RegOp(Reg.AL), new RegOp(Reg.BL)), false, null),
                next.insn());
    }

    @Test
    void bytesOutsideTheSubsetAreNotInstructions() {
        int[][] bad = {
            {0x0f, 0x05},             // syscall
            {0x67, 0x8b, 0x00},       // 32-bit addressing
            {0xf0, 0x48, 0x89, 0xc3}, // lock on a register destination: #UD
            {0xf0, 0x48, 0x8b, 0x03}, // lock mov: #UD
            {0xcf},                   // iretd
            {0x48, 0x66, 0x89, 0xc3}, // REX not directly before the opcode
            {0x0f, 0x01},             // truncated
            {0xd1, 0xc0},             // rol
            {0x0f, 0x20, 0xc8},       // mov %cr1
        };
        for (int[] b : bad) {
            byte[] code = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                code[i] = (byte) b[i];
            }
            assertTrue(Decoder.decode(code, 0, 0).isEmpty(), EncodingTest.hex(code));
        }
    }

    @Test
    void prefixesTheCpuIgnoresOnVmfunc() {
        for (int prefix : new int[] {0x40, 0x48, 0x2e, 0x65}) {
            Decoder.Decoded d = Decoder.decode(new byte[] {(byte) prefix, 0x0f, 0x01, (byte) 0xd4}, 0, 0).orElseThrow();
            assertEquals(Mnemonic.VMFUNC, d.insn().mnemonic());
            assertEquals(4, d.length());
        }
    }

    @Test
    void decodingStopsAtMissingBytes() {
        assertTrue(Decoder.decode(a -> a < 2 ? Integer.valueOf(a == 0 ? 0x0f : 0x01) : null, 0).isEmpty());
        assertTrue(Decoder.decode(new byte[] {(byte) 0xe8, 0, 0}, 0, 0).isEmpty());
        byte[] longest = new byte[16];
        java.util.Arrays.fill(longest, 0, 15, (byte) 0x66);
        longest[15] = (byte) 0x90;
        assertTrue(Decoder.decode(longest, 0, 0).isEmpty(), "more than 15 bytes");
    }

    @Test
    void fixedEncodingsDecode() {
        assertEquals(Mnemonic.IRETQ, Decoder.decode(new byte[] {0x48, (byte) 0xcf}, 0, 0).orElseThrow().insn().mnemonic());
        Decoder.Decoded w = Decoder.decode(new byte[] {(byte) 0xf3, 0x0f, (byte) 0xae, (byte) 0xd8}, 0, 0).orElseThrow();
        assertEquals(new Instruction(Mnemonic.WRGSBASE, null, 4, List.of(new RegOp(Reg.EAX)), false, null), w.insn());
        Decoder.Decoded cr = Decoder.decode(new byte[] {0x44, 0x0f, 0x20, (byte) 0xc0}, 0, 0).orElseThrow();
        assertEquals(List.of(new RegOp(Reg.CR8), new RegOp(Reg.RAX)), cr.insn().operands());
    }

    @Test
    void randomBytesNeverBreakTheDecoder() {
        long seed = 0x5eed_1234L;
        SplittableRandom rnd = new SplittableRandom(seed);
        int decoded = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] code = new byte[16];
            for (int i = 0; i < code.length; i++) {
                code[i] = (byte) rnd.nextInt(256);
            }
            Optional<Decoder.Decoded> d = Decoder.decode(code, 0, 0x1000);
            if (d.isPresent()) {
                decoded++;
                int len = d.get().length();
                assertTrue(len >= 1 && len <= Decoder.MAX_LENGTH, "seed " + seed + " case " + n);
                // only the first len bytes matter
                byte[] exact = java.util.Arrays.copyOf(code, len);
                assertEquals(d, Decoder.decode(exact, 0, 0x1000), "seed " + seed + " case " + n + ": " + EncodingTest.hex(exact));
            }
        }
        assertTrue(decoded > 1000, "seed " + seed + ": only " + decoded + " decoded");
    }
}
