package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.assertGp0;
import static org.lvdcheck.emulator.exec.Machine.assertUd;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;

class XsaveTest {
    private static final long AREA = DATA + 0x1000;
    private final FakeContext ctx = new FakeContext();

    private static ArchRegs state(long mask) {
        return kernel().toBuilder().x87State(0x87).sseState(0x55E).avxState(0xA4A).mxcsr(0x1FA0)
                .gpr(ArchRegs.RAX, mask).gpr(ArchRegs.RDX, 0).gpr(ArchRegs.RDI, AREA).build();
    }

    @Test
    void xsaveWritesEachRequestedComponentAndTheHeader() {
        ctx.poke(AREA + Xsave.XSTATE_BV, 8, 0x10);
        step(state(7), "xsave (%rdi)", ctx);
        assertEquals(0x87, ctx.peek(AREA + Xsave.X87_TOKEN, 8));
        assertEquals(0x55E, ctx.peek(AREA + Xsave.SSE_TOKEN, 8));
        assertEquals(0xA4A, ctx.peek(AREA + Xsave.AVX_TOKEN, 8));
        assertEquals(0x1FA0, ctx.peek(AREA + Xsave.MXCSR, 4));
        assertEquals(0x17, ctx.peek(AREA + Xsave.XSTATE_BV, 8), "saved bits set, others kept");
    }

    @Test
    void theMaskIsXcr0AndEdxEax() {
        step(state(0xFF).withXcr0(3), "xsave (%rdi)", ctx);
        assertEquals(0, ctx.peek(AREA + Xsave.AVX_TOKEN, 8), "AVX not enabled in XCR0");
        assertEquals(3, ctx.peek(AREA + Xsave.XSTATE_BV, 8));
        FakeContext other = new FakeContext();
        ExecOutcome o = Executor.execute(state(1), Machine.assemble("xsave (%rdi)", Machine.CODE), other);
        other.apply(((ExecOutcome.Next) o).writes());
        assertEquals(0, other.peek(AREA + Xsave.SSE_TOKEN, 8));
        assertEquals(0, other.peek(AREA + Xsave.MXCSR, 4), "MXCSR only with SSE or AVX");
        assertEquals(1, other.peek(AREA + Xsave.XSTATE_BV, 8));
    }

    @Test
    void xrstorRoundTripsAndInitialisesAbsentComponents() {
        step(state(7), "xsave64 (%rdi)", ctx);
        ArchRegs blank = kernel().withGpr(ArchRegs.RAX, 7).withGpr(ArchRegs.RDI, AREA);
        ArchRegs r = step(blank, "xrstor64 (%rdi)", ctx);
        assertEquals(0x87, r.x87State());
        assertEquals(0x55E, r.sseState());
        assertEquals(0xA4A, r.avxState());
        assertEquals(0x1FA0, r.mxcsr());
        ctx.poke(AREA + Xsave.XSTATE_BV, 8, 1);
        r = step(state(7), "xrstor (%rdi)", ctx);
        assertEquals(0x87, r.x87State());
        assertEquals(0, r.sseState(), "XSTATE_BV[1] = 0: initial configuration");
        assertEquals(0, r.avxState());
        assertEquals(0x1FA0, r.mxcsr(), "MXCSR still loaded");
        r = step(state(1), "xrstor (%rdi)", ctx);
        assertEquals(0x55E, r.sseState(), "components outside the mask are untouched");
    }

    @Test
    void xrstorRejectsABadHeaderOrMxcsr() {
        step(state(7), "xsave (%rdi)", ctx);
        ctx.poke(AREA + Xsave.XSTATE_BV, 8, 0x8);
        assertGp0(run(state(7), "xrstor (%rdi)", ctx));
        ctx.poke(AREA + Xsave.XSTATE_BV, 8, 7).poke(AREA + Xsave.XCOMP_BV, 8, Long.MIN_VALUE | 7);
        assertGp0(run(state(7), "xrstor (%rdi)", ctx));
        ctx.poke(AREA + Xsave.XCOMP_BV, 8, 0).poke(AREA + Xsave.MXCSR, 4, 0x1_0000);
        assertGp0(run(state(7), "xrstor (%rdi)", ctx));
    }

    @Test
    void alignmentOsxsaveAndTs() {
        assertGp0(run(state(7).withGpr(ArchRegs.RDI, AREA + 8), "xsave (%rdi)", ctx));
        assertUd(run(state(7).withCr4(kernel().cr4() & ~Cr4.OSXSAVE), "xsave (%rdi)", ctx));
        Machine.assertFault(run(state(7).withCr0(kernel().cr0() | Cr0.TS), "xrstor (%rdi)", ctx), 7);
    }
}
