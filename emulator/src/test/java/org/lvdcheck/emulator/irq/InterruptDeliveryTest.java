package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.PagedLinearMemory;

class InterruptDeliveryTest {
    static final OptionalLong NONE = OptionalLong.empty();
    final IdtRig rig = new IdtRig();

    DeliveryResult deliver(ArchRegs regs, int vector, OptionalLong err, EventKind kind) {
        return InterruptDelivery.deliver(regs, vector, err, kind, rig.linear(regs));
    }

    DeliveryResult.Delivered delivered(DeliveryResult r) {
        return assertInstanceOf(DeliveryResult.Delivered.class, r);
    }

    DeliveryResult.Fault fault(DeliveryResult r, int vector, long errorCode) {
        DeliveryResult.Fault f = assertInstanceOf(DeliveryResult.Fault.class, r);
        assertEquals(vector, f.vector(), "vector");
        assertEquals(errorCode, f.errorCode(), "error code");
        return f;
    }

    long stack(PhysMem m, long linear) {
        return m.read(rig.hpa(linear), 8);
    }

    @Test
    void interruptGateSameCplPushesAlignedFrameAndClearsIf() {
        ArchRegs k = rig.kernel().withRflags(Rflags.FIXED1 | Rflags.IF | Rflags.TF | Rflags.NT | Rflags.RF | Rflags.CF);
        PagedLinearMemory lm = rig.linear(k);
        DeliveryResult.Delivered d = delivered(InterruptDelivery.deliver(k, 32, NONE, EventKind.EXTERNAL, lm));
        long aligned = (IdtRig.KSTACK_TOP - 0x108) & ~0xFL;
        assertEquals(aligned - 40, d.regs().rsp(), "five 8-byte pushes below the 16-byte-aligned RSP");
        PhysMem m = rig.memoryAfter(lm);
        assertEquals(IdtRig.KDS, stack(m, aligned - 8), "SS");
        assertEquals(IdtRig.KSTACK_TOP - 0x108, stack(m, aligned - 16), "old RSP, unaligned");
        assertEquals(k.rflags(), stack(m, aligned - 24), "RFLAGS as before delivery");
        assertEquals(IdtRig.KCS, stack(m, aligned - 32), "CS");
        assertEquals(k.rip(), stack(m, aligned - 40), "RIP");
        assertEquals(IdtRig.HANDLER, d.regs().rip());
        assertEquals(IdtRig.KCS, d.regs().cs().selector());
        assertEquals(Rflags.FIXED1 | Rflags.CF, d.regs().rflags(), "IF, TF, NT, RF cleared");
        assertEquals(k.ss(), d.regs().ss(), "no CPL change: SS unchanged");
        assertEquals(5, d.writes().size());
    }

    @Test
    void trapGateKeepsIf() {
        DeliveryResult.Delivered d = delivered(deliver(rig.kernel(), 33, NONE, EventKind.EXTERNAL));
        assertTrue((d.regs().rflags() & Rflags.IF) != 0);
        assertEquals(IdtRig.HANDLER + 0x100, d.regs().rip());
    }

    @Test
    void cplChangeSwitchesToRsp0AndLoadsNullSs() {
        ArchRegs u = rig.user();
        PagedLinearMemory lm = rig.linear(u);
        DeliveryResult.Delivered d = delivered(InterruptDelivery.deliver(u, 32, NONE, EventKind.EXTERNAL, lm));
        assertEquals(IdtRig.KSTACK_TOP - 40, d.regs().rsp());
        assertEquals(0, d.regs().cpl());
        assertEquals(0, d.regs().ss().selector(), "null SS with RPL = new CPL 0");
        assertTrue(d.regs().ss().unusable());
        PhysMem m = rig.memoryAfter(lm);
        assertEquals(IdtRig.UDS, stack(m, IdtRig.KSTACK_TOP - 8));
        assertEquals(IdtRig.USTACK_TOP - 0x18, stack(m, IdtRig.KSTACK_TOP - 16));
        assertEquals(IdtRig.UCS, stack(m, IdtRig.KSTACK_TOP - 32));
    }

    @Test
    void istAlwaysSwitchesStacksEvenWithoutCplChange() {
        ArchRegs k = rig.kernel();
        long ist5Top = IdtRig.IST_STACK_BASE + 5 * 0x1000L + 0x1000;
        DeliveryResult.Delivered d = delivered(deliver(k, 34, NONE, EventKind.EXTERNAL));
        assertEquals(ist5Top - 40, d.regs().rsp());
        // A nested arrival on the same vector reuses the IST slot: the frame lands at the same place.
        PagedLinearMemory lm2 = rig.linear(d.regs());
        ArchRegs nested = d.regs().withRflags(Rflags.FIXED1 | Rflags.IF).withRip(IdtRig.HANDLER + 0x210);
        DeliveryResult.Delivered again = delivered(InterruptDelivery.deliver(nested, 34, NONE, EventKind.EXTERNAL, lm2));
        assertEquals(ist5Top - 40, again.regs().rsp());
        assertEquals(IdtRig.HANDLER + 0x210, stack(rig.memoryAfter(lm2), ist5Top - 40), "the first frame was overwritten");
    }

