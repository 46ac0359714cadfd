package org.lvdcheck.emulator.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;

class VmxExitRulesTest {
    final Vmcs zero = Vmcs.zero();

    @Test
    void exitReasonNumbersFollowAppendixC() {
        assertEquals(0, ExitReason.EXCEPTION_OR_NMI.number());
        assertEquals(2, ExitReason.TRIPLE_FAULT.number());
        assertEquals(10, ExitReason.CPUID.number());
        assertEquals(18, ExitReason.VMCALL.number());
        assertEquals(28, ExitReason.CONTROL_REGISTER_ACCESS.number());
        assertEquals(46, ExitReason.GDTR_IDTR_ACCESS.number());
        assertEquals(48, ExitReason.EPT_VIOLATION.number());
        assertEquals(49, ExitReason.EPT_MISCONFIGURATION.number());
        assertEquals(52, ExitReason.PREEMPTION_TIMER.number());
        assertEquals(55, ExitReason.XSETBV.number());
        assertEquals(59, ExitReason.VMFUNC.number());
        assertEquals(ExitReason.WRMSR, ExitReason.ofNumber(32));
        assertNull(ExitReason.ofNumber(35));
        assertNull(ExitReason.ofNumber(65));
    }

    @Test
    void cr0WritesExitOnlyWhenAMaskedBitDiffersFromTheShadow() {
        Vmcs v = zero.withCr0GuestHostMask(Cr0.PG | Cr0.WP | Cr0.PE).withCr0ReadShadow(Cr0.PG | Cr0.WP | Cr0.PE);
        assertFalse(VmxExitRules.movToCr0Exits(v, Cr0.PG | Cr0.WP | Cr0.PE | Cr0.TS), "TS is not masked");
        assertTrue(VmxExitRules.movToCr0Exits(v, Cr0.PG | Cr0.PE), "clearing WP differs from the shadow");
        assertFalse(VmxExitRules.movToCr0Exits(zero, 0), "no mask: never exits");
        Vmcs c4 = zero.withCr4GuestHostMask(Cr4.SMEP | Cr4.VMXE).withCr4ReadShadow(Cr4.SMEP);
        assertFalse(VmxExitRules.movToCr4Exits(c4, Cr4.SMEP | Cr4.PAE));
        assertTrue(VmxExitRules.movToCr4Exits(c4, Cr4.PAE));
        assertTrue(VmxExitRules.movToCr4Exits(c4, Cr4.SMEP | Cr4.VMXE));
    }

    @Test
    void cltsAndLmswRules() {
        Vmcs ts = zero.withCr0GuestHostMask(Cr0.TS).withCr0ReadShadow(Cr0.TS);
        assertTrue(VmxExitRules.cltsExits(ts));
        assertFalse(VmxExitRules.cltsExits(ts.withCr0ReadShadow(0)));
        Vmcs pe = zero.withCr0GuestHostMask(Cr0.PE).withCr0ReadShadow(0);
        assertTrue(VmxExitRules.lmswExits(pe, 1), "setting a masked PE that the shadow has clear");
        assertFalse(VmxExitRules.lmswExits(pe.withCr0ReadShadow(1), 0), "LMSW cannot clear PE");
        assertTrue(VmxExitRules.lmswExits(zero.withCr0GuestHostMask(Cr0.MP), 2));
        assertFalse(VmxExitRules.lmswExits(zero.withCr0GuestHostMask(Cr0.MP), 4));
    }

