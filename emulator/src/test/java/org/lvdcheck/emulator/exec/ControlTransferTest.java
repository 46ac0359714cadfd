package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.exec.Machine.CODE;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.GDT;
import static org.lvdcheck.emulator.exec.Machine.STACK;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.asm.Condition;

class ControlTransferTest {
    private static final long TARGET = CODE + 0x400;
    private static final Map<String, Long> LABELS = Map.of("target", TARGET);

    /** Flat 64-bit descriptors (SDM Vol. 3A 3.4.5), accessed bit set unless noted. */
    static final long KERNEL_CODE = 0x00AF_9B00_0000_FFFFL;
    static final long KERNEL_DATA = 0x00CF_9300_0000_FFFFL;
    static final long USER_CODE = 0x00AF_FB00_0000_FFFFL;
    static final long USER_DATA = 0x00CF_F300_0000_FFFFL;

    private final FakeContext ctx = new FakeContext();

    static FakeContext withGdt(FakeContext ctx) {
        return ctx.poke(GDT + 0x10, 8, KERNEL_CODE).poke(GDT + 0x18, 8, KERNEL_DATA)
                .poke(GDT + 0x28, 8, USER_DATA).poke(GDT + 0x30, 8, USER_CODE);
    }

    @Test
    void directJumpAndEveryConditionalJump() {
        ExecOutcome.Next j = assertInstanceOf(ExecOutcome.Next.class, run(kernel(), "jmp target", ctx, LABELS));
        assertEquals(TARGET, j.regs().rip());
        long[] flagSets = {0, Rflags.CF, Rflags.ZF, Rflags.SF, Rflags.OF, Rflags.PF, Rflags.SF | Rflags.OF,
            Rflags.CF | Rflags.ZF, Rflags.ZF | Rflags.SF};
        for (Condition c : Condition.values()) {
            for (long f : flagSets) {
                ArchRegs in = kernel().withRflags(Rflags.FIXED1 | f);
                String src = "j" + c.name().toLowerCase() + " target";
                ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class,
                        Executor.execute(in, Machine.assemble(src, CODE, LABELS), ctx));
                boolean taken = Conditions.holds(c, f);
                long fallThrough = CODE + Machine.assemble(src, CODE, LABELS).length();
                assertEquals(taken ? TARGET : fallThrough, n.regs().rip(), src + " with flags " + Long.toHexString(f));
            }
        }
    }

    @Test
    void callPushesTheReturnAddressAndRetPopsIt() {
        ExecOutcome o = run(kernel(), "call target", ctx, LABELS);
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, o);
        ctx.apply(n.writes());
        assertEquals(TARGET, n.regs().rip());
        assertEquals(STACK - 8, n.regs().rsp());
        assertEquals(CODE + 5, ctx.peek(STACK - 8, 8));
        ArchRegs r = step(n.regs(), "ret", ctx);
        assertEquals(CODE + 5, r.rip());
        assertEquals(STACK, r.rsp());
    }

    @Test
    void retWithAnImmediateReleasesArguments() {
        ctx.poke(STACK, 8, TARGET);
        ArchRegs r = step(kernel(), "ret $16", ctx);
        assertEquals(TARGET, r.rip());
        assertEquals(STACK + 8 + 16, r.rsp());
    }

    @Test
    void indirectCallsAndJumps() {
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, TARGET), "call *%rax", ctx);
        assertEquals(TARGET, r.rip());
        assertEquals(CODE + 2, ctx.peek(STACK - 8, 8));
        ctx.poke(DATA + 8, 8, TARGET + 0x10);
        r = step(kernel().withGpr(ArchRegs.RBX, DATA), "jmp *8(%rbx)", ctx);
        assertEquals(TARGET + 0x10, r.rip());
        r = step(kernel().withGpr(ArchRegs.RBX, DATA), "call *8(%rbx)", ctx);
        assertEquals(TARGET + 0x10, r.rip());
        assertEquals(STACK - 8, r.rsp());
    }

    @Test
    void nonCanonicalTargetsFaultAtTheBranch() {
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 0x0000_8000_0000_0000L);
        Machine.assertGp0(run(r, "jmp *%rax", ctx));
        ExecOutcome o = run(r, "call *%rax", ctx);
        Machine.assertGp0(o);
        ctx.poke(STACK, 8, 0x0000_8000_0000_0000L);
        Machine.assertGp0(run(kernel(), "ret", ctx));
    }

    @Test
    void callOfAPrimitiveReportsItAfterThePush() {
        ctx.primitive(TARGET, "pick_stack");
        ExecOutcome o = run(kernel(), "call target", ctx, LABELS);
        ExecOutcome.PrimitiveCall p = assertInstanceOf(ExecOutcome.PrimitiveCall.class, o);
        assertEquals("pick_stack", p.name());
        assertEquals(CODE + 5, p.returnAddress());
        assertEquals(STACK - 8, p.regsAfterPush().rsp());
        assertEquals(TARGET, p.regsAfterPush().rip());
        assertEquals(1, p.writes().size());
        assertEquals(STACK - 8, p.writes().get(0).hpa());
        assertEquals(CODE + 5, p.writes().get(0).value());
    }

    private void frame(long rip, int cs, long rflags, long rsp, int ss) {
        ctx.poke(STACK, 8, rip).poke(STACK + 8, 8, cs).poke(STACK + 16, 8, rflags)
                .poke(STACK + 24, 8, rsp).poke(STACK + 32, 8, ss);
    }

    @Test
    void iretqToUserModeConsumesTheFrameAndUnblocksNmis() {
        withGdt(ctx);
        long userFlags = Rflags.FIXED1 | Rflags.IF | Rflags.CF | Rflags.RF;
        frame(0x40_1000, Machine.USER_CS, userFlags, 0x7FFF_F000L, Machine.USER_SS);
        ArchRegs in = kernel().withBlockingByNmi(true).withRflags(Rflags.FIXED1);
        ArchRegs r = step(in, "iretq", ctx);
        assertEquals(0x40_1000, r.rip());
        assertEquals(3, r.cpl());
        assertEquals(Machine.USER_CS, r.cs().selector());
        assertTrue(r.cs().longMode());
        assertEquals(Machine.USER_SS, r.ss().selector());
        assertEquals(0x7FFF_F000L, r.rsp());
        assertEquals(userFlags, r.rflags(), "CPL 0 restores IF, and RF survives");
        assertFalse(r.blockingByNmi());
    }

    @Test
    void iretqToTheSameLevelWithANullStackSelector() {
        withGdt(ctx);
        frame(CODE + 0x100, Machine.KERNEL_CS, Rflags.FIXED1, STACK + 0x200, 0);
        ArchRegs r = step(kernel().withBlockingByNmi(true), "iretq", ctx);
        assertEquals(CODE + 0x100, r.rip());
        assertEquals(0, r.cpl());
        assertTrue(r.ss().unusable());
        assertEquals(STACK + 0x200, r.rsp());
        assertEquals(0, r.rflags() & Rflags.IF);
        assertFalse(r.blockingByNmi());
    }

    @Test
    void underNmiExitingWithoutVirtualNmisIretqLeavesNmiBlocking() {
        withGdt(ctx);
        ctx.vmcs = Vmcs.zero().withNmiExiting(true);
        frame(CODE, Machine.KERNEL_CS, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        assertTrue(step(kernel().withBlockingByNmi(true), "iretq", ctx).blockingByNmi(), "Vol. 3C 26.6.1");
        ctx.vmcs = Vmcs.zero().withNmiExiting(true).withVirtualNmis(true);
        assertFalse(step(kernel().withBlockingByNmi(true), "iretq", ctx).blockingByNmi(),
                "virtual-NMI blocking ends at IRET");
    }

    @Test
    void aFaultingIretqStillUnblocksNmis() {
        withGdt(ctx);
        frame(CODE, 0, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        ExecOutcome.Fault f = Machine.assertFault(run(kernel().withBlockingByNmi(true), "iretq", ctx), 13);
        assertFalse(f.regs().blockingByNmi());
        assertEquals(CODE, f.regs().rip(), "delivered from the IRETQ itself");
    }

    @Test
    void anEptViolationDuringIretqReportsNmiUnblocking() {
        withGdt(ctx);
        frame(CODE, Machine.KERNEL_CS, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        ctx.faultOnPage(GDT, new MemResult.EptExit(ExitReason.EPT_VIOLATION, 0x181, GDT + 0x10, 0x9010));
        ExecOutcome.VmExit e = Machine.assertExit(run(kernel().withBlockingByNmi(true), "iretq", ctx),
                ExitReason.EPT_VIOLATION);
        assertEquals(0x181 | (1 << 12), e.qualification());
        assertEquals(0x9010, e.guestPhysical());
        e = Machine.assertExit(run(kernel(), "iretq", ctx), ExitReason.EPT_VIOLATION);
        assertEquals(0x181, e.qualification(), "NMIs were not blocked: bit 12 clear");
    }

    @Test
    void iretqAtCplThreeCannotRaiseIoplOrIf() {
        withGdt(ctx);
        ArchRegs user = Machine.user().withRflags(Rflags.FIXED1);
        frame(0x40_2000, Machine.USER_CS, Rflags.FIXED1 | Rflags.IF | Rflags.IOPL, 0x7FFF_E000L, Machine.USER_SS);
        ArchRegs r = step(user, "iretq", ctx);
        assertEquals(Rflags.FIXED1, r.rflags());
    }

    @Test
    void iretqCannotReturnToAMorePrivilegedLevel() {
        withGdt(ctx);
        frame(CODE, Machine.KERNEL_CS, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        ExecOutcome.Fault f = Machine.assertFault(run(Machine.user(), "iretq", ctx), 13);
        assertEquals(Machine.KERNEL_CS, f.errorCode().orElseThrow());
    }

    @Test
    void iretqChecksSelectors() {
        withGdt(ctx);
        frame(CODE, 0, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        Machine.assertGp0(run(kernel(), "iretq", ctx));
        frame(0x40_1000, Machine.USER_CS, Rflags.FIXED1, STACK, 0);
        Machine.assertGp0(run(kernel(), "iretq", ctx));
        frame(CODE, Machine.KERNEL_SS, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        ExecOutcome.Fault f = Machine.assertFault(run(kernel(), "iretq", ctx), 13);
        assertEquals(Machine.KERNEL_SS, f.errorCode().orElseThrow(), "a data segment is no code segment");
        ctx.poke(GDT + 0x10, 8, KERNEL_CODE & ~(1L << 47));
        frame(CODE, Machine.KERNEL_CS, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        f = Machine.assertFault(run(kernel(), "iretq", ctx), 11);
        assertEquals(Machine.KERNEL_CS, f.errorCode().orElseThrow(), "not present: #NP(selector)");
        withGdt(ctx);
        frame(0x0000_8000_0000_0000L, Machine.KERNEL_CS, Rflags.FIXED1, STACK, Machine.KERNEL_SS);
        Machine.assertGp0(run(kernel(), "iretq", ctx));
        Machine.assertGp0(run(kernel().withRflags(Rflags.FIXED1 | Rflags.NT), "iretq", ctx));
    }
}
