package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.vmx.Vmcs;

class ArrivalRulesTest {
    final ArchRegs open = ArchRegs.zero().withRflags(Rflags.FIXED1 | Rflags.IF);
    final ArchRegs closed = ArchRegs.zero();
    final Lapic pending = Lapic.reset(0).request(0x41);

    @Test
    void externalInterruptsNeedIfAndNoShadow() {
        assertEquals(0x41, ArrivalRules.externalInterruptToTake(open, pending));
        assertEquals(-1, ArrivalRules.externalInterruptToTake(closed, pending));
        assertEquals(-1, ArrivalRules.externalInterruptToTake(open.withBlockingByMovSs(true), pending));
        assertEquals(-1, ArrivalRules.externalInterruptToTake(open.withActivity(ActivityState.SHUTDOWN), pending));
        assertEquals(0x41, ArrivalRules.externalInterruptToTake(open.withActivity(ActivityState.HLT), pending), "HLT wakes");
    }

    @Test
    void stiShadowLastsOneInstructionAndOnlyWhenIfWasClear() {
        ArchRegs afterSti = ArrivalRules.afterSti(closed);
        assertTrue((afterSti.rflags() & Rflags.IF) != 0);
        assertTrue(afterSti.blockingBySti());
        assertFalse(ArrivalRules.maskableInterruptsEnabled(afterSti), "blocked on the boundary after STI");
        assertTrue(ArrivalRules.canTakeNmi(afterSti), "the STI shadow does not hold NMIs here");
        ArchRegs next = ArrivalRules.endOfShadow(afterSti);
        assertTrue(ArrivalRules.maskableInterruptsEnabled(next));
        assertFalse(ArrivalRules.afterSti(open).blockingBySti(), "STI with IF already 1 opens no shadow");
    }

    @Test
    void movSsShadowBlocksInterruptsAndNmis() {
        ArchRegs s = ArrivalRules.afterMovSs(open);
        assertFalse(ArrivalRules.maskableInterruptsEnabled(s));
        assertFalse(ArrivalRules.canTakeNmi(s));
        assertTrue(ArrivalRules.canTakeMachineCheck(s));
        ArchRegs next = ArrivalRules.endOfShadow(s);
        assertTrue(ArrivalRules.maskableInterruptsEnabled(next));
        assertTrue(ArrivalRules.canTakeNmi(next));
    }

    @Test
    void nmisIgnoreIfButNotNmiBlocking() {
        assertTrue(ArrivalRules.canTakeNmi(closed));
        assertFalse(ArrivalRules.canTakeNmi(closed.withBlockingByNmi(true)));
        assertTrue(ArrivalRules.canTakeNmi(ArrivalRules.afterIret(closed.withBlockingByNmi(true), null)));
        assertFalse(ArrivalRules.canTakeMachineCheck(closed.withActivity(ActivityState.SHUTDOWN)));
    }

    @Test
    void vmxNmiVariants() {
        Vmcs virtualNmis = Vmcs.zero().withNmiExiting(true).withVirtualNmis(true);
        Vmcs nmiExitingOnly = Vmcs.zero().withNmiExiting(true);
        ArchRegs blocked = closed.withBlockingByNmi(true);
        assertTrue(ArrivalRules.canTakeNmi(blocked, virtualNmis), "with virtual NMIs bit 3 is virtual-NMI blocking");
        assertFalse(ArrivalRules.canTakeNmi(blocked, nmiExitingOnly));
        assertTrue(ArrivalRules.afterIret(blocked, nmiExitingOnly).blockingByNmi(), "NMI exiting: IRET does not unblock");
        assertFalse(ArrivalRules.afterIret(blocked, virtualNmis).blockingByNmi(), "IRET clears virtual-NMI blocking");
        assertFalse(ArrivalRules.canTakeNmi(blocked.withBlockingByMovSs(false).withBlockingByMovSs(true), virtualNmis));
    }

    @Test
    void externalInterruptExitingIgnoresIf() {
        Vmcs v = Vmcs.zero().withExternalInterruptExiting(true);
        assertTrue(ArrivalRules.externalInterruptExitsNow(closed, v));
        assertFalse(ArrivalRules.externalInterruptExitsNow(closed.withBlockingBySti(true), v));
        assertFalse(ArrivalRules.externalInterruptExitsNow(closed, Vmcs.zero()));
    }
}
