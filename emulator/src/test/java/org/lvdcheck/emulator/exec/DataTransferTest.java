package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.STACK;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Segment;

class DataTransferTest {
    private final FakeContext ctx = new FakeContext();

    private static ArchRegs withRax(long v) {
        return kernel().withGpr(ArchRegs.RAX, v);
    }

    @Test
    void ripAdvancesByTheInstructionLength() {
        ArchRegs r = step(kernel(), "nop", ctx);
        assertEquals(Machine.CODE + 1, r.rip());
        r = step(kernel(), "movabs $0x1122334455667788, %rax", ctx);
        assertEquals(Machine.CODE + 10, r.rip());
        assertEquals(0x1122334455667788L, r.gpr(ArchRegs.RAX));
    }

    @Test
    void thirtyTwoBitWritesZeroExtend() {
        ArchRegs r = step(withRax(-1L), "movl $0x80000000, %eax", ctx);
        assertEquals(0x8000_0000L, r.gpr(ArchRegs.RAX));
        r = step(withRax(-1L), "addl $0, %eax", ctx);
        assertEquals(0xFFFF_FFFFL, r.gpr(ArchRegs.RAX), "even an add of 0 clears bits 63:32");
        r = step(kernel().withGpr(ArchRegs.RCX, 0x1234_5678_9ABC_DEF0L), "movl %ecx, %r9d", ctx);
        assertEquals(0x9ABC_DEF0L, r.gpr(ArchRegs.R9));
    }

    @Test
    void eightAndSixteenBitWritesMerge() {
        ArchRegs r = step(withRax(0x1111_2222_3333_4444L), "movb $0x99, %ah", ctx);
        assertEquals(0x1111_2222_3333_9944L, r.gpr(ArchRegs.RAX));
        r = step(withRax(0x1111_2222_3333_4444L), "movb $0x99, %al", ctx);
        assertEquals(0x1111_2222_3333_4499L, r.gpr(ArchRegs.RAX));
        r = step(withRax(0x1111_2222_3333_4444L), "movw $-1, %ax", ctx);
        assertEquals(0x1111_2222_3333_FFFFL, r.gpr(ArchRegs.RAX));
        r = step(kernel().withGpr(ArchRegs.RSI, 0xAABBL), "movb $0x01, %sil", ctx);
        assertEquals(0xAA01L, r.gpr(ArchRegs.RSI));
        r = step(withRax(0xABCDL), "movb %ah, %bl", ctx);
        assertEquals(0xABL, r.gpr(ArchRegs.RBX));
    }

    @Test
    void movImmediateToMemoryIsSignExtendedToTheOperandSize() {
        ArchRegs r = kernel().withGpr(ArchRegs.RBX, DATA);
        step(r, "movq $-2, 8(%rbx)", ctx);
        assertEquals(-2L, ctx.peek(DATA + 8, 8));
        step(r, "movl $-2, 16(%rbx)", ctx);
        assertEquals(0xFFFF_FFFEL, ctx.peek(DATA + 16, 8));
        step(r, "movb $0x7f, 17(%rbx)", ctx);
        assertEquals(0xFFFF_7FFEL, ctx.peek(DATA + 16, 8));
    }

    @Test
    void loadsWithBaseIndexScaleAndDisplacement() {
        ctx.poke(DATA + 0x40 + 3 * 8, 8, 0xCAFE_F00D_DEAD_BEEFL);
        ArchRegs r = kernel().withGpr(ArchRegs.RBX, DATA).withGpr(ArchRegs.RCX, 3);
        r = step(r, "movq 0x40(%rbx,%rcx,8), %rdx", ctx);
        assertEquals(0xCAFE_F00D_DEAD_BEEFL, r.gpr(ArchRegs.RDX));
        r = step(r, "movl 0x40(%rbx,%rcx,8), %edx", ctx);
        assertEquals(0xDEAD_BEEFL, r.gpr(ArchRegs.RDX));
    }

    @Test
    void gsOverrideGoesThroughTheGsBase() {
        ctx.poke(DATA + 0x18, 8, 42);
        ArchRegs r = kernel().withGsBase(DATA);
        r = step(r, "movq %gs:0x18, %rax", ctx);
        assertEquals(42, r.gpr(ArchRegs.RAX));
        FakeContext.Access a = ctx.accesses.get(ctx.accesses.size() - 1);
        assertEquals(ArchRegs.GS, a.segment());
        assertEquals(DATA + 0x18, a.linear());
    }

