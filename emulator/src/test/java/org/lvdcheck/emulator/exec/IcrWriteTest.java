package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.exec.Machine.CODE;
import static org.lvdcheck.emulator.exec.Machine.assertExit;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.MsrBitmap;
import org.lvdcheck.emulator.vmx.Vmcs;

/** WRMSR to the x2APIC ICR (MSR 830H) without a VM exit completes with the value written; with an exit it exits. */
class IcrWriteTest {
    private final FakeContext ctx = new FakeContext();

    private static ArchRegs icr(long value) {
        return kernel().withGpr(ArchRegs.RCX, 0x830).withGpr(ArchRegs.RDX, value >>> 32)
                .withGpr(ArchRegs.RAX, value & 0xFFFF_FFFFL);
    }

    @Test
    void passedThroughTheWriteCompletesWithItsValue() {
        ctx.vmcs = Vmcs.zero().withUseMsrBitmaps(true).withMsrBitmap(MsrBitmap.NO_EXITS);
        ExecOutcome.IcrWritten w = assertInstanceOf(ExecOutcome.IcrWritten.class, run(icr(1L << 32 | 4 << 8 | 2), "wrmsr", ctx));
        assertEquals(1L << 32 | 4 << 8 | 2, w.icr());
        assertEquals(CODE + 2, w.regs().rip(), "after the instruction");
    }

    @Test
    void aTopValueIsTheWritersChoiceNotAnIpi() {
        ctx.vmcs = Vmcs.zero().withUseMsrBitmaps(true).withMsrBitmap(MsrBitmap.NO_EXITS);
        ArchRegs top = icr(0x31).withTaint(ArchRegs.tGpr(ArchRegs.RAX), true);
        ExecOutcome.TaintedUse u = assertInstanceOf(ExecOutcome.TaintedUse.class, run(top, "wrmsr", ctx));
        assertTrue(u.what().startsWith(ExecOutcome.UNEXITED_WRMSR), u.what());
    }

    @Test
    void interceptedTheWriteExits() {
        assertExit(run(icr(1L << 32 | 0x31), "wrmsr", ctx), ExitReason.WRMSR);
    }
}
