package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.exec.Machine.CODE;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.STACK;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * Taint through the executor (DESIGN.md §3): each destination is ⊤ exactly when a source that
 * determines its value is, and a use of ⊤ as an address, stack pointer, branch target or
 * privileged operand ends the instruction unless confined code makes it under a domain's EPT.
 */
class TaintPropagationTest {
    private final FakeContext ctx = new FakeContext();

    private static ArchRegs top(ArchRegs r, int... gprs) {
        long mask = 0;
        for (int g : gprs) {
            mask |= ArchRegs.tGpr(g);
        }
        return r.withTaint(mask, true);
    }

    private static ExecOutcome.TaintedUse assertUse(ExecOutcome o, String what) {
        ExecOutcome.TaintedUse u = assertInstanceOf(ExecOutcome.TaintedUse.class, o);
        assertTrue(u.what().contains(what), u.what());
        return u;
    }

    @Test
    void movCopiesTaintAndAnImmediateOrCleanSourceClearsIt() {
        ArchRegs r = step(top(kernel(), ArchRegs.RAX), "movq %rax, %rbx", ctx);
        assertTrue(r.gprTainted(ArchRegs.RBX));
        assertTrue(r.gprTainted(ArchRegs.RAX));
        assertFalse(step(r, "movq $5, %rbx", ctx).gprTainted(ArchRegs.RBX));
        assertFalse(step(r, "movl %ecx, %ebx", ctx).gprTainted(ArchRegs.RBX));
        assertTrue(step(r, "movb %al, %bl", ctx).gprTainted(ArchRegs.RBX), "an 8-bit ⊤ write makes the register ⊤");
        assertTrue(step(r, "movzbl %al, %ebx", ctx).gprTainted(ArchRegs.RBX));
    }

