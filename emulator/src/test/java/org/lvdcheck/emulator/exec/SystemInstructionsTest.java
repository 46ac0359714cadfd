package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.exec.Machine.CODE;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.assertExit;
import static org.lvdcheck.emulator.exec.Machine.assertGp0;
import static org.lvdcheck.emulator.exec.Machine.assertUd;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;
import static org.lvdcheck.emulator.exec.Machine.user;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;

/** CPUID, VMCALL, XSETBV, HLT, SWAPGS, FS/GS base, PKRU, XGETBV, I/O, VMFUNC, INT3, UD2, PAUSE. */
class SystemInstructionsTest {
    private final FakeContext ctx = new FakeContext();

    @Test
    void cpuidVmcallAndXsetbvAlwaysExitWithTheirLength() {
        ExecOutcome.VmExit e = assertExit(run(kernel(), "cpuid", ctx), ExitReason.CPUID);
        assertEquals(2, e.instructionLength());
        assertEquals(3, assertExit(run(kernel(), "vmcall", ctx), ExitReason.VMCALL).instructionLength());
        assertExit(run(user(), "cpuid", ctx), ExitReason.CPUID);
        assertExit(run(user(), "vmcall", ctx), ExitReason.VMCALL);
        assertExit(run(kernel(), "xsetbv", ctx), ExitReason.XSETBV);
    }

    @Test
    void xsetbvFaultsBeforeItExits() {
        assertGp0(run(user(), "xsetbv", ctx));
        assertUd(run(kernel().withCr4(kernel().cr4() & ~Cr4.OSXSAVE), "xsetbv", ctx));
    }

