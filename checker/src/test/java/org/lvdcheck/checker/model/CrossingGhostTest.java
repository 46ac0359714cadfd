package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * The crossing ghost on hand-built register files: which of the kernel's registers INV5 compares
 * at a gate return, with their labels, and how the ghost opens and closes calls and handlers.
 */
class CrossingGhostTest {
    static final long PERCPU0 = 0xffff888002002000L;
    static final long PERCPU1 = 0xffff888002022000L;

    /** The kernel's registers at a gate call on cpu0: callee-saved values, IF = 1, GS base = cpu0's area. */
    static ArchRegs kernel() {
        return ArchRegs.zero().withCs(Segment.code64(0x10)).withSs(Segment.flatData(0x18))
                .withGpr(ArchRegs.RBX, 0x1111).withRsp(0xffff888003107f00L).withGpr(ArchRegs.RBP, 0x2222)
                .withGpr(ArchRegs.R12, 0x12).withGpr(ArchRegs.R15, 0x15).withRflags(Rflags.FIXED1 | Rflags.IF)
                .withGsBase(PERCPU0).withXcr0(0x7).withX87State(0xA).withSseState(0xB).withAvxState(0xC)
                .withCr4(Cr4.OSXSAVE | Cr4.FSGSBASE);
    }

    static CrossingGhost.Difference diff(ArchRegs at, ArchRegs now, long percpuNow) {
        return CrossingGhost.KernelContext.of(at, PERCPU0).difference(now, percpuNow);
    }

    @Test
    void restoredRegistersAndScratchRegistersAreNoDifference() {
        ArchRegs k = kernel();
        assertNull(diff(k, k, PERCPU0));
        // RAX (return value), RCX (VMFUNC's index) and the message registers REG0-REG6 are the call's to change.
        ArchRegs scratch = k.withGpr(ArchRegs.RAX, 5).withGpr(ArchRegs.RCX, 1).withGpr(ArchRegs.RDI, 9)
                .withGpr(ArchRegs.R11, 3).withTaint(ArchRegs.tGpr(ArchRegs.RDX), true)
                .withRflags(k.rflags() | Rflags.ZF | Rflags.CF);
        assertNull(diff(k, scratch, PERCPU0), "scratch registers and status flags are not compared");
    }

    @Test
    void aCalleeSavedRegisterChangedOrTopIsTheDifference() {
        ArchRegs k = kernel();
        CrossingGhost.Difference d = diff(k, k.withGpr(ArchRegs.R12, 0x99), PERCPU0);
        assertNotNull(d);
        assertEquals("r12", d.register());
        assertEquals(0x12, d.saved());
        assertEquals(0x99, d.now());
        d = diff(k, k.withTaint(ArchRegs.tGpr(ArchRegs.RBX), true), PERCPU0);
        assertEquals("rbx", d.register());
        assertTrue(d.describe().contains("⊤ (a value the driver chose) now"), d.describe());
        // The first register in the order RBX, RSP, RBP, R12-R15, RFLAGS, ... is named.
        assertEquals("rbx", diff(k, k.withGpr(ArchRegs.RBX, 0).withGpr(ArchRegs.R15, 0), PERCPU0).register());
    }

    @Test
    void controlFlagsSegmentsBasesAndExtendedStateAreCompared() {
        ArchRegs k = kernel();
        assertEquals("rflags (DF, AC, TF, IF, IOPL)", diff(k, k.withRflags(k.rflags() | Rflags.DF), PERCPU0).register());
        assertEquals("rflags (DF, AC, TF, IF, IOPL)", diff(k, k.withRflags(k.rflags() & ~Rflags.IF), PERCPU0).register());
        assertEquals("ds", diff(k, k.withDs(Segment.flatData(0x2b)), PERCPU0).register());
        assertEquals("fs.base", diff(k, k.withFsBase(0x7000), PERCPU0).register());
        assertEquals("kernel_gs_base", diff(k, k.withTaint(ArchRegs.T_KERNEL_GS_BASE, true), PERCPU0).register());
        assertEquals("mxcsr", diff(k, k.withMxcsr(0x1f80 | 1), PERCPU0).register());
        assertEquals("x87 state", diff(k, k.withTaint(ArchRegs.T_X87, true), PERCPU0).register());
        assertEquals("avx state", diff(k, k.withAvxState(0xD), PERCPU0).register());
        assertEquals("xcr0", diff(k, k.withXcr0(0x3), PERCPU0).register());
    }