    @Test
    void movzxAndMovsx() {
        ctx.poke(DATA, 4, 0x8000_80F0L);
        ArchRegs r = kernel().withGpr(ArchRegs.RBX, DATA).withGpr(ArchRegs.RAX, -1L);
        assertEquals(0xF0L, step(r, "movzbl (%rbx), %eax", ctx).gpr(ArchRegs.RAX));
        assertEquals(0x80F0L, step(r, "movzwq (%rbx), %rax", ctx).gpr(ArchRegs.RAX));
        assertEquals(0xFFFF_FFFF_FFFF_FFF0L, step(r, "movsbq (%rbx), %rax", ctx).gpr(ArchRegs.RAX));
        assertEquals(0xFFFF_80F0L, step(r, "movswl (%rbx), %eax", ctx).gpr(ArchRegs.RAX));
        assertEquals(0xFFFF_FFFF_8000_80F0L, step(r, "movslq (%rbx), %rax", ctx).gpr(ArchRegs.RAX));
        ArchRegs c = kernel().withGpr(ArchRegs.RCX, 0x1_7FFF_FFFFL);
        assertEquals(0x7FFF_FFFFL, step(c, "movslq %ecx, %rdx", ctx).gpr(ArchRegs.RDX));
        assertEquals(0xFFFF_FFFF_FFFF_FFFFL, step(c, "movsbq %cl, %rdx", ctx).gpr(ArchRegs.RDX));
    }

    @Test
    void leaComputesWithoutTouchingMemory() {
        ArchRegs r = kernel().withGpr(ArchRegs.RBX, 0xFFFF_FFFF_0000_0010L).withGpr(ArchRegs.RCX, 4);
        int before = ctx.accesses.size();
        ArchRegs out = step(r, "leaq -8(%rbx,%rcx,4), %rax", ctx);
        assertEquals(0xFFFF_FFFF_0000_0018L, out.gpr(ArchRegs.RAX));
        out = step(r, "leal -8(%rbx,%rcx,4), %eax", ctx);
        assertEquals(0x18L, out.gpr(ArchRegs.RAX));
        assertEquals(before, ctx.accesses.size(), "lea makes no access");
        ArchRegs far = kernel().withGpr(ArchRegs.RBX, 0x8000_0000_0000_0000L);
        assertEquals(0x8000_0000_0000_0000L, step(far, "leaq (%rbx), %rax", ctx).gpr(ArchRegs.RAX),
                "a non-canonical address is fine for lea");
    }

    @Test
    void xchgWithMemorySwapsBoth() {
        ctx.poke(DATA, 8, 5);
        ArchRegs r = step(kernel().withGpr(ArchRegs.RBX, DATA).withGpr(ArchRegs.RAX, 7), "xchgq %rax, (%rbx)", ctx);
        assertEquals(5, r.gpr(ArchRegs.RAX));
        assertEquals(7, ctx.peek(DATA, 8));
    }

