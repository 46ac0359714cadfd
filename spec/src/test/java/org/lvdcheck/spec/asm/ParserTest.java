package org.lvdcheck.spec.asm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/** Directives, macros, conditionals and expressions, checked through the linked bytes. */
class ParserTest {

    static LinkedImage link(String text) throws InputError {
        AsmUnit u = AsmParser.parse("p.s", text, IncludeResolver.none());
        return Assembler.link(List.of(u), Map.of(".text", 0x1000L, ".data", 0x2000L, ".bss", 0x3000L), Map.of());
    }

    static byte[] data(String text) throws InputError {
        return link(".data\n" + text).sectionBytes(".data");
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void numbersInEveryBase() throws InputError {
        assertArrayEquals(bytes(10, 0x10, 8, 5, 'A', 0xff), data(".byte 10, 0x10, 010, 0b101, 'A, -1"));
    }

    @Test
    void operatorPrecedenceFollowsGnuAs() throws InputError {
        // | binds tighter than + in GNU as: 1 + (2 | 4) = 7; * before +: 2 + 3*4 = 14
        assertArrayEquals(bytes(7, 14, 0xfe, 16, 2, 1, 3, 6, 1), data(".byte 1 + 2 | 4, 2 + 3 * 4, ~1, 1 << 4, 9 >> 2, 7 % 3, 7 & 3, 5 ^ 3, (1 + 2) / 3"));
    }

    @Test
    void dataDirectivesAreLittleEndian() throws InputError {
        assertArrayEquals(bytes(0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0),
                data(".word 0x1234\n.long 0x12345678\n.quad 1\n.short 2"));
    }

    @Test
    void stringsAndFill() throws InputError {
        assertArrayEquals(bytes('a', 'b', 'c', 0, 'x', '\n', 0, 0, 0, 7, 7), data(".asciz \"abc\"\n.ascii \"x\\n\"\n.zero 3\n.skip 2, 7"));
    }

    @Test
    void setEquAndAssignment() throws InputError {
        assertArrayEquals(bytes(5, 6, 12), data(".set A, 5\n.equ B, A + 1\nC = A + B + 1\n.byte A, B, C"));
    }

    @Test
    void setSymbolUsesItsValueAtThatPoint() throws InputError {
        assertArrayEquals(bytes(1, 2), data(".set X, 1\n.byte X\n.set X, 2\n.byte X"));
    }

    @Test
    void commentsAndSeparators() throws InputError {
        assertArrayEquals(bytes(1, 2, 3, 4), data(".byte 1 # two\n/* a\n block */ .byte 2; .byte 3 /* c */ ; .byte 4"));
    }

    @Test
    void macroWithDefaultsKeywordsAndCounter() throws InputError {
        String src = ".macro pair a, b=9\n.byte \\a, \\b\n.endm\n.macro uniq\nl\\@: .byte 0\n.endm\n"
                + "pair 1\npair 2, 3\npair b=4, a=5\nuniq\nuniq\n";
        LinkedImage img = link(".data\n" + src);
        assertArrayEquals(bytes(1, 9, 2, 3, 5, 4, 0, 0), img.sectionBytes(".data"));
        assertEquals(0x2006L, img.symbol("l3").getAsLong());
        assertEquals(0x2007L, img.symbol("l4").getAsLong());
    }

    @Test
    void macroExpandsToInstructions() throws InputError {
        LinkedImage img = link(".macro SAVE reg\npushq %\\reg\n.endm\nSAVE rax\nSAVE r12\n");
        assertArrayEquals(bytes(0x50, 0x41, 0x54), img.sectionBytes(".text"));
    }

    @Test
    void anExpandedInstructionNamesItsMacroInvocations() throws InputError {
        // lines 1-3: SAVE; 4-7: BOTH, which invokes SAVE twice; 8: a plain instruction; 9: SAVE; 10: BOTH
        LinkedImage img = link(".macro SAVE reg\npushq %\\reg\n.endm\n.macro BOTH\nSAVE rax\nSAVE rbx\n.endm\n"
                + "nop\nSAVE rcx\nBOTH\n");
        List<PlacedInstruction> insns = List.copyOf(img.instructions());
        assertEquals(4, insns.size());
        assertEquals(List.of(), insns.get(0).sites(), "nop is no macro's");
        assertEquals(2, insns.get(1).pos().line(), "pushq %rcx is written on the body's line");
        assertEquals(List.of(9), insns.get(1).sites().stream().map(p -> p.line()).toList());
        assertEquals(List.of(10, 5), insns.get(2).sites().stream().map(p -> p.line()).toList(), "outermost first");
        assertEquals(List.of(10, 6), insns.get(3).sites().stream().map(p -> p.line()).toList());
    }

    @Test
    void reptAndIrp() throws InputError {
        assertArrayEquals(bytes(1, 1, 1, 4, 5), data(".rept 3\n.byte 1\n.endr\n.irp v, 4, 5\n.byte \\v\n.endr"));
    }

    @Test
    void conditionals() throws InputError {
        String src = ".set F, 1\n.if F\n.byte 1\n.else\n.byte 2\n.endif\n.if F - 1\n.byte 3\n.elseif 1\n.byte 4\n.endif\n"
                + ".ifdef F\n.byte 5\n.endif\n.ifndef G\n.byte 6\n.endif\n.if 0\n.if 1\n.byte 7\n.endif\n.endif\n";
        assertArrayEquals(bytes(1, 4, 5, 6), data(src));
    }

    @Test
    void alignmentDirectives() throws InputError {
        assertArrayEquals(bytes(1, 0, 0, 0, 2, 0, 0, 0, 3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 4),
                data(".byte 1\n.align 4\n.byte 2\n.p2align 3\n.byte 3\n.balign 8, 0xcc\n.byte 4"));
    }

    @Test
    void alignmentInTextIsNops() throws InputError {
        // GNU as 2.40: three bytes of padding are "nopl (%rax)", 0f 1f 00
        LinkedImage img = link("ret\n.p2align 2\nret");
        assertArrayEquals(bytes(0xc3, 0x0f, 0x1f, 0x00, 0xc3), img.sectionBytes(".text"));
        PlacedInstruction pad = img.at(0x1001).orElseThrow();
        assertEquals(new Instruction(Mnemonic.NOP, null, 4, List.of(new MemOp(null, 0, Reg.RAX, null, 1, false, 4)), false,
                pad.pos()), pad.insn());
        assertEquals(3, pad.length());
        assertEquals(0x1004L, img.instructions().get(2).address());
    }

    @Test
    void sectionsPushPopAndFlags() throws InputError {
        AsmUnit u = AsmParser.parse("s.s", "nop\n.pushsection .gate.text, \"ax\", @progbits\nhlt\n.popsection\nret\n"
                + ".section .rodata, \"a\"\n.byte 1\n.previous\nint3\n", IncludeResolver.none());
        assertEquals(List.of(".text", ".gate.text", ".rodata"), u.sectionNames());
        LinkedImage img = Assembler.link(List.of(u), Map.of(".text", 0L, ".gate.text", 0x100L, ".rodata", 0x200L), Map.of());
        assertArrayEquals(bytes(0x90, 0xc3, 0xcc), img.sectionBytes(".text"));
        assertArrayEquals(bytes(0xf4), img.sectionBytes(".gate.text"));
        assertArrayEquals(bytes(1), img.sectionBytes(".rodata"));
    }

    @Test
    void numericLocalLabels() throws InputError {
        LinkedImage img = link("1: jmp 1f\n1: jmp 1b\n2: jmp 2b\n");
        assertArrayEquals(bytes(0xeb, 0x00, 0xeb, 0xfe, 0xeb, 0xfe), img.sectionBytes(".text"));
    }

    @Test
    void dotIsTheCurrentLocation() throws InputError {
        LinkedImage img = link(".data\n.quad .\nhere: .quad . - here\n.set size, . - here\n.byte size");
        byte[] d = img.sectionBytes(".data");
        assertEquals(0x00, d[0]);
        assertEquals(0x20, d[1]);
        assertEquals(0, d[8]);
        assertEquals(8, d[16]);
    }

    @Test
    void symbolDifferenceIsAbsolute() throws InputError {
        byte[] d = link("a: nop\nnop\nb:\n.data\n.long b - a").sectionBytes(".data");
        assertArrayEquals(bytes(2, 0, 0, 0), d);
    }

    @Test
    void includeThroughResolver() throws InputError {
        IncludeResolver inc = IncludeResolver.of(Map.of("defs.h", ".set N, 3\n.macro two\n.byte 2\n.endm\n"));
        AsmUnit u = AsmParser.parse("m.s", ".data\n.include \"defs.h\"\n.byte N\ntwo\n", inc);
        LinkedImage img = Assembler.link(List.of(u), Map.of(".data", 0L), Map.of());
        assertArrayEquals(bytes(3, 2), img.sectionBytes(".data"));
    }

    @Test
    void ignoredDirectivesHaveNoEffect() throws InputError {
        LinkedImage img = link(".file \"x.c\"\n.code64\n.type f, @function\nf: .cfi_startproc\nret\n.cfi_endproc\n.size f, . - f\n.ident \"x\"");
        assertArrayEquals(bytes(0xc3), img.sectionBytes(".text"));
    }

    @Test
    void lockOnItsOwnStatement() throws InputError {
        assertArrayEquals(bytes(0xf0, 0x48, 0x0f, 0xb1, 0x0a), link("lock; cmpxchgq %rcx, (%rdx)").sectionBytes(".text"));
    }

    @Test
    void operandModelCarriesSizes() throws InputError {
        LinkedImage img = link("wrgsbase %eax\nmovzbl (%rax), %ecx\nmovq %rax, %cr3\nlgdt (%rdi)\nje 1f\n1: addl $-1, %eax");
        List<PlacedInstruction> is = img.instructions();
        assertEquals(4, is.get(0).insn().opSize());
        assertEquals(new RegOp(Reg.EAX), is.get(0).insn().operand(0));
        assertEquals(4, is.get(1).insn().opSize());
        assertEquals(new MemOp(null, 0, Reg.RAX, null, 1, false, 1), is.get(1).insn().operand(0));
        assertEquals(RegKind.CONTROL, ((RegOp) is.get(2).insn().operand(1)).reg().kind());
        assertEquals(10, ((MemOp) is.get(3).insn().operand(0)).width());
        assertEquals(Condition.E, is.get(4).insn().cond());
        assertEquals(new TargetOp(is.get(5).address()), is.get(4).insn().operand(0));
        assertEquals(new ImmOp(-1), is.get(5).insn().operand(0));
    }

    @Test
    void ripRelativeCarriesTheTarget() throws InputError {
        LinkedImage img = link("movq var(%rip), %rax\nmovq 0x10(%rip), %rbx\n.data\nvar: .quad 0");
        List<PlacedInstruction> is = img.instructions();
        assertEquals(new MemOp(null, 0x2000, null, null, 1, true, 8), is.get(0).insn().operand(0));
        assertEquals(0x2000 - is.get(0).end(), leInt(is.get(0).bytes(), 3));
        assertEquals(is.get(1).end() + 0x10, ((MemOp) is.get(1).insn().operand(0)).disp());
    }

    static int leInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    @Test
    void registersByName() {
        assertEquals(Reg.DR7, Reg.byName("db7").orElseThrow());
        assertEquals(Reg.DR7, Reg.byName("dr7").orElseThrow());
        assertEquals(3, Reg.BH.gpr());
        assertTrue(Reg.BH.high8());
        assertEquals(13, Reg.R13W.gpr());
        assertEquals(2, Reg.R13W.width());
        assertEquals(-1, Reg.CR3.gpr());
        assertFalse(Reg.byName("xmm0").isPresent());
        assertEquals(Condition.G, Condition.ofCode(0xF));
    }

    @Test
    void unitIsReusableAndUnchangedByLink() throws InputError {
        AsmUnit u = AsmParser.parse("g.s", "jmp target\n", IncludeResolver.none());
        LinkedImage a = Assembler.link(List.of(u), Map.of(".text", 0L), Map.of("target", 0x100L));
        LinkedImage b = Assembler.link(List.of(u), Map.of(".text", 0x1000L), Map.of("target", 0x100L));
        assertEquals(new TargetOp(0x100), a.instructions().get(0).insn().operand(0));
        assertEquals(new TargetOp(0x100), b.instructions().get(0).insn().operand(0));
        assertEquals(0x100 - 5, leInt(a.instructions().get(0).bytes(), 1));
        assertEquals(0x100 - 0x1005, leInt(b.instructions().get(0).bytes(), 1));
        assertThrows(InputError.class, () -> Assembler.link(List.of(u), Map.of(".text", 0L), Map.of()));
    }

    static InputError error(String text) {
        try {
            link(text);
        } catch (InputError e) {
            return e;
        }
        throw new AssertionError("accepted: " + text);
    }

    @Test
    void macroBlankTestsVarargsAndRequired() throws InputError {
        String src = ".macro opt a, b\n.ifb \\b\n.byte \\a\n.else\n.byte \\a, \\b\n.endif\n.endm\n"
                + ".macro all first, rest:vararg\n.byte \\first\n.byte \\rest\n.endm\n"
                + "opt 1\nopt 2, 3\nall 4, 5, 6\n";
        assertArrayEquals(bytes(1, 2, 3, 4, 5, 6), data(src));
        InputError e = error(".macro need x:req\n.byte \\x\n.endm\n  need\n");
        assertEquals("p.s:4:3", e.pos().toString());
    }

    @Test
    void nestedMacrosAndCountersInsideRept() throws InputError {
        String src = ".macro inner v\n.byte \\v\n.endm\n.macro outer v\ninner \\v\ninner \\v+1\n.endm\n"
                + ".rept 2\nouter 7\n.endr\n";
        assertArrayEquals(bytes(7, 8, 7, 8), data(src));
    }

    @Test
    void ifcComparesStrings() throws InputError {
        assertArrayEquals(bytes(1, 2), data(".ifc a,a\n.byte 1\n.endif\n.ifnc a,b\n.byte 2\n.endif\n.ifc a,b\n.byte 3\n.endif"));
    }

    @Test
    void equivRefusesRedefinitionAndErrorDirectiveStops() {
        assertEquals("p.s:2:8", error(".equiv A, 1\n.equiv A, 2\n").pos().toString());
        InputError e = error("nop\n  .error \"unsupported configuration\"\n");
        assertEquals("p.s:2:3", e.pos().toString());
        assertTrue(e.getMessage().endsWith("unsupported configuration"), e.getMessage());
    }

    @Test
    void escapesAndNegativeData() throws InputError {
        assertArrayEquals(bytes('\t', '"', 0x41, 7, 0xfe, 0xff), data(".ascii \"\\t\\\"\\x41\\7\"\n.word -2"));
    }

    @Test
    void duplicateLabelsAndUnbalancedBlocksAreErrors() {
        assertEquals("p.s:3:1", error("a: nop\nnop\na: nop\n").pos().toString());
        assertEquals("p.s:2:1", error("nop\n.endif\n").pos().toString());
        assertEquals("p.s:1:1", error(".endm\n").pos().toString());
        assertEquals("p.s:2:3", error("nop\n  .popsection\n").pos().toString());
        assertEquals("p.s:1:1", error("/* open\n nop\n").pos().toString());
        assertEquals("p.s:1:8", error(".ascii \"open\n").pos().toString());
        assertEquals("p.s:2:1", error(".macro m\nm\n.endm\nm\n").pos().toString());
    }

    @Test
    void localAndGlobalDeclarations() throws InputError {
        AsmUnit u = AsmParser.parse("d.s", ".globl a, b\n.local b\n.weak w\na: b: nop\n", IncludeResolver.none());
        assertEquals(java.util.Set.of("a", "w"), u.globalSymbols());
        assertEquals(java.util.Set.of("a", "b"), u.definedSymbols());
        assertEquals(1, u.instructionCount());
    }

    @Test
    void errorsInsideIncludedFilesNameThatFile() {
        IncludeResolver inc = IncludeResolver.of(Map.of("bad.h", "nop\n  movq %eax, %rbx\n", "self.h", ".include \"self.h\"\n"));
        InputError e = assertThrows(InputError.class, () -> AsmParser.parse("m.s", "nop\n.include \"bad.h\"\n", inc));
        assertEquals("bad.h:2:8", e.pos().toString());
        InputError loop = assertThrows(InputError.class, () -> AsmParser.parse("m.s", ".include \"self.h\"\n", inc));
        assertEquals("self.h", loop.pos().file());
        assertTrue(loop.getMessage().contains("nested"), loop.getMessage());
    }

    @Test
    void gateLikeProgram() throws InputError {
        // a kernel-to-domain gate in the style of LVD's trampoline: switch EPTP, check ECX, call
        // the dispatcher, switch back, abort through a CPUID hypercall
        String gate = String.join("\n",
                ".set ABORT_LEAF, 0x4bf00033",
                ".macro VMFUNC_TO idx",
                "  xorl %eax, %eax",
                "  movl $\\idx, %ecx",
                "  vmfunc",
                "  cmpl $\\idx, %ecx",
                "  jne abort",
                ".endm",
                ".section .gate.text, \"ax\"",
                ".p2align 12",
                ".globl gate_enter",
                "gate_enter:",
                "  VMFUNC_TO 1",
                "  movq %gs:cpu_stack, %rsp",
                "  call dispatch",
                "  VMFUNC_TO 0",
                "  ret",
                "abort:",
                "  movl $ABORT_LEAF, %eax",
                "  cpuid",
                "  ud2",
                "");
        AsmUnit u = AsmParser.parse("gate.s", gate, IncludeResolver.none());
        LinkedImage img = Assembler.link(List.of(u), Map.of(".gate.text", 0xffffffffa0000000L),
                Map.of("dispatch", 0xffffffff81001000L, "cpu_stack", 0x18000L));
        List<PlacedInstruction> is = img.instructions();
        assertEquals(List.of(Mnemonic.XOR, Mnemonic.MOV, Mnemonic.VMFUNC, Mnemonic.CMP, Mnemonic.JCC, Mnemonic.MOV,
                Mnemonic.CALL, Mnemonic.XOR, Mnemonic.MOV, Mnemonic.VMFUNC, Mnemonic.CMP, Mnemonic.JCC, Mnemonic.RET,
                Mnemonic.MOV, Mnemonic.CPUID, Mnemonic.UD2), is.stream().map(p -> p.insn().mnemonic()).toList());
        long abort = img.symbol("abort").getAsLong();
        assertEquals(new TargetOp(abort), is.get(4).insn().operand(0));
        assertEquals(2, is.get(4).length());
        assertEquals(new MemOp(Reg.GS, 0x18000, null, null, 1, false, 8), is.get(5).insn().operand(0));
        assertEquals(new TargetOp(0xffffffff81001000L), is.get(6).insn().operand(0));
        assertEquals(new ImmOp(0x4bf00033), is.get(13).insn().operand(0));
        assertEquals("gate.s:5:3", is.get(2).pos().toString()); // inside the macro body
        assertEquals(0xffffffffa0000000L, img.symbol("gate_enter").getAsLong());
        // the VMFUNC of the return path sits right after the call's return address
        assertEquals(is.get(7).address(), is.get(6).end());
    }
}