    @Test
    void pkruCountsOnlyWithProtectionKeysAndAComponentOnlyWhenXcr0EnablesIt() {
        ArchRegs k = kernel();
        assertNull(diff(k, k.withTaint(ArchRegs.T_PKRU, true), PERCPU0), "CR4.PKE = 0: PKRU has no effect");
        ArchRegs pke = k.withCr4(k.cr4() | Cr4.PKE);
        assertEquals("pkru", diff(pke, pke.withTaint(ArchRegs.T_PKRU, true), PERCPU0).register());
        ArchRegs noAvx = k.withXcr0(0x3);
        assertNull(diff(noAvx, noAvx.withAvxState(0xEE), PERCPU0), "XCR0 without AVX: the AVX component is not state");
    }

    @Test
    void theKernelGsBaseIsTheReturningCpusPerCpuArea() {
        ArchRegs k = kernel();
        assertNull(diff(k, k.withGsBase(PERCPU1), PERCPU1), "called on cpu0, returned on cpu1 with cpu1's area");
        CrossingGhost.Difference d = diff(k, k, PERCPU1);
        assertEquals("gs.base", d.register(), "returned on cpu1 with cpu0's area");
        assertTrue(d.describe().startsWith("gs.base the CPU's per-CPU area at the call, 0x" + Long.toHexString(PERCPU0)),
                d.describe());
    }

    @Test
    void theGhostOpensAndClosesPerThreadAndIsNoneWhenNothingIsOpen() {
        CrossingGhost g = CrossingGhost.NONE;
        CrossingGhost.GateCall call = new CrossingGhost.GateCall("vmfunc_klcd_wrapper", 0x10, 0x15,
                CrossingGhost.KernelContext.of(kernel(), PERCPU0));
        CrossingGhost.Handler h = CrossingGhost.Handler.of(0xef, 1, kernel().withTaint(ArchRegs.tGpr(ArchRegs.RSP), true));
        CrossingGhost one = g.withCall(2, call);
        assertSame(call, one.topCall(2));
        assertNull(one.topCall(0));
        assertTrue(h.driverContext(), "the driver's RSP was interrupted");
        CrossingGhost two = one.withHandler(2, h);
        assertTrue(two.handling(2));
        assertEquals(1, two.calls(2).length);
        assertNotEquals(one, two);
        assertNotEquals(one.hash(7), two.hash(7));
        assertEquals(one, two.withoutTopHandler(2));
        assertEquals(one.hash(7), two.withoutTopHandler(2).hash(7));
        assertSame(CrossingGhost.NONE, two.withoutHandlers(2).withoutTopCall(2));
        assertSame(g, g.withoutTopCall(1), "closing nothing changes nothing");
        // One thread's part of the hash: what the other threads have open does not enter it.
        assertEquals(7, two.threadHash(7, 0), "thread 0 has nothing open");
        assertEquals(7, two.threadHash(7, 5), "a thread the ghost has no entry for");
        assertNotEquals(one.threadHash(7, 2), two.threadHash(7, 2));
        assertEquals(two.threadHash(7, 2), two.withCall(0, call).threadHash(7, 2));
    }