    @Test
    void cr3LoadsExitUnlessTheValueIsAmongTheFirstCountTargets() {
        Vmcs v = zero.withCr3LoadExiting(true).withCr3TargetCount(2)
                .withCr3Target(0, 0x1000).withCr3Target(1, 0x2000).withCr3Target(2, 0x3000);
        assertFalse(VmxExitRules.movToCr3Exits(v, 0x1000));
        assertFalse(VmxExitRules.movToCr3Exits(v, 0x2000));
        assertTrue(VmxExitRules.movToCr3Exits(v, 0x3000), "third target is beyond the count");
        assertTrue(VmxExitRules.movToCr3Exits(v.withCr3TargetCount(0), 0x1000), "count 0: every load exits");
        assertFalse(VmxExitRules.movToCr3Exits(v.withCr3LoadExiting(false), 0x9000));
        assertTrue(VmxExitRules.movFromCr3Exits(zero.withCr3StoreExiting(true)));
        assertFalse(VmxExitRules.movFromCr3Exits(zero));
        assertThrows(IllegalArgumentException.class, () -> zero.withCr3TargetCount(5));
    }

    @Test
    void cr8AndDebugRegisters() {
        assertTrue(VmxExitRules.movToCr8Exits(zero.withCr8LoadExiting(true)));
        assertFalse(VmxExitRules.movToCr8Exits(zero.withUseTprShadow(true)));
        assertTrue(VmxExitRules.movFromCr8Exits(zero.withCr8StoreExiting(true)));
        assertFalse(VmxExitRules.movFromCr8Exits(zero));
        assertTrue(VmxExitRules.movDrExits(zero.withMovDrExiting(true)));
        assertFalse(VmxExitRules.movDrExits(zero));
    }

    @Test
    void msrAccessesWithAndWithoutBitmaps() {
        assertTrue(VmxExitRules.rdmsrExits(zero, 0x10), "no bitmaps: every RDMSR exits");
        assertTrue(VmxExitRules.wrmsrExits(zero, 0xC0000100L));
        MsrBitmap bm = MsrBitmap.NO_EXITS.withExit(0xC0000101L, true, true).withExit(0x1B, false, true);
        Vmcs v = zero.withUseMsrBitmaps(true).withMsrBitmap(bm);
        assertTrue(VmxExitRules.wrmsrExits(v, 0xC0000101L), "GS base write bit set");
        assertFalse(VmxExitRules.rdmsrExits(v, 0xC0000101L), "its read bit is clear");
        assertTrue(VmxExitRules.rdmsrExits(v, 0x1B));
        assertFalse(VmxExitRules.wrmsrExits(v, 0x1B));
        assertFalse(VmxExitRules.rdmsrExits(v, 0x1FFF));
        assertTrue(VmxExitRules.rdmsrExits(v, 0x2000), "just above the low range always exits");
        assertTrue(VmxExitRules.wrmsrExits(v, 0xC0002000L), "just above the high range always exits");
        assertTrue(VmxExitRules.rdmsrExits(v, 0x4000_0000L), "hypervisor range always exits");
        assertFalse(VmxExitRules.rdmsrExits(v, 0xFFFF_FFFF_0000_0010L), "only ECX is read");
        assertThrows(IllegalArgumentException.class, () -> bm.withExit(0x2000, false, true));
    }

    @Test
    void descriptorTablesIoHltAndUnconditional() {
        Vmcs dt = zero.withActivateSecondaryControls(true).withDescriptorTableExiting(true);
        for (DescriptorTableInstruction i : DescriptorTableInstruction.values()) {
            assertTrue(VmxExitRules.descriptorTableExits(dt, i));
            assertFalse(VmxExitRules.descriptorTableExits(dt.withActivateSecondaryControls(false), i));
        }
        assertEquals(ExitReason.GDTR_IDTR_ACCESS, DescriptorTableInstruction.LIDT.exitReason());
        assertEquals(ExitReason.LDTR_TR_ACCESS, DescriptorTableInstruction.LTR.exitReason());
        assertTrue(VmxExitRules.ioExits(zero.withUnconditionalIoExiting(true), 0x3F8));
        assertFalse(VmxExitRules.ioExits(zero, 0x3F8));
        assertTrue(VmxExitRules.hltExits(zero.withHltExiting(true)));
        assertFalse(VmxExitRules.hltExits(zero));
        assertTrue(VmxExitRules.cpuidExits(zero));
        assertTrue(VmxExitRules.xsetbvExits(zero));
        assertTrue(VmxExitRules.vmcallExits(zero));
        assertTrue(VmxExitRules.invdExits(zero));
        assertTrue(VmxExitRules.getsecExits(zero));
        assertFalse(VmxExitRules.invpcidExits(zero.withInvlpgExiting(true)), "needs enable INVPCID");
        assertTrue(VmxExitRules.invpcidExits(zero.withInvlpgExiting(true).withActivateSecondaryControls(true).withEnableInvpcid(true)));
    }