    @Test
    void istFromUserModeAlsoUsesTheIstSlot() {
        DeliveryResult.Delivered d = delivered(deliver(rig.user(), 34, NONE, EventKind.EXTERNAL));
        assertEquals(IdtRig.IST_STACK_BASE + 5 * 0x1000L + 0x1000 - 40, d.regs().rsp());
    }

    @Test
    void errorCodeIsPushedLast() {
        ArchRegs k = rig.kernel();
        PagedLinearMemory lm = rig.linear(k);
        DeliveryResult.Delivered d = delivered(InterruptDelivery.deliver(k, Vectors.GP, OptionalLong.of(0x1234), EventKind.EXCEPTION, lm));
        long aligned = (IdtRig.KSTACK_TOP - 0x108) & ~0xFL;
        assertEquals(aligned - 48, d.regs().rsp());
        assertEquals(0x1234, stack(rig.memoryAfter(lm), aligned - 48));
    }

    @Test
    void nmiDeliverySetsNmiBlockingAndIretClearsIt() {
        ArchRegs k = rig.kernel();
        assertTrue(ArrivalRules.canTakeNmi(k));
        DeliveryResult.Delivered d = delivered(deliver(k, Vectors.NMI, NONE, EventKind.NMI));
        assertTrue(d.regs().blockingByNmi());
        assertFalse(ArrivalRules.canTakeNmi(d.regs()), "a second NMI waits");
        assertEquals(IdtRig.IST_STACK_BASE + 2 * 0x1000L + 0x1000 - 40, d.regs().rsp(), "NMI uses IST 2");
        ArchRegs afterIret = ArrivalRules.afterIret(d.regs(), null);
        assertTrue(ArrivalRules.canTakeNmi(afterIret));
        ArchRegs ext = delivered(deliver(k, 32, NONE, EventKind.EXTERNAL)).regs();
        assertFalse(ext.blockingByNmi(), "only NMI delivery blocks NMIs");
    }

    @Test
    void deliveryWakesFromHltAndEndsShadows() {
        ArchRegs halted = rig.kernel().withActivity(ActivityState.HLT).withBlockingBySti(true);
        DeliveryResult.Delivered d = delivered(deliver(halted, 32, NONE, EventKind.EXTERNAL));
        assertEquals(ActivityState.ACTIVE, d.regs().activity());
        assertFalse(d.regs().blockingBySti());
    }

    @Test
    void accessedBitOfTheCsDescriptorIsSetThroughPaging() {
        rig.gdt(IdtRig.KCS, 0x00af9a000000ffffL);
        ArchRegs k = rig.kernel();
        PagedLinearMemory lm = rig.linear(k);
        DeliveryResult.Delivered d = delivered(InterruptDelivery.deliver(k, 32, NONE, EventKind.EXTERNAL, lm));
        assertEquals(0x00af9b000000ffffL, rig.memoryAfter(lm).read(rig.hpa(IdtRig.GDT) + IdtRig.KCS, 8));
        assertEquals(new LinearWrite(IdtRig.GDT + IdtRig.KCS + 5, 1, 0x9B), d.writes().get(0));
        assertEquals(6, d.writes().size());
    }

    @Test
    void idtLimitExceededIsGpWithIdtAndExtBits() {
        ArchRegs k = rig.kernel().withIdtr(new DescriptorTableReg(IdtRig.IDT, 32 * 16 + 14));
        fault(deliver(k, 32, NONE, EventKind.EXTERNAL), Vectors.GP, 32 * 8 + 2 + 1);
        fault(deliver(k, 32, NONE, EventKind.SOFTWARE), Vectors.GP, 32 * 8 + 2);
    }

    @Test
    void softwareInterruptChecksGateDpl() {
        fault(deliver(rig.user(), 32, NONE, EventKind.SOFTWARE), Vectors.GP, 32 * 8 + 2);
        delivered(deliver(rig.user(), 0x80, NONE, EventKind.SOFTWARE));
        delivered(deliver(rig.user(), 32, NONE, EventKind.EXTERNAL));
    }

    @Test
    void badGateTypeIsGp() {
        rig.setGateLow(32, rig.gateLow(32) & ~(0xFL << 40) | (0xCL << 40));
        fault(deliver(rig.kernel(), 32, NONE, EventKind.EXTERNAL), Vectors.GP, 32 * 8 + 3);
    }

