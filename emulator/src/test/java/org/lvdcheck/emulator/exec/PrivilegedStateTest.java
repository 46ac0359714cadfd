package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.lvdcheck.emulator.exec.Machine.DATA;
import static org.lvdcheck.emulator.exec.Machine.GDT;
import static org.lvdcheck.emulator.exec.Machine.assertExit;
import static org.lvdcheck.emulator.exec.Machine.assertGp0;
import static org.lvdcheck.emulator.exec.Machine.assertUd;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;
import static org.lvdcheck.emulator.exec.Machine.user;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.MsrBitmap;
import org.lvdcheck.emulator.vmx.Vmcs;

/** MOV to/from CR and DR, RDMSR/WRMSR, and the descriptor-table instructions, with and without exits. */
class PrivilegedStateTest {
    private final FakeContext ctx = new FakeContext();

    @Test
    void everyPrivilegedInstructionIsGpAtCplThreeBeforeAnyExit() {
        ctx.vmcs = Vmcs.zero().withCr3LoadExiting(true).withMovDrExiting(true).withHltExiting(true)
                .withActivateSecondaryControls(true).withDescriptorTableExiting(true);
        ctx.poke(DATA, 8, 0);
        ArchRegs u = user().withGpr(ArchRegs.RBX, DATA);
        for (String s : new String[] {"movq %rax, %cr3", "movq %cr3, %rax", "movq %rax, %cr0", "movq %cr4, %rax",
            "movq %rax, %cr8", "movq %rax, %db7", "movq %db6, %rax", "rdmsr", "wrmsr", "lidt (%rbx)", "lgdt (%rbx)",
            "lldt %ax", "ltr %ax", "swapgs", "hlt", "xsetbv"}) {
            assertGp0(run(u, s, ctx));
        }
    }

    // ---- control registers ----

    @Test
    void movToCr3ExitsUnderCr3LoadExitingUnlessTheValueIsATarget() {
        ctx.vmcs = Vmcs.zero().withCr3LoadExiting(true).withCr3TargetCount(1).withCr3Target0(0x5000);
        ExecOutcome.VmExit e = assertExit(run(kernel().withGpr(ArchRegs.RBX, 0x6000), "movq %rbx, %cr3", ctx),
                ExitReason.CONTROL_REGISTER_ACCESS);
        assertEquals(3 | (ArchRegs.RBX << 8), e.qualification(), "CR3, MOV to CR, RBX (Table 27-3)");
        assertEquals(3, e.instructionLength());
        ArchRegs r = step(kernel().withGpr(ArchRegs.RBX, 0x5000), "movq %rbx, %cr3", ctx);
        assertEquals(0x5000, r.cr3(), "a CR3-target value loads without an exit");
    }