    @Test
    void exceptionBitmapAndPageFaultFilter() {
        Vmcs v = zero.withExceptionBitmap((1 << 6) | (1 << 14));
        assertTrue(VmxExitRules.exceptionExits(v, 6, 0));
        assertFalse(VmxExitRules.exceptionExits(v, 13, 0));
        assertTrue(VmxExitRules.exceptionExits(v, 14, 0b111), "mask 0, match 0: bit 14 decides");
        Vmcs userOnly = v.withPageFaultErrorCodeMask(4).withPageFaultErrorCodeMatch(4);
        assertTrue(VmxExitRules.exceptionExits(userOnly, 14, 4));
        assertFalse(VmxExitRules.exceptionExits(userOnly, 14, 0));
        Vmcs inverted = userOnly.withExceptionBitmap(0);
        assertTrue(VmxExitRules.exceptionExits(inverted, 14, 0), "bit 14 clear and no match: exits");
        assertTrue(VmxExitRules.nmiExits(zero.withNmiExiting(true)));
        assertTrue(VmxExitRules.externalInterruptExits(zero.withExternalInterruptExiting(true)));
        assertFalse(VmxExitRules.externalInterruptExits(zero));
    }

    @Test
    void windowAndTimerExits() {
        ArchRegs open = ArchRegs.zero().withRflags(Rflags.FIXED1 | Rflags.IF);
        Vmcs iw = zero.withInterruptWindowExiting(true);
        assertTrue(VmxExitRules.interruptWindowExitPending(iw, open));
        assertFalse(VmxExitRules.interruptWindowExitPending(iw, open.withBlockingBySti(true)));
        assertFalse(VmxExitRules.interruptWindowExitPending(iw, open.withRflags(Rflags.FIXED1)));
        Vmcs nw = zero.withNmiWindowExiting(true).withVirtualNmis(true).withNmiExiting(true);
        assertTrue(VmxExitRules.nmiWindowExitPending(nw, open));
        assertFalse(VmxExitRules.nmiWindowExitPending(nw, open.withBlockingByNmi(true)));
        assertFalse(VmxExitRules.nmiWindowExitPending(nw, open.withBlockingByMovSs(true)));
        assertTrue(VmxExitRules.preemptionTimerExpired(zero.withActivatePreemptionTimer(true)));
        assertFalse(VmxExitRules.preemptionTimerExpired(zero.withActivatePreemptionTimer(true).withPreemptionTimerValue(5)));
    }

    @Test
    void vmcsIsAValue() {
        Vmcs a = zero.withEptp(0x1000).withMsrBitmap(MsrBitmap.NO_EXITS.withExit(0x10, false, true));
        Vmcs b = zero.withMsrBitmap(MsrBitmap.NO_EXITS.withExit(0x10, false, true)).withEptp(0x1000);
        assertEquals(a, b);
        assertEquals(a.contentHash(3), b.contentHash(3));
        assertFalse(a.equals(a.withExitQualification(1)));
        assertEquals(0, zero.eptp(), "withers leave the original");
    }

    @Test
    void interruptionInfoEncoding() {
        int info = InterruptionInfo.encode(InterruptionInfo.TYPE_HARDWARE_EXCEPTION, 14, true);
        assertEquals(0x80000B0E, info);
        assertEquals(14, InterruptionInfo.vector(info));
        assertEquals(3, InterruptionInfo.type(info));
        assertTrue(InterruptionInfo.hasErrorCode(info));
        assertTrue(InterruptionInfo.valid(info));
    }
}