    @Test
    void csChecks() {
        rig.setGateLow(32, rig.gateLow(32) & ~(0xFFFFL << 16));
        fault(deliver(rig.kernel(), 32, NONE, EventKind.EXTERNAL), Vectors.GP, 1);
        IdtRig r2 = new IdtRig();
        r2.gdt(IdtRig.KCS, 0x00af1b000000ffffL); // not present
        fault(InterruptDelivery.deliver(r2.kernel(), 32, NONE, EventKind.EXTERNAL, r2.linear(r2.kernel())), Vectors.NP, IdtRig.KCS + 1);
        IdtRig r3 = new IdtRig();
        r3.gdt(IdtRig.KCS, 0x00cf93000000ffffL); // a data segment
        fault(InterruptDelivery.deliver(r3.kernel(), 32, NONE, EventKind.EXTERNAL, r3.linear(r3.kernel())), Vectors.GP, IdtRig.KCS + 1);
        IdtRig r4 = new IdtRig();
        r4.gdt(IdtRig.KCS, 0x00ef9b000000ffffL); // L=1 and D=1
        fault(InterruptDelivery.deliver(r4.kernel(), 32, NONE, EventKind.EXTERNAL, r4.linear(r4.kernel())), Vectors.GP, IdtRig.KCS + 1);
        IdtRig r5 = new IdtRig();
        r5.gate(32, IdtRig.HANDLER, 0xE, 0, 0);
        r5.setGateLow(32, (r5.gateLow(32) & ~(0xFFFFL << 16)) | ((long) (0x100 | 0) << 16)); // selector beyond the GDT limit
        fault(InterruptDelivery.deliver(r5.kernel(), 32, NONE, EventKind.EXTERNAL, r5.linear(r5.kernel())), Vectors.GP, 0x100 + 1);
    }

    @Test
    void nonCanonicalTargetIsGp() {
        rig.gate(32, 0x0000_8000_0000_0000L, 0xE, 0, 0);
        fault(deliver(rig.kernel(), 32, NONE, EventKind.EXTERNAL), Vectors.GP, 1);
    }

    @Test
    void istSlotBeyondTssLimitIsTs() {
        ArchRegs k = rig.kernel().withTr(rig.kernel().tr().withLimit(0x40));
        fault(deliver(k, 34, NONE, EventKind.EXTERNAL), Vectors.TS, IdtRig.TR_SEL + 1);
    }

    @Test
    void unmappedStackGivesPageFaultWithCr2() {
        ArchRegs k = rig.kernel().withRsp(0xFFFF_FE00_0100_0000L);
        DeliveryResult.Fault f = fault(deliver(k, 32, NONE, EventKind.EXTERNAL), Vectors.PF, 2);
        assertEquals(0xFFFF_FE00_0100_0000L - 8, f.regs().cr2());
    }

    @Test
    void pageFaultWhileDeliveringAPageFaultIsADoubleFault() {
        ArchRegs k = rig.kernel().withRsp(0xFFFF_FE00_0100_0000L);
        DeliveryResult.Fault f = fault(deliver(k, Vectors.PF, OptionalLong.of(2), EventKind.EXCEPTION), Vectors.DF, 0);
        DeliveryResult.Delivered df = delivered(deliver(f.regs(), Vectors.DF, OptionalLong.of(0), EventKind.EXCEPTION));
        assertEquals(IdtRig.IST_STACK_BASE + 0x1000 + 0x1000 - 48, df.regs().rsp(), "#DF on IST 1 with an error code");
        fault(deliver(k, Vectors.GP, OptionalLong.of(0), EventKind.EXCEPTION), Vectors.PF, 2 + 0);
        ArchRegs shortIdt = rig.kernel().withIdtr(new DescriptorTableReg(IdtRig.IDT, 13 * 16));
        fault(deliver(shortIdt, Vectors.GP, OptionalLong.of(0), EventKind.EXCEPTION), Vectors.DF, 0);
        fault(deliver(shortIdt, 32, NONE, EventKind.EXTERNAL), Vectors.GP, 32 * 8 + 3);
    }

    @Test
    void faultWhileDeliveringADoubleFaultShutsDown() {
        rig.setGateLow(Vectors.DF, rig.gateLow(Vectors.DF) & ~(1L << 47));
        assertInstanceOf(DeliveryResult.TripleFault.class, deliver(rig.kernel(), Vectors.DF, OptionalLong.of(0), EventKind.EXCEPTION));
    }

    @Test
    void eptRefusalOnTheStackIsAVmExitWithTheEventBeingDelivered() {
        rig.ept.protect(rig.hpa(IdtRig.KSTACK_TOP - 0x1000), 0x1000, EptEntry.R);
        DeliveryResult.EptExit x = assertInstanceOf(DeliveryResult.EptExit.class, deliver(rig.kernel(), 32, NONE, EventKind.EXTERNAL));
        assertEquals(32, x.vector());
        assertEquals(EventKind.EXTERNAL, x.kind());
        EptResult.Violation v = assertInstanceOf(EptResult.Violation.class, x.exit().ept());
        assertTrue(v.write() && v.linearValid() && v.toLinearTranslation());
        assertEquals(((IdtRig.KSTACK_TOP - 0x108) & ~0xFL) - 8, x.exit().linear());
    }

    @Test
    void eptRefusalOfTheIdtReadIsAVmExit() {
        rig.ept.protect(IdtRig.IDT_GPA, 0x1000, EptEntry.X);
        DeliveryResult.EptExit x = assertInstanceOf(DeliveryResult.EptExit.class, deliver(rig.kernel(), 32, NONE, EventKind.EXTERNAL));
        assertEquals(IdtRig.IDT + 32 * 16, x.exit().linear());
        assertTrue(((EptResult.Violation) x.exit().ept()).read());
    }
}