    @Test
    void theGhostIsPartOfTheStateAndItsFingerprint() {
        MachineState m = new MachineState(PhysMem.empty(39), List.of(), List.of(), 0);
        CheckState s = new CheckState(m, new int[0], new int[0]);
        CheckState t = s.withCrossing(CrossingGhost.NONE.withCall(0, new CrossingGhost.GateCall("g", 1, 2,
                CrossingGhost.KernelContext.of(kernel(), PERCPU0))));
        assertNotEquals(s, t);
        assertNotEquals(StateFingerprint.of(s, 0), StateFingerprint.of(t, 0));
        assertEquals(StateFingerprint.of(s, 0), StateFingerprint.of(t.withCrossing(CrossingGhost.NONE), 0));
        assertSame(s, s.withCrossing(CrossingGhost.NONE));
    }

    @Test
    void aGateReturnAbandonsTheHandlersOpenedInsideTheCallAndKeepsTheOnesBelowIt() {
        CrossingGhost.GateCall call = new CrossingGhost.GateCall("vmfunc_klcd_wrapper", 0x10, 0x15,
                CrossingGhost.KernelContext.of(kernel(), PERCPU0));
        CrossingGhost.Handler outer = CrossingGhost.Handler.of(0x31, 0, kernel());
        CrossingGhost.Handler inDriver = CrossingGhost.Handler.of(0xef, 1, kernel().withRip(0xa0000000L));
        CrossingGhost.Handler nested = CrossingGhost.Handler.of(0xef, 0, kernel().withRip(0x81000100L));
        // A call made inside a device handler; inside it a timer in the driver and one nested in the kernel.
        CrossingGhost g = CrossingGhost.NONE.withHandler(0, outer).withCall(0, call).withHandler(0, inDriver)
                .withHandler(0, nested);
        assertEquals(3, g.handlers(0).length);
        CrossingGhost back = g.withoutTopCall(0);
        assertEquals(0, back.calls(0).length);
        assertEquals(List.of(outer), List.of(back.handlers(0)), "the entry code's kill path left both frames behind");
        assertEquals(CrossingGhost.NONE.withHandler(0, outer), back);
        // The same handlers without the call are a different ghost (when each was opened is state).
        assertNotEquals(CrossingGhost.NONE.withHandler(0, outer).withHandler(0, inDriver).withCall(0, call),
                CrossingGhost.NONE.withHandler(0, outer).withCall(0, call).withHandler(0, inDriver));
        // A handler that ended normally before the return leaves nothing to abandon.
        CrossingGhost closed = CrossingGhost.NONE.withCall(0, call).withHandler(0, inDriver).withoutTopHandler(0);
        assertSame(CrossingGhost.NONE, closed.withoutTopCall(0));
    }

    @Test
    void oneThreadsOpenCallsAndHandlersTakenFromAnotherGhostLeaveTheOtherThreadsAlone() {
        CrossingGhost.GateCall call = new CrossingGhost.GateCall("vmfunc_klcd_wrapper", 0x10, 0x15,
                CrossingGhost.KernelContext.of(kernel(), PERCPU0));
        CrossingGhost.Handler timer = CrossingGhost.Handler.of(0xef, 1, kernel().withRip(0xa0000000L));
        CrossingGhost base = CrossingGhost.NONE.withCall(0, call).withHandler(1, timer);
        CrossingGhost from = CrossingGhost.NONE.withHandler(0, timer).withCall(1, call);
        CrossingGhost t0 = base.withThreadOf(from, 0);
        assertEquals(List.of(timer), List.of(t0.handlers(0)));
        assertEquals(0, t0.calls(0).length);
        assertEquals(List.of(timer), List.of(t0.handlers(1)), "thread 1 stays as base has it");
        assertEquals(0, t0.calls(1).length);
        assertEquals(CrossingGhost.NONE.withHandler(0, timer).withHandler(1, timer), t0);
        // A thread with nothing open in the other ghost has nothing open after.
        assertEquals(CrossingGhost.NONE.withHandler(1, timer), base.withThreadOf(CrossingGhost.NONE, 0));
        assertSame(CrossingGhost.NONE, CrossingGhost.NONE.withHandler(1, timer).withThreadOf(CrossingGhost.NONE, 1));
    }
}
