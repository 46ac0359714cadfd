package org.lvdcheck.spec.asm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/** Linking across units, to externals, twice at different bases, and jump relaxation. */
class LinkTest {

    static AsmUnit parse(String name, String text) throws InputError {
        return AsmParser.parse(name, text, IncludeResolver.none());
    }

    static InputError linkError(List<AsmUnit> units, Map<String, Long> bases, Map<String, Long> ext) {
        try {
            Assembler.link(units, bases, ext);
        } catch (InputError e) {
            return e;
        }
        throw new AssertionError("link succeeded");
    }

    @Test
    void aConstantEveryFileDefinesAlikeIsFoundByItsPlainName() throws InputError {
        AsmUnit a = parse("a.s", ".equ SAME, 5\n.equ DIFFERS, 1\n.text\nnop\n");
        AsmUnit b = parse("b.s", ".equ SAME, 5\n.equ DIFFERS, 2\n.section .text.b\nnop\n");
        LinkedImage img = Assembler.link(List.of(a, b), Map.of(".text", 0x1000L, ".text.b", 0x2000L), Map.of());
        assertEquals(5, img.symbol("SAME").orElseThrow());
        assertTrue(img.symbol("DIFFERS").isEmpty(), "ambiguous: only file:name");
        assertEquals(1, img.symbol("a.s:DIFFERS").orElseThrow());
        assertEquals(2, img.symbol("b.s:DIFFERS").orElseThrow());
    }

    @Test
    void globalsResolveAcrossUnitsAndExternals() throws InputError {
        AsmUnit gate = parse("gate.s", ".globl vmfunc_call\nvmfunc_call:\n  movq $0, %rax\n  call helper\n  jmp do_exit\n");
        AsmUnit helper = parse("helper.s", ".section .text.helper, \"ax\"\n.globl helper\nhelper: ret\nlocal_only: ret\n");
        LinkedImage img = Assembler.link(List.of(gate, helper), Map.of(".text", 0x1000L, ".text.helper", 0x2000L),
                Map.of("do_exit", 0xffffffff81000000L));
        assertEquals(0x1000L, img.symbol("vmfunc_call").getAsLong());
        assertEquals(0x2000L, img.symbol("helper").getAsLong());
        assertEquals(0x2001L, img.symbol("local_only").getAsLong());
        List<PlacedInstruction> is = img.instructions();
        assertEquals(new TargetOp(0x2000), is.get(1).insn().operand(0));
        assertArrayEquals(new byte[] {(byte) 0xe8, (byte) 0xf4, 0x0f, 0, 0}, is.get(1).bytes()); // 0x2000 - 0x100c
        assertEquals(new TargetOp(0xffffffff81000000L), is.get(2).insn().operand(0));
        assertEquals(5, is.get(2).length()); // jmp to an external is always rel32
        assertEquals("vmfunc_call", img.symbolAt(0x1000).orElseThrow());
        assertTrue(img.at(0x1001).isEmpty());
        assertEquals(0x1011L, img.sectionEnd(".text"));
    }

    @Test
    void sameUnitLinkedTwiceAtDifferentBases() throws InputError {
        AsmUnit gate = parse("gate.s", "entry: leaq stack(%rip), %rsp\n  jmp entry\n.data\nstack: .quad entry\n");
        LinkedImage kernel = Assembler.link(List.of(gate), Map.of(".text", 0x1000L, ".data", 0x5000L), Map.of());
        LinkedImage driver = Assembler.link(List.of(gate), Map.of(".text", 0x1000L, ".data", 0x9000L), Map.of());
        assertEquals(new MemOp(null, 0x5000, null, null, 1, true, 0), kernel.instructions().get(0).insn().operand(0));
        assertEquals(new MemOp(null, 0x9000, null, null, 1, true, 0), driver.instructions().get(0).insn().operand(0));
        assertEquals(0x1000, kernel.sectionBytes(".data")[1] << 8);
        assertEquals(kernel.sectionBytes(".text").length, driver.sectionBytes(".text").length);
        assertEquals(0x5000 - 0x1007, ParserTest.leInt(kernel.instructions().get(0).bytes(), 3));
        assertEquals(0x9000 - 0x1007, ParserTest.leInt(driver.instructions().get(0).bytes(), 3));
    }

    @Test
    void jumpsRelaxToRel8WhenInRange() throws InputError {
        LinkedImage img = ParserTest.link("jmp near\nje near\n.zero 100\nnear: jne far\n.zero 200\nfar: ret\n");
        List<PlacedInstruction> is = img.instructions();
        assertArrayEquals(new byte[] {(byte) 0xeb, 0x66}, is.get(0).bytes());
        assertArrayEquals(new byte[] {0x74, 0x64}, is.get(1).bytes());
        assertArrayEquals(new byte[] {0x0f, (byte) 0x85, (byte) 0xc8, 0, 0, 0}, is.get(2).bytes());
    }

    @Test
    void relaxationReachesAFixedPoint() throws InputError {
        // the first jump is in rel8 range only while the second stays short; the second must grow
        // (its target is 200 bytes on), which pushes "end" out of range: GNU as 2.40 gives e9 80 00 00 00
        LinkedImage img = ParserTest.link("jmp end\n.zero 123\njmp far\nend: ret\n.zero 200\nfar: ret\n");
        List<PlacedInstruction> is = img.instructions();
        assertArrayEquals(new byte[] {(byte) 0xe9, (byte) 0x80, 0, 0, 0}, is.get(0).bytes());
        assertEquals(5, is.get(1).length());
        assertEquals(new TargetOp(img.symbol("end").getAsLong()), is.get(0).insn().operand(0));
    }