    @Test
    void xgetbvReadsXcr0() {
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, -1L).withGpr(ArchRegs.RDX, -1L), "xgetbv", ctx);
        assertEquals(7, r.gpr(ArchRegs.RAX));
        assertEquals(0, r.gpr(ArchRegs.RDX));
        assertGp0(run(kernel().withGpr(ArchRegs.RCX, 1), "xgetbv", ctx));
    }

    @Test
    void hltHaltsExitsOrFaults() {
        ExecOutcome.Halted h = assertInstanceOf(ExecOutcome.Halted.class, run(kernel(), "hlt", ctx));
        assertEquals(CODE + 1, h.regs().rip());
        assertEquals(ActivityState.HLT, h.regs().activity());
        ctx.vmcs = Vmcs.zero().withHltExiting(true);
        assertExit(run(kernel(), "hlt", ctx), ExitReason.HLT);
        assertGp0(run(user(), "hlt", ctx));
    }

    @Test
    void pauseExitsOnlyWithPauseExiting() {
        assertEquals(CODE + 2, step(kernel(), "pause", ctx).rip());
        ctx.vmcs = Vmcs.zero().withPauseExiting(true);
        assertExit(run(kernel(), "pause", ctx), ExitReason.PAUSE);
    }

    @Test
    void swapgsExchangesTheBases() {
        ArchRegs r = kernel().withGsBase(0x1111).withKernelGsBase(0xFFFF_8880_0000_2222L);
        r = step(r, "swapgs", ctx);
        assertEquals(0xFFFF_8880_0000_2222L, r.gsBase());
        assertEquals(0x1111, r.kernelGsBase());
        assertGp0(run(user(), "swapgs", ctx));
    }

    @Test
    void fsGsBaseInstructions() {
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 0xFFFF_FFFF_1234_5678L);
        ArchRegs w = step(r, "wrgsbase %eax", ctx);
        assertEquals(0x1234_5678L, w.gsBase(), "the 32-bit form zero-extends");
        w = step(r, "wrfsbase %rax", ctx);
        assertEquals(0xFFFF_FFFF_1234_5678L, w.fsBase());
        ArchRegs rd = step(w.withRip(CODE).withGpr(ArchRegs.RCX, -1L), "rdfsbase %ecx", ctx);
        assertEquals(0x1234_5678L, rd.gpr(ArchRegs.RCX), "the 32-bit read returns bits 31:0 zero-extended");
        rd = step(w.withRip(CODE), "rdfsbase %rcx", ctx);
        assertEquals(0xFFFF_FFFF_1234_5678L, rd.gpr(ArchRegs.RCX));
        assertGp0(run(kernel().withGpr(ArchRegs.RAX, 0x0000_8000_0000_0000L), "wrgsbase %rax", ctx));
        assertUd(run(kernel().withCr4(kernel().cr4() & ~Cr4.FSGSBASE), "rdgsbase %rax", ctx));
        assertEquals(0x1234_5678L, step(user().withGpr(ArchRegs.RAX, 0x1234_5678L), "wrgsbase %rax", ctx).gsBase(),
                "legal at CPL 3");
    }

    @Test
    void pkruInstructions() {
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, 0x5555_0000L), "wrpkru", ctx);
        assertEquals(0x5555_0000, r.pkru());
        r = step(r.withRip(CODE).withGpr(ArchRegs.RDX, -1L), "rdpkru", ctx);
        assertEquals(0x5555_0000L, r.gpr(ArchRegs.RAX));
        assertEquals(0, r.gpr(ArchRegs.RDX));
        assertGp0(run(kernel().withGpr(ArchRegs.RDX, 1), "wrpkru", ctx));
        assertGp0(run(kernel().withGpr(ArchRegs.RCX, 1), "wrpkru", ctx));
        assertUd(run(kernel().withCr4(kernel().cr4() & ~Cr4.PKE), "wrpkru", ctx));
    }

    @Test
    void portIo() {
        ctx.vmcs = Vmcs.zero().withUnconditionalIoExiting(true);
        ExecOutcome.VmExit e = assertExit(run(kernel(), "outb %al, $0x80", ctx), ExitReason.IO_INSTRUCTION);
        assertEquals((0x80L << 16) | (1 << 6), e.qualification(), "1 byte, OUT, immediate port 0x80");
        e = assertExit(run(kernel().withGpr(ArchRegs.RDX, 0x3F8), "inl (%dx), %eax", ctx), ExitReason.IO_INSTRUCTION);
        assertEquals((0x3F8L << 16) | (1 << 3) | 3, e.qualification(), "4 bytes, IN, port in DX");
        assertGp0(run(user(), "inb $0x60, %al", ctx));
        ctx.vmcs = Vmcs.zero();
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, 0), "inw $0x60, %ax", ctx);
        assertEquals(0xFFFF, r.gpr(ArchRegs.RAX), "no device: all ones");
        r = step(user().withRflags(Rflags.FIXED1 | Rflags.IOPL), "outb %al, $0x80", ctx);
        assertEquals(CODE + 2, r.rip(), "IOPL 3 lets CPL 3 do I/O");
    }

    @Test
    void int3TrapsAfterTheInstructionAndUd2Faults() {
        ExecOutcome.Trap t = assertInstanceOf(ExecOutcome.Trap.class, run(kernel(), "int3", ctx));
        assertEquals(3, t.vector());
        assertEquals(CODE + 1, t.regs().rip());
        assertUd(run(kernel(), "ud2", ctx));
    }

    @Test
    void fencesAndNopDoNothingButAdvance() {
        for (String f : new String[] {"lfence", "mfence", "sfence"}) {
            ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, run(kernel(), f, ctx));
            assertEquals(CODE + 3, n.regs().rip(), f);
            assertTrue(n.writes().isEmpty());
        }
    }

    // ---- VMFUNC ----

    private static final long LIST = 0x7000;
    private static final long KERNEL_EPTP = Eptp.make(0x10000, true);
    private static final long DRIVER_EPTP = Eptp.make(0x20000, true);

    private void eptpList() {
        ctx.phys = PhysMem.empty(46).edit().write(LIST, 8, KERNEL_EPTP).write(LIST + 8, 8, DRIVER_EPTP).freeze();
        ctx.vmcs = Vmcs.zero().withActivateSecondaryControls(true).withEnableVmFunctions(true)
                .withVmFunctionControls(1).withEptpListAddress(LIST).withEptp(KERNEL_EPTP);
    }

    @Test
    void vmfuncSwitchesToTheSelectedEptp() {
        eptpList();
        ArchRegs r = kernel().withGpr(ArchRegs.RAX, 0).withGpr(ArchRegs.RCX, 0xFFFF_FFFF_0000_0001L);
        ExecOutcome.EptpSwitched sw = assertInstanceOf(ExecOutcome.EptpSwitched.class, run(r, "vmfunc", ctx));
        assertEquals(DRIVER_EPTP, sw.newEptp());
        assertEquals(1, sw.index(), "ECX, not RCX");
        assertEquals(CODE + 3, sw.regs().rip());
        ExecOutcome.EptpSwitched fromUser = assertInstanceOf(ExecOutcome.EptpSwitched.class,
                run(user().withGpr(ArchRegs.RCX, 0), "vmfunc", ctx));
        assertEquals(KERNEL_EPTP, fromUser.newEptp(), "legal at any CPL");
    }

    @Test
    void vmfuncExitsOnABadIndexOrEntry() {
        eptpList();
        assertExit(run(kernel().withGpr(ArchRegs.RCX, 2), "vmfunc", ctx), ExitReason.VMFUNC);
        assertExit(run(kernel().withGpr(ArchRegs.RCX, 512), "vmfunc", ctx), ExitReason.VMFUNC);
        ctx.vmcs = ctx.vmcs.withVmFunctionControls(0);
        assertExit(run(kernel(), "vmfunc", ctx), ExitReason.VMFUNC);
    }

    @Test
    void vmfuncIsUndefinedWithoutVmFunctionsOrWithALargeLeaf() {
        eptpList();
        assertUd(run(kernel().withGpr(ArchRegs.RAX, 64), "vmfunc", ctx));
        ctx.vmcs = ctx.vmcs.withEnableVmFunctions(false);
        assertUd(run(kernel(), "vmfunc", ctx));
    }
}