    @Test
    void loadsAndStoresCarryTaintThroughMemory() {
        ctx.poke(DATA, 8, 0x1234).taint(DATA, 8);
        ArchRegs r = step(kernel().withGpr(ArchRegs.RSI, DATA), "movq (%rsi), %rdx", ctx);
        assertTrue(r.gprTainted(ArchRegs.RDX));
        assertEquals(0, r.gpr(ArchRegs.RDX), "⊤ is the canonical 0");
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class,
                run(top(kernel(), ArchRegs.RAX).withGpr(ArchRegs.RDI, DATA + 64), "movq %rax, 8(%rdi)", ctx));
        assertEquals(List.of(new MemWrite(DATA + 72, 8, 0, true)), n.writes());
        ExecOutcome.Next clean = assertInstanceOf(ExecOutcome.Next.class,
                run(kernel().withGpr(ArchRegs.RDI, DATA + 64).withGpr(ArchRegs.RAX, 7), "movq %rax, 8(%rdi)", ctx));
        assertFalse(clean.writes().get(0).tainted());
    }

    @Test
    void leaWithATaintedIndexIsTaintedButTouchesNoMemory() {
        ArchRegs in = top(kernel().withGpr(ArchRegs.RBX, DATA), ArchRegs.RCX);
        ArchRegs r = step(in, "leaq 16(%rbx,%rcx,8), %rax", ctx);
        assertTrue(r.gprTainted(ArchRegs.RAX));
        assertTrue(ctx.accesses.isEmpty(), "LEA makes no access, so no use of ⊤ either");
        assertFalse(step(kernel().withGpr(ArchRegs.RBX, DATA), "leaq 16(%rbx), %rax", ctx).gprTainted(ArchRegs.RAX));
    }

    @Test
    void aTaintedAddressIsAUseOutsideConfinedCodeAndTheDomainsOwnAccessInside() {
        ArchRegs in = top(kernel(), ArchRegs.RCX).withGpr(ArchRegs.RBX, DATA);
        assertUse(run(in, "movq (%rbx,%rcx,8), %rax", ctx), "memory address");
        assertUse(run(in, "movq %rbx, (%rcx)", ctx), "memory address");
        assertTrue(ctx.accesses.isEmpty(), "nothing was accessed");
        ctx.confined = true;
        ArchRegs r = step(in, "movq (%rbx,%rcx,8), %rax", ctx);
        assertTrue(r.gprTainted(ArchRegs.RAX), "confined: a read through ⊤ yields ⊤");
        ExecOutcome.Next w = assertInstanceOf(ExecOutcome.Next.class, run(in, "movq %rbx, (%rcx)", ctx));
        assertTrue(w.topWrite(), "the write through ⊤ is reported");
        assertTrue(w.writes().isEmpty(), "and dropped");
        assertTrue(ctx.accesses.isEmpty());
    }

    @Test
    void aTaintedSegmentBaseIsAUse() {
        ArchRegs in = kernel().withGsBase(DATA).withTaint(ArchRegs.T_GS_BASE, true);
        assertUse(run(in, "movq %gs:8, %rax", ctx), "GS base");
        assertFalse(step(kernel().withGsBase(DATA), "movq %gs:8, %rax", ctx).gprTainted(ArchRegs.RAX));
    }

    @Test
    void pushAndPopTaintTheValueOnlyAndUseTheStackPointer() {
        ArchRegs in = top(kernel(), ArchRegs.RDI);
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, run(in, "pushq %rdi", ctx));
        assertEquals(List.of(new MemWrite(STACK - 8, 8, 0, true)), n.writes());
        assertFalse(n.regs().gprTainted(ArchRegs.RSP), "RSP depends only on RSP");
        ctx.apply(n.writes());
        ArchRegs popped = step(n.regs(), "popq %rbx", ctx);
        assertTrue(popped.gprTainted(ArchRegs.RBX));
        assertEquals(STACK, popped.rsp());
        assertFalse(popped.gprTainted(ArchRegs.RSP));
        ArchRegs topStack = top(kernel(), ArchRegs.RSP);
        assertUse(run(topStack, "pushq %rax", ctx), "stack pointer");
        assertUse(run(topStack, "popq %rax", ctx), "stack pointer");
        ArchRegs popRsp = step(n.regs(), "popq %rsp", ctx);
        assertTrue(popRsp.gprTainted(ArchRegs.RSP), "POP RSP loads the popped ⊤");
    }

    @Test
    void xorAndSubOfARegisterWithItselfAreCleanZero() {
        ArchRegs in = top(kernel(), ArchRegs.RAX, ArchRegs.RCX).withTaint(ArchRegs.T_FLAGS, true);
        ArchRegs x = step(in, "xorq %rax, %rax", ctx);
        assertFalse(x.gprTainted(ArchRegs.RAX));
        assertEquals(0, x.gpr(ArchRegs.RAX));
        assertFalse(x.tainted(ArchRegs.T_FLAGS), "the flags of the zeroing are clean");
        assertTrue((x.rflags() & Rflags.ZF) != 0);
        ArchRegs s = step(in, "subl %ecx, %ecx", ctx);
        assertFalse(s.gprTainted(ArchRegs.RCX));
        assertTrue(step(in, "xorq %rcx, %rax", ctx).gprTainted(ArchRegs.RAX), "different registers: ⊤");
    }

    @Test
    void aluResultsAndFlagsAreTheUnionOfTheirOperands() {
        ArchRegs in = top(kernel().withGpr(ArchRegs.RBX, 3), ArchRegs.RAX);
        ArchRegs add = step(in, "addq %rax, %rbx", ctx);
        assertTrue(add.gprTainted(ArchRegs.RBX));
        assertTrue(add.tainted(ArchRegs.T_FLAGS));
        ArchRegs cmp = step(in, "cmpl $1, %eax", ctx);
        assertTrue(cmp.tainted(ArchRegs.T_FLAGS));
        assertTrue(cmp.gprTainted(ArchRegs.RAX), "CMP writes no destination");
        ArchRegs clean = step(cmp, "cmpq $1, %rbx", ctx);
        assertFalse(clean.tainted(ArchRegs.T_FLAGS), "a clean comparison makes the flags clean again");
        ArchRegs adc = step(cmp, "adcq $0, %rbx", ctx);
        assertTrue(adc.gprTainted(ArchRegs.RBX), "ADC reads CF, which is ⊤");
        ArchRegs inc = step(cmp, "incq %rbx", ctx);
        assertFalse(inc.gprTainted(ArchRegs.RBX));
        assertTrue(inc.tainted(ArchRegs.T_FLAGS), "INC keeps the ⊤ CF");
        assertFalse(step(kernel().withGpr(ArchRegs.RBX, 3), "incq %rbx", ctx).tainted(ArchRegs.T_FLAGS));
        ArchRegs x = step(in, "xchgq %rax, %rbx", ctx);
        assertTrue(x.gprTainted(ArchRegs.RBX));
        assertFalse(x.gprTainted(ArchRegs.RAX));
        assertEquals(3, x.gpr(ArchRegs.RAX), "the clean value moved");
        ArchRegs sh = step(top(kernel().withGpr(ArchRegs.RBX, 8), ArchRegs.RCX), "shlq %cl, %rbx", ctx);
        assertTrue(sh.gprTainted(ArchRegs.RBX), "a ⊤ shift count");
    }

    @Test
    void aConditionalJumpOnTaintedFlagsHasTwoOutcomesAndTheFlagsStayTainted() {
        Map<String, Long> labels = Map.of("target", CODE + 0x400);
        ArchRegs cmp = step(top(kernel(), ArchRegs.RCX), "cmpl $1, %ecx", ctx);
        var jne = Machine.assemble("jne target", CODE, labels);
        ArchRegs at = cmp.withRip(CODE);
        assertTrue(Executor.branchesOnTop(at, jne));
        assertThrows(IllegalStateException.class, () -> Executor.execute(at, jne, ctx));
        ExecOutcome.Next taken = assertInstanceOf(ExecOutcome.Next.class, Executor.executeBranch(at, jne, ctx, true));
        ExecOutcome.Next not = assertInstanceOf(ExecOutcome.Next.class, Executor.executeBranch(at, jne, ctx, false));
        assertEquals(CODE + 0x400, taken.regs().rip());
        assertEquals(jne.end(), not.regs().rip());
        assertTrue(taken.regs().tainted(ArchRegs.T_FLAGS));
        assertTrue(not.regs().tainted(ArchRegs.T_FLAGS));
        assertFalse(Executor.branchesOnTop(kernel(), jne));
        assertThrows(IllegalArgumentException.class, () -> Executor.executeBranch(kernel(), jne, ctx, true));
    }

    @Test
    void callAndRetThroughATaintedStack() {
        Map<String, Long> labels = Map.of("target", CODE + 0x400);
        ArchRegs topStack = top(kernel(), ArchRegs.RSP);
        assertUse(run(topStack, "call target", ctx, labels), "stack pointer");
        assertUse(run(topStack, "ret", ctx), "stack pointer");
        ctx.poke(STACK, 8, CODE + 0x80).taint(STACK, 8);
        assertUse(run(kernel(), "ret", ctx), "branch target");
        assertUse(run(top(kernel(), ArchRegs.RAX), "call *%rax", ctx), "branch target");
        ctx.confined = true;
        ExecOutcome.Next c = assertInstanceOf(ExecOutcome.Next.class, run(topStack, "call target", ctx, labels));
        assertTrue(c.topWrite(), "the return address went where the domain's RSP points");
        assertEquals(CODE + 0x400, c.regs().rip());
        ArchRegs r = step(kernel(), "ret", ctx);
        assertTrue(r.tainted(ArchRegs.T_RIP), "confined: the domain's own return, RIP ⊤");
        assertEquals(STACK + 8, r.rsp());
        assertFalse(r.gprTainted(ArchRegs.RSP));
    }

    @Test
    void iretqOfATaintedFrameIsAUseOutsideConfinedCode() {
        ControlTransferTest.withGdt(ctx);
        ctx.poke(STACK, 8, CODE + 0x100).poke(STACK + 8, 8, Machine.KERNEL_CS).poke(STACK + 16, 8, Rflags.FIXED1)
                .poke(STACK + 24, 8, STACK + 0x200).poke(STACK + 32, 8, 0).taint(STACK, 8);
        assertUse(run(kernel().withBlockingByNmi(true), "iretq", ctx), "iretq frame RIP");
        ctx.confined = true;
        ArchRegs r = step(kernel().withBlockingByNmi(true), "iretq", ctx);
        assertTrue(r.tainted(ArchRegs.T_RIP));
        assertFalse(r.blockingByNmi(), "IRET unblocks NMIs whatever the frame");
    }

    @Test
    void aSavedFlagsImageMarksTopStatusFlagsAndAnImageTheAttackerChoseCannotBePopped() {
        ArchRegs in = kernel().withRflags(Rflags.FIXED1 | Rflags.IF | Rflags.DF).withTaint(ArchRegs.T_FLAGS, true);
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, run(in, "pushfq", ctx));
        MemWrite w = n.writes().get(0);
        assertFalse(w.tainted(), "the control flags are concrete: the image stays clean");
        assertEquals(Rflags.FIXED1 | Rflags.IF | Rflags.DF | Rflags.STATUS_TOP, w.value());
        ctx.apply(n.writes());
        ArchRegs popped = step(n.regs().withRflags(Rflags.FIXED1), "popfq", ctx);
        assertTrue(popped.tainted(ArchRegs.T_FLAGS), "the status flags come back ⊤");
        assertEquals(Rflags.FIXED1 | Rflags.IF | Rflags.DF, popped.rflags());
        ctx.taint(STACK - 8, 8);
        assertUse(run(n.regs(), "popfq", ctx), "popf");
    }

    @Test
    void iretqRestoresTopStatusFlagsFromAMarkedImage() {
        ControlTransferTest.withGdt(ctx);
        ctx.poke(STACK, 8, CODE + 0x100).poke(STACK + 8, 8, Machine.KERNEL_CS)
                .poke(STACK + 16, 8, Rflags.FIXED1 | Rflags.IF | Rflags.STATUS_TOP)
                .poke(STACK + 24, 8, STACK + 0x200).poke(STACK + 32, 8, 0);
        ArchRegs r = step(kernel().withRflags(Rflags.FIXED1), "iretq", ctx);
        assertTrue(r.tainted(ArchRegs.T_FLAGS));
        assertEquals(Rflags.FIXED1 | Rflags.IF, r.rflags(), "IF from the image; the mark is no flag");
        assertEquals(CODE + 0x100, r.rip());
    }

    @Test
    void privilegedOperandsThatDecideTheOutcomeAreUses() {
        assertUse(run(top(kernel(), ArchRegs.RCX), "wrmsr", ctx), "WRMSR index");
        assertUse(run(top(kernel(), ArchRegs.RCX), "rdmsr", ctx), "RDMSR index");
        assertUse(run(top(kernel(), ArchRegs.RAX), "cpuid", ctx), "CPUID leaf");
        assertUse(run(top(kernel(), ArchRegs.RCX), "vmfunc", ctx), "VMFUNC");
        ctx.vmcs = Vmcs.zero().withCr3LoadExiting(true);
        Machine.assertExit(run(top(kernel(), ArchRegs.RAX), "movq %rax, %cr3", ctx), ExitReason.CONTROL_REGISTER_ACCESS);
        ctx.vmcs = Vmcs.zero();
        assertUse(run(top(kernel(), ArchRegs.RAX), "movq %rax, %cr3", ctx), "CR3");
        ArchRegs dr = step(top(kernel(), ArchRegs.RAX), "movq %rax, %db7", ctx);
        assertTrue(dr.tainted(ArchRegs.T_DR), "DR7 has a taint label of its own");
        assertTrue(step(dr, "movq %db0, %rbx", ctx).gprTainted(ArchRegs.RBX));
    }

    @Test
    void segmentBasesAndExtendedStateCarryTheirLabels() {
        ArchRegs g = kernel().withGsBase(DATA).withTaint(ArchRegs.T_GS_BASE, true).withKernelGsBase(0x5000);
        ArchRegs sw = step(g, "swapgs", ctx);
        assertTrue(sw.tainted(ArchRegs.T_KERNEL_GS_BASE));
        assertFalse(sw.tainted(ArchRegs.T_GS_BASE));
        assertEquals(0x5000, sw.gsBase());
        ArchRegs wr = step(top(kernel(), ArchRegs.RAX), "wrfsbase %rax", ctx);
        assertTrue(wr.tainted(ArchRegs.T_FS_BASE));
        assertTrue(step(wr, "rdfsbase %rbx", ctx).gprTainted(ArchRegs.RBX));
        ArchRegs pk = step(top(kernel(), ArchRegs.RAX).withGpr(ArchRegs.RCX, 0).withGpr(ArchRegs.RDX, 0), "wrpkru", ctx);
        assertTrue(pk.tainted(ArchRegs.T_PKRU));
    }
}