    @Test
    void backwardJumpAtTheLimit() throws InputError {
        LinkedImage img = ParserTest.link("top: .zero 126\njmp top\ntop2: .zero 127\njmp top2\n");
        assertEquals(2, img.instructions().get(0).length());
        assertEquals(5, img.instructions().get(1).length());
    }

    @Test
    void jumpToAnAbsoluteAddressIsRel32() throws InputError {
        LinkedImage img = ParserTest.link("jmp 0x1000\nje 0x1010\n");
        assertArrayEquals(new byte[] {(byte) 0xe9, (byte) 0xfb, (byte) 0xff, (byte) 0xff, (byte) 0xff},
                img.instructions().get(0).bytes());
        assertEquals(new TargetOp(0x1010), img.instructions().get(1).insn().operand(0));
        assertEquals(6, img.instructions().get(1).length());
    }

    @Test
    void callIsAlwaysRel32() throws InputError {
        assertEquals(5, ParserTest.link("f: call f").instructions().get(0).length());
    }

    @Test
    void errorsNameTheirPlace() throws InputError {
        AsmUnit u = parse("u.s", "nop\n  call missing\n");
        assertEquals("u.s:2:8", linkError(List.of(u), Map.of(".text", 0L), Map.of()).pos().toString());
        AsmUnit d = parse("d.s", ".data\n.byte 1\n");
        InputError e = linkError(List.of(d), Map.of(".text", 0L), Map.of());
        assertTrue(e.getMessage().contains("section '.data' has no base address"), e.getMessage());
        AsmUnit a = parse("a.s", ".globl f\nf: ret\n");
        AsmUnit b = parse("b.s", ".globl f\nf: ret\n");
        assertEquals("b.s:2:1", linkError(List.of(a, b), Map.of(".text", 0L), Map.of()).pos().toString());
        AsmUnit far = parse("far.s", "movq sym(%rip), %rax\n");
        assertEquals("far.s:1:6", linkError(List.of(far), Map.of(".text", 0L), Map.of("sym", 0x7fffffffffL)).pos().toString());
        AsmUnit aligned = parse("al.s", ".p2align 4\nret\n");
        assertEquals("al.s:1:1", linkError(List.of(aligned), Map.of(".text", 8L), Map.of()).pos().toString());
    }

    @Test
    void weakSymbolsAndOverlap() throws InputError {
        AsmUnit w = parse("w.s", ".weak hook\n.data\n.quad hook\n");
        assertEquals(0, Assembler.link(List.of(w), Map.of(".data", 0L), Map.of()).sectionBytes(".data")[0]);
        AsmUnit two = parse("o.s", "nop\nnop\n.data\n.byte 1\n");
        InputError e = linkError(List.of(two), Map.of(".text", 0L, ".data", 1L), Map.of());
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
    }

    @Test
    void localsOfTheSameNameInTwoFilesAreQualified() throws InputError {
        AsmUnit a = parse("a.s", "loop: jmp loop\n");
        AsmUnit b = parse("b.s", "loop: jmp loop\n");
        LinkedImage img = Assembler.link(List.of(a, b), Map.of(".text", 0L), Map.of());
        assertEquals(0L, img.symbol("a.s:loop").getAsLong());
        assertEquals(2L, img.symbol("b.s:loop").getAsLong());
        assertEquals(new TargetOp(2), img.instructions().get(1).insn().operand(0));
    }

    @Test
    void weakDefinitionYieldsToStrongOnesAndExternals() throws InputError {
        String gate = ".section .gate.text, \"ax\"\n.align 16\n.globl tramp\n.weak tramp_out\n"
                + "tramp:\tvmfunc\n\tcmp $0x1, %ecx\n\tjne tramp_out\n\tret\ntramp_out:\n\tmov $0xabcd, %eax\n\tcpuid\n";
        AsmUnit g = parse("gate.s", gate);
        Map<String, Long> base = Map.of(".gate.text", 0x10000L, ".text", 0x20000L);
        LinkedImage alone = Assembler.link(List.of(g), base, Map.of());
        long local = alone.symbol("tramp_out").getAsLong();
        assertEquals(0x10009L, local); // vmfunc 3 + cmp 3 + jne 2 + ret 1
        assertEquals(new TargetOp(local), alone.instructions().get(2).insn().operand(0));
        assertEquals(2, alone.instructions().get(2).length());

        LinkedImage ext = Assembler.link(List.of(g), base, Map.of("tramp_out", 0x30000L));
        assertEquals(new TargetOp(0x30000), ext.instructions().get(2).insn().operand(0));
        assertEquals(6, ext.instructions().get(2).length()); // jne rel32 to another section: 0f 85 + 4 bytes
        assertTrue(ext.symbol("tramp_out").isPresent());

        AsmUnit kernel = parse("kernel.s", ".globl tramp_out\ntramp_out: hlt\n");
        LinkedImage both = Assembler.link(List.of(g, kernel), base, Map.of());
        assertEquals(new TargetOp(0x20000), both.instructions().get(2).insn().operand(0));
        assertEquals(0x20000L, both.symbol("tramp_out").getAsLong());
    }
}