    @Test
    void pushAndPopMoveRspAndMemory() {
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 0x1234);
        r = step(r, "pushq %rax", ctx);
        assertEquals(STACK - 8, r.rsp());
        assertEquals(0x1234, ctx.peek(STACK - 8, 8));
        r = step(r, "pushq $-1", ctx);
        assertEquals(STACK - 16, r.rsp());
        assertEquals(-1L, ctx.peek(STACK - 16, 8), "imm8 sign-extended to 64 bits");
        r = step(r, "pushw $0x55", ctx);
        assertEquals(STACK - 18, r.rsp());
        assertEquals(0x55, ctx.peek(STACK - 18, 2));
        r = step(r, "popw %bx", ctx);
        assertEquals(STACK - 16, r.rsp());
        assertEquals(0x55, r.gpr(ArchRegs.RBX));
        r = step(r, "popq %rcx", ctx);
        assertEquals(-1L, r.gpr(ArchRegs.RCX));
        r = step(r, "popq %rdx", ctx);
        assertEquals(0x1234, r.gpr(ArchRegs.RDX));
        assertEquals(STACK, r.rsp());
    }

    @Test
    void pushOfMemoryAndOfRsp() {
        ctx.poke(DATA, 8, 99);
        ArchRegs r = step(kernel().withGpr(ArchRegs.RBX, DATA), "pushq (%rbx)", ctx);
        assertEquals(99, ctx.peek(STACK - 8, 8));
        r = step(kernel(), "pushq %rsp", ctx);
        assertEquals(STACK, ctx.peek(STACK - 8, 8), "push rsp stores the value before the push");
        assertEquals(STACK - 8, r.rsp());
    }

    @Test
    void popRspLoadsThePoppedValue() {
        ctx.poke(STACK, 8, 0xFFFF_C900_0000_1000L);
        ArchRegs r = step(kernel(), "popq %rsp", ctx);
        assertEquals(0xFFFF_C900_0000_1000L, r.rsp());
    }

    @Test
    void popToRspBasedMemoryUsesTheIncrementedRsp() {
        ctx.poke(STACK, 8, 77);
        ArchRegs r = step(kernel(), "popq 8(%rsp)", ctx);
        assertEquals(STACK + 8, r.rsp());
        assertEquals(77, ctx.peek(STACK + 16, 8));
    }

    @Test
    void pushGsWritesTheSelectorAndLowersRspByEight() {
        ctx.poke(STACK - 8, 8, -1L);
        ArchRegs r = kernel().withGs(new Segment(0x2B, 0, 0xFFFFF, 0x93));
        r = step(r, "pushq %gs", ctx);
        assertEquals(STACK - 8, r.rsp());
        assertEquals(0xFFFF_FFFF_FFFF_002BL, ctx.peek(STACK - 8, 8));
    }

    @Test
    void popFsLoadsTheDescriptorAndANullSelectorClearsTheBase() {
        ctx.poke(Machine.GDT + 0x18, 8, 0x00CF_9300_0000_FFFFL);
        ctx.poke(STACK, 8, Machine.KERNEL_SS);
        ArchRegs r = step(kernel().withFsBase(0x1234), "popq %fs", ctx);
        assertEquals(STACK + 8, r.rsp());
        assertEquals(Machine.KERNEL_SS, r.fs().selector());
        assertEquals(0, r.fsBase(), "the descriptor's base");
        ctx.poke(STACK, 8, 0);
        r = step(kernel().withFsBase(0x1234), "popq %fs", ctx);
        assertTrue(r.fs().unusable());
        assertEquals(0, r.fsBase());
        ctx.poke(STACK, 8, 0x2B);
        ctx.poke(Machine.GDT + 0x28, 8, 0x00CF_F300_0000_FFFFL & ~(1L << 47));
        ExecOutcome.Fault f = Machine.assertFault(run(kernel(), "popq %fs", ctx), 11);
        assertEquals(0x28, f.errorCode().orElseThrow());
    }

    @Test
    void aFaultingAccessChangesNothing() {
        ctx.faultOnPage(STACK - 8, new MemResult.Fault(14, 2, STACK - 8));
        ExecOutcome o = run(kernel().withGpr(ArchRegs.RAX, 1), "pushq %rax", ctx);
        ExecOutcome.Fault f = Machine.assertFault(o, 14);
        assertEquals(2, f.errorCode().orElseThrow());
        assertEquals(STACK - 8, f.cr2());
    }

    @Test
    void aNonCanonicalStackAccessIsAStackFault() {
        ArchRegs r = kernel().withGpr(ArchRegs.RSP, 0x0000_8000_0000_0010L);
        ExecOutcome.Fault f = Machine.assertFault(run(r, "pushq %rax", ctx), 12);
        assertEquals(0, f.errorCode().orElseThrow());
        ArchRegs b = kernel().withGpr(ArchRegs.RBP, 0x0000_8000_0000_0000L);
        Machine.assertFault(run(b, "movq 8(%rbp), %rax", ctx), 12);
        ArchRegs d = kernel().withGpr(ArchRegs.RBX, 0x0000_8000_0000_0000L);
        Machine.assertGp0(run(d, "movq 8(%rbx), %rax", ctx));
    }

    @Test
    void anEptViolationOnADataAccessIsAVmExitWithItsAddresses() {
        ctx.faultOnPage(DATA, new MemResult.EptExit(org.lvdcheck.emulator.vmx.ExitReason.EPT_VIOLATION, 0x182,
                DATA + 8, 0x5008));
        ExecOutcome o = run(kernel().withGpr(ArchRegs.RBX, DATA), "movq %rax, 8(%rbx)", ctx);
        ExecOutcome.VmExit e = Machine.assertExit(o, org.lvdcheck.emulator.vmx.ExitReason.EPT_VIOLATION);
        assertEquals(0x182, e.qualification());
        assertEquals(DATA + 8, e.guestLinear());
        assertEquals(0x5008, e.guestPhysical());
    }

    @Test
    void writesAreReportedNotApplied() {
        ArchRegs r = kernel().withGpr(ArchRegs.RBX, DATA).withGpr(ArchRegs.RAX, 3);
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, run(r, "movq %rax, (%rbx)", ctx));
        assertEquals(0, ctx.peek(DATA, 8), "the executor applies nothing");
        assertEquals(1, n.writes().size());
        assertEquals(DATA, n.writes().get(0).hpa());
        assertEquals(3, n.writes().get(0).value());
        assertTrue(n.writes().get(0).size() == 8);
    }
}
