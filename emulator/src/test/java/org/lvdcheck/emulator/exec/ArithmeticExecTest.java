package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.cpu.Rflags.CF;
import static org.lvdcheck.emulator.cpu.Rflags.OF;
import static org.lvdcheck.emulator.cpu.Rflags.SF;
import static org.lvdcheck.emulator.cpu.Rflags.ZF;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;

/** ALU instructions through the executor: operands, destinations, and the flags they leave. */
class ArithmeticExecTest {
    private final FakeContext ctx = new FakeContext();

    private static ArchRegs regs(long rax, long rbx) {
        return kernel().withGpr(ArchRegs.RAX, rax).withGpr(ArchRegs.RBX, rbx);
    }

    @Test
    void attOperandOrderIsSourceThenDestination() {
        ArchRegs r = step(regs(10, 3), "subq %rbx, %rax", ctx);
        assertEquals(7, r.gpr(ArchRegs.RAX));
        r = step(regs(3, 10), "cmpq %rbx, %rax", ctx);
        assertTrue((r.rflags() & CF) != 0, "cmp computes rax - rbx: 3 - 10 borrows");
        assertEquals(3, r.gpr(ArchRegs.RAX), "cmp writes no operand");
    }

    @Test
    void memoryDestinationIsReadModifiedAndWritten() {
        ctx.poke(DATA, 8, 0x7FFF_FFFF_FFFF_FFFFL);
        ArchRegs r = step(regs(0, DATA), "addq $1, (%rbx)", ctx);
        assertEquals(Long.MIN_VALUE, ctx.peek(DATA, 8));
        assertEquals(OF | SF, r.rflags() & (OF | SF | ZF | CF));
        r = step(regs(0, DATA), "incl 4(%rbx)", ctx);
        assertEquals(0x8000_0001L, ctx.peek(DATA + 4, 4));
        ctx.poke(DATA, 1, 0xFF);
        r = step(regs(0, DATA), "negb (%rbx)", ctx);
        assertEquals(0x01L, ctx.peek(DATA, 1));
        assertTrue((r.rflags() & CF) != 0);
    }

    @Test
    void cmpAndTestWithMemoryOnlyRead() {
        ctx.poke(DATA, 8, 5);
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, run(regs(5, DATA), "cmpq %rax, (%rbx)", ctx));
        assertTrue(n.writes().isEmpty());
        assertTrue((n.regs().rflags() & ZF) != 0);
        n = assertInstanceOf(ExecOutcome.Next.class, run(regs(2, DATA), "testq %rax, (%rbx)", ctx));
        assertTrue(n.writes().isEmpty());
        assertTrue((n.regs().rflags() & ZF) != 0, "5 & 2 = 0");
    }

    @Test
    void xorOfARegisterWithItselfClearsIt() {
        ArchRegs r = step(regs(-1L, 0).withRflags(0x2 | CF | OF), "xorl %eax, %eax", ctx);
        assertEquals(0, r.gpr(ArchRegs.RAX));
        assertEquals(ZF | 0x4, r.rflags() & Alu.STATUS, "ZF and PF only");
    }

    @Test
    void adcChainsACarry() {
        ArchRegs r = step(regs(-1L, 1), "addq %rbx, %rax", ctx);
        assertEquals(0, r.gpr(ArchRegs.RAX));
        r = r.withGpr(ArchRegs.RDX, 5);
        r = step(r.withRip(Machine.CODE), "adcq $0, %rdx", ctx);
        assertEquals(6, r.gpr(ArchRegs.RDX));
    }

    @Test
    void shiftByClMasksTheCount() {
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 1).withGpr(ArchRegs.RCX, 65);
        r = step(r, "shlq %cl, %rax", ctx);
        assertEquals(2, r.gpr(ArchRegs.RAX), "65 & 63 = 1");
        r = step(kernel().withGpr(ArchRegs.RAX, 0x80), "sarb $7, %al", ctx);
        assertEquals(0xFF, r.gpr(ArchRegs.RAX));
        r = step(kernel().withGpr(ArchRegs.RAX, 0x8000_0000L), "shrl %eax", ctx);
        assertEquals(0x4000_0000L, r.gpr(ArchRegs.RAX));
        assertTrue((r.rflags() & OF) != 0, "one-bit shr: OF = old MSB");
    }

    @Test
    void bitTestsWithImmediateAndRegisterOffsets() {
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, 0x10), "btq $4, %rax", ctx);
        assertTrue((r.rflags() & CF) != 0);
        r = step(kernel().withGpr(ArchRegs.RAX, 0x10), "btl $36, %eax", ctx);
        assertTrue((r.rflags() & CF) != 0, "36 mod 32 = 4");
        r = step(kernel().withGpr(ArchRegs.RAX, 0).withGpr(ArchRegs.RCX, 70), "btsq %rcx, %rax", ctx);
        assertEquals(1L << 6, r.gpr(ArchRegs.RAX), "register offset into a register: mod 64");
        assertEquals(0, r.rflags() & CF);
        r = step(kernel().withGpr(ArchRegs.RAX, 0xFF), "btrq $0, %rax", ctx);
        assertEquals(0xFE, r.gpr(ArchRegs.RAX));
        assertTrue((r.rflags() & CF) != 0);
    }

    @Test
    void bitStringOffsetReachesOutsideTheMemoryOperand() {
        ctx.poke(DATA + 8, 8, 0);
        ctx.poke(DATA - 8, 8, 1L << 63);
        ArchRegs r = kernel().withGpr(ArchRegs.RBX, DATA).withGpr(ArchRegs.RCX, 64 + 3);
        step(r, "btsq %rcx, (%rbx)", ctx);
        assertEquals(8, ctx.peek(DATA + 8, 8), "bit 67 is bit 3 of the next quadword");
        r = step(r.withGpr(ArchRegs.RCX, -1L), "btq %rcx, (%rbx)", ctx);
        assertTrue((r.rflags() & CF) != 0, "bit -1 is bit 63 of the previous quadword");
    }

    @Test
    void cmpxchgSucceedsAndFails() {
        ctx.poke(DATA, 8, 5);
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 5).withGpr(ArchRegs.RCX, 9).withGpr(ArchRegs.RBX, DATA);
        r = step(r, "lock cmpxchgq %rcx, (%rbx)", ctx);
        assertEquals(9, ctx.peek(DATA, 8));
        assertTrue((r.rflags() & ZF) != 0);
        r = step(r.withRip(Machine.CODE), "lock cmpxchgq %rcx, (%rbx)", ctx);
        assertEquals(0, r.rflags() & ZF, "now rax = 5 differs from 9");
        assertEquals(9, r.gpr(ArchRegs.RAX), "the accumulator gets the memory value");
        assertEquals(9, ctx.peek(DATA, 8));
    }

    @Test
    void failingCmpxchgStillWritesItsDestination() {
        ctx.poke(DATA, 8, 1).readOnlyPage(DATA);
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 2).withGpr(ArchRegs.RBX, DATA);
        Machine.assertFault(run(r, "lock cmpxchgq %rcx, (%rbx)", ctx), 14);
    }

    @Test
    void cmpxchgOnThirtyTwoBitsComparesEax() {
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 0xFFFF_FFFF_0000_0007L).withGpr(ArchRegs.RDX, 7)
                .withGpr(ArchRegs.RCX, 8);
        r = step(r, "cmpxchgl %ecx, %edx", ctx);
        assertEquals(8, r.gpr(ArchRegs.RDX));
        assertEquals(0xFFFF_FFFF_0000_0007L, r.gpr(ArchRegs.RAX), "success does not write the accumulator");
    }
}