    @Test
    void movToCr3WithoutExitingChecksReservedBits() {
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, 0x12_3000), "movq %rax, %cr3", ctx);
        assertEquals(0x12_3000, r.cr3());
        assertGp0(run(kernel().withGpr(ArchRegs.RAX, 1L << 50), "movq %rax, %cr3", ctx));
        assertGp0(run(kernel().withGpr(ArchRegs.RAX, Long.MIN_VALUE | 0x3000), "movq %rax, %cr3", ctx));
        ArchRegs pcid = kernel().withCr4(kernel().cr4() | Cr4.PCIDE).withGpr(ArchRegs.RAX, Long.MIN_VALUE | 0x3001);
        assertEquals(0x3001, step(pcid, "movq %rax, %cr3", ctx).cr3(), "with PCIDE, bit 63 is a hint, not stored");
    }

    @Test
    void movFromCr3ExitsOnlyWithCr3StoreExiting() {
        ArchRegs r = step(kernel().withCr3(0x9000), "movq %cr3, %rdx", ctx);
        assertEquals(0x9000, r.gpr(ArchRegs.RDX));
        ctx.vmcs = Vmcs.zero().withCr3StoreExiting(true);
        ExecOutcome.VmExit e = assertExit(run(kernel(), "movq %cr3, %rdx", ctx), ExitReason.CONTROL_REGISTER_ACCESS);
        assertEquals(3 | (1 << 4) | (ArchRegs.RDX << 8), e.qualification());
    }

    @Test
    void cr0AndCr4FollowTheGuestHostMasksAndShadows() {
        ctx.vmcs = Vmcs.zero().withCr4GuestHostMask(Cr4.VMXE | Cr4.SMEP).withCr4ReadShadow(Cr4.SMEP)
                .withCr0GuestHostMask(Cr0.CD | Cr0.NW).withCr0ReadShadow(0);
        ArchRegs k = kernel();
        // Reading: owned bits come from the shadow (VMXE hidden, SMEP shown).
        long seen = step(k, "movq %cr4, %rax", ctx).gpr(ArchRegs.RAX);
        assertEquals((k.cr4() & ~Cr4.VMXE) | Cr4.SMEP, seen);
        // Writing the value the guest sees: no exit, owned bits keep their real value.
        ArchRegs r = step(k.withGpr(ArchRegs.RAX, seen | Cr4.PGE), "movq %rax, %cr4", ctx);
        assertEquals(k.cr4() | Cr4.PGE, r.cr4());
        // Writing an owned bit differently from the shadow exits.
        ExecOutcome.VmExit e = assertExit(run(k.withGpr(ArchRegs.RAX, seen & ~Cr4.SMEP), "movq %rax, %cr4", ctx),
                ExitReason.CONTROL_REGISTER_ACCESS);
        assertEquals(4, e.qualification());
        assertExit(run(k.withGpr(ArchRegs.RCX, k.cr0() | Cr0.CD), "movq %rcx, %cr0", ctx),
                ExitReason.CONTROL_REGISTER_ACCESS);
        ArchRegs c = step(k.withGpr(ArchRegs.RCX, k.cr0() | Cr0.TS), "movq %rcx, %cr0", ctx);
        assertEquals(k.cr0() | Cr0.TS, c.cr0());
    }

    @Test
    void reservedControlRegisterValuesAreGp() {
        ArchRegs k = kernel();
        assertGp0(run(k.withGpr(ArchRegs.RAX, k.cr0() | (1L << 32)), "movq %rax, %cr0", ctx));
        assertGp0(run(k.withGpr(ArchRegs.RAX, k.cr0() & ~Cr0.PG), "movq %rax, %cr0", ctx));
        assertGp0(run(k.withGpr(ArchRegs.RAX, k.cr0() | Cr0.NW), "movq %rax, %cr0", ctx));
        assertGp0(run(k.withGpr(ArchRegs.RAX, k.cr4() | (1L << 12)), "movq %rax, %cr4", ctx));
        assertGp0(run(k.withGpr(ArchRegs.RAX, k.cr4() & ~Cr4.PAE), "movq %rax, %cr4", ctx));
        assertGp0(run(k.withCr3(0x1001).withGpr(ArchRegs.RAX, k.cr4() | Cr4.PCIDE), "movq %rax, %cr4", ctx));
        assertGp0(run(k.withGpr(ArchRegs.RAX, 0x10), "movq %rax, %cr8", ctx));
        assertEquals(0xF, step(k.withGpr(ArchRegs.RAX, 0xF), "movq %rax, %cr8", ctx).cr8());
    }

    @Test
    void cr8ExitsFollowTheirControls() {
        ctx.vmcs = Vmcs.zero().withCr8LoadExiting(true);
        assertExit(run(kernel(), "movq %rax, %cr8", ctx), ExitReason.CONTROL_REGISTER_ACCESS);
        assertEquals(5, step(kernel().withCr8(5), "movq %cr8, %rax", ctx).gpr(ArchRegs.RAX));
        ctx.vmcs = Vmcs.zero().withCr8StoreExiting(true);
        assertExit(run(kernel(), "movq %cr8, %rax", ctx), ExitReason.CONTROL_REGISTER_ACCESS);
    }

    @Test
    void cr2IsNeverIntercepted() {
        ctx.vmcs = Vmcs.zero().withCr3LoadExiting(true).withCr0GuestHostMask(-1L);
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, 0xDEAD_0000L), "movq %rax, %cr2", ctx);
        assertEquals(0xDEAD_0000L, r.cr2());
        assertEquals(0xDEAD_0000L, step(r, "movq %cr2, %rbx", ctx).gpr(ArchRegs.RBX));
    }

    // ---- debug registers ----

    @Test
    void debugRegisters() {
        ArchRegs r = step(kernel().withGpr(ArchRegs.RAX, 0xFFFF_8000_0000_1000L), "movq %rax, %db0", ctx);
        assertEquals(0xFFFF_8000_0000_1000L, r.dr0());
        r = step(kernel().withGpr(ArchRegs.RAX, 0x1), "movq %rax, %db7", ctx);
        assertEquals(0x401, r.dr7(), "bit 10 reads 1");
        assertGp0(run(kernel().withGpr(ArchRegs.RAX, 1L << 32), "movq %rax, %db7", ctx));
        assertEquals(kernel().dr6(), step(kernel(), "movq %db4, %rcx", ctx).gpr(ArchRegs.RCX),
                "DR4 aliases DR6 while CR4.DE = 0");
        assertUd(run(kernel().withCr4(kernel().cr4() | Cr4.DE), "movq %db5, %rcx", ctx));
        ctx.vmcs = Vmcs.zero().withMovDrExiting(true);
        ExecOutcome.VmExit e = assertExit(run(kernel(), "movq %db7, %rsi", ctx), ExitReason.MOV_DR);
        assertEquals(7 | (1 << 4) | (ArchRegs.RSI << 8), e.qualification(), "Table 27-4");
    }

    // ---- MSRs ----

    @Test
    void msrAccessesExitWithoutBitmapsAndPerBitmap() {
        ArchRegs k = kernel().withGpr(ArchRegs.RCX, Msrs.IA32_GS_BASE);
        assertExit(run(k, "rdmsr", ctx), ExitReason.RDMSR);
        assertExit(run(k, "wrmsr", ctx), ExitReason.WRMSR);
        ctx.vmcs = Vmcs.zero().withUseMsrBitmaps(true)
                .withMsrBitmap(MsrBitmap.NO_EXITS.withExit(Msrs.IA32_EFER, true, true));
        assertExit(run(k.withGpr(ArchRegs.RCX, Msrs.IA32_EFER), "wrmsr", ctx), ExitReason.WRMSR);
        assertExit(run(k.withGpr(ArchRegs.RCX, 0x4000_0000L), "rdmsr", ctx), ExitReason.RDMSR);
    }

    @Test
    void passedThroughMsrsAreModelled() {
        ctx.vmcs = Vmcs.zero().withUseMsrBitmaps(true).withMsrBitmap(MsrBitmap.NO_EXITS);
        ArchRegs k = kernel().withGpr(ArchRegs.RCX, Msrs.IA32_KERNEL_GS_BASE)
                .withGpr(ArchRegs.RDX, 0xFFFF_8880L).withGpr(ArchRegs.RAX, 0x1234_0000L);
        ArchRegs r = step(k, "wrmsr", ctx);
        assertEquals(0xFFFF_8880_1234_0000L, r.kernelGsBase());
        r = step(r.withGpr(ArchRegs.RAX, -1L).withGpr(ArchRegs.RDX, -1L), "rdmsr", ctx);
        assertEquals(0x1234_0000L, r.gpr(ArchRegs.RAX));
        assertEquals(0xFFFF_8880L, r.gpr(ArchRegs.RDX));
        assertGp0(run(k.withGpr(ArchRegs.RDX, 0x8000L), "wrmsr", ctx));
        ArchRegs efer = kernel().withGpr(ArchRegs.RCX, Msrs.IA32_EFER);
        assertEquals(kernel().efer(), step(efer, "rdmsr", ctx).gpr(ArchRegs.RAX));
        assertGp0(run(efer.withGpr(ArchRegs.RAX, kernel().efer() & ~Efer.LME), "wrmsr", ctx));
        assertGp0(run(kernel().withGpr(ArchRegs.RCX, 0x10), "rdmsr", ctx));
    }

    @Test
    void otherMsrsKeepTheValueWrittenAndUnknownOnesFault() {
        ctx.vmcs = Vmcs.zero().withUseMsrBitmaps(true).withMsrBitmap(MsrBitmap.NO_EXITS);
        long lstar = 0xC000_0082L;
        ArchRegs k = kernel().withGpr(ArchRegs.RCX, lstar).withGpr(ArchRegs.RDX, 0xFFFF_FFFFL)
                .withGpr(ArchRegs.RAX, 0x8100_0040L);
        assertEquals(0, step(k, "rdmsr", ctx).gpr(ArchRegs.RAX), "0 until written");
        ArchRegs r = step(k, "wrmsr", ctx);
        assertEquals(0xFFFF_FFFF_8100_0040L, r.msr(lstar));
        assertEquals(0, r.msr(0xC000_0081L), "STAR is a register of its own");
        r = step(r.withGpr(ArchRegs.RAX, 0).withGpr(ArchRegs.RDX, 0), "rdmsr", ctx);
        assertEquals(0x8100_0040L, r.gpr(ArchRegs.RAX));
        assertEquals(0xFFFF_FFFFL, r.gpr(ArchRegs.RDX));
        assertEquals(r, r.withMsr(lstar, 0xFFFF_FFFF_8100_0040L), "rewriting the same value changes nothing");
        assertNotEquals(r.contentHash(7), r.withMsr(lstar, 1).contentHash(7), "the value is part of the state");
        assertGp0(run(k.withGpr(ArchRegs.RCX, 0x1FFF), "wrmsr", ctx));
    }

    // ---- descriptor tables ----

    @Test
    void lidtExitsWithDescriptorTableExiting() {
        ctx.vmcs = Vmcs.zero().withActivateSecondaryControls(true).withDescriptorTableExiting(true);
        ExecOutcome.VmExit e = assertExit(run(kernel().withGpr(ArchRegs.RBX, DATA), "lidt 0x10(%rbx)", ctx),
                ExitReason.GDTR_IDTR_ACCESS);
        assertEquals(0x10, e.qualification(), "the displacement");
        long info = e.instructionInfo();
        assertEquals(3, (info >>> 28) & 3, "LIDT identity");
        assertEquals(2, (info >>> 7) & 7, "64-bit address size");
        assertEquals(ArchRegs.DS, (info >>> 15) & 7);
        assertEquals(ArchRegs.RBX, (info >>> 23) & 15);
        assertEquals(0, (info >>> 27) & 1, "base valid");
        assertEquals(1, (info >>> 22) & 1, "no index");
        assertExit(run(kernel().withGpr(ArchRegs.RAX, 0x40), "ltr %ax", ctx), ExitReason.LDTR_TR_ACCESS);
        assertExit(run(kernel(), "sgdt (%rsp)", ctx), ExitReason.GDTR_IDTR_ACCESS);
    }

    @Test
    void lidtAndSgdtWithoutExiting() {
        ctx.poke(DATA, 2, 0xFFF).poke(DATA + 2, 8, 0xFFFF_FE00_0000_1000L);
        ArchRegs r = step(kernel().withGpr(ArchRegs.RBX, DATA), "lidt (%rbx)", ctx);
        assertEquals(new DescriptorTableReg(0xFFFF_FE00_0000_1000L, 0xFFF), r.idtr());
        step(kernel().withGpr(ArchRegs.RBX, DATA + 0x20), "sgdt (%rbx)", ctx);
        assertEquals(0x7F, ctx.peek(DATA + 0x20, 2));
        assertEquals(GDT, ctx.peek(DATA + 0x22, 8));
        step(user().withGpr(ArchRegs.RBX, DATA + 0x40), "sidt (%rbx)", ctx);
        assertGp0(run(user().withCr4(kernel().cr4() | Cr4.UMIP).withGpr(ArchRegs.RBX, DATA), "sidt (%rbx)", ctx));
    }

    @Test
    void ltrLoadsAnAvailableTssAndMarksItBusy() {
        long base = 0xFFFF_FE00_0000_3000L;
        long low = 0x67L | ((base & 0xFF_FFFFL) << 16) | (0x89L << 40) | (((base >>> 24) & 0xFF) << 56);
        ctx.poke(GDT + 0x40, 8, low).poke(GDT + 0x48, 8, base >>> 32);
        ExecOutcome.Next n = org.junit.jupiter.api.Assertions.assertInstanceOf(ExecOutcome.Next.class,
                run(kernel().withGpr(ArchRegs.RAX, 0x40), "ltr %ax", ctx));
        ctx.apply(n.writes());
        assertEquals(0x40, n.regs().tr().selector());
        assertEquals(base, n.regs().tr().base());
        assertEquals(0x67, n.regs().tr().limit());
        assertEquals(0xB, n.regs().tr().type());
        assertEquals(0x8B, (ctx.peek(GDT + 0x40, 8) >>> 40) & 0xFF, "busy in the GDT");
        ExecOutcome.Fault f = Machine.assertFault(run(kernel().withGpr(ArchRegs.RAX, 0x40), "ltr %ax", ctx), 13);
        assertEquals(0x40, f.errorCode().orElseThrow(), "a busy TSS cannot be loaded again");
        assertGp0(run(kernel().withGpr(ArchRegs.RAX, 0), "ltr %ax", ctx));
        f = Machine.assertFault(run(kernel().withGpr(ArchRegs.RAX, 0x80), "ltr %ax", ctx), 13);
        assertEquals(0x80, f.errorCode().orElseThrow(), "beyond the GDT limit");
    }
}
