package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.allTainted;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;
import static org.lvdcheck.emulator.machine.CompromisedRig.symbol;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;

/**
 * Clobber (DESIGN.md §3): every move that leaves the driver sets each register the move does
 * not fix to ⊤, so a restore trusted code forgot shows. XCR0 and the control flags stay.
 */
class ClobberTest {
    private static final long GPRS_BUT_RSP = ArchRegs.T_GPRS & ~ArchRegs.tGpr(ArchRegs.RSP);
    /** What a move clobbers besides the GPRs on lvd-hardened, whose VMCS sets MOV-DR exiting: the debug registers stay. */
    private static final long NOT_GPRS = Adversary.CLOBBERED & ~ArchRegs.T_GPRS & ~ArchRegs.T_DR;
    private static final long CLOBBERED_WITH_MOV_DR_EXITING = Adversary.CLOBBERED & ~ArchRegs.T_DR;

    static long springboardVmfunc(Machine m) {
        var img = m.system().images().get("net");
        long lo = img.sectionStart(".vmfunc.springboard.text");
        return img.instructions().stream().filter(p -> p.address() >= lo && p.insn().mnemonic() == Mnemonic.VMFUNC)
                .mapToLong(PlacedInstruction::address).min().orElseThrow();
    }

    @Test
    void aJumpClobbersEveryRegisterButTheTargetAndIf() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        ArchRegs before = s.cpu(0).regs();
        long target = symbol(m, "net", "vmfunc_springboard_entry");
        for (boolean irqs : new boolean[] {false, true}) {
            ArchRegs r = move(m, s, new DriverMove.Jump(target, irqs)).state().cpu(0).regs();
            assertTrue(allTainted(r, CLOBBERED_WITH_MOV_DR_EXITING), Long.toHexString(r.taintMask()));
            assertFalse(r.tainted(ArchRegs.T_DR), "MOV-DR exits: the driver cannot change the debug registers");
            assertFalse(r.tainted(ArchRegs.T_RIP));
            assertEquals(target, r.rip());
            assertEquals(irqs, (r.rflags() & Rflags.IF) != 0);
            assertFalse(r.tainted(ArchRegs.T_XCR0), "XCR0 changes only through XSETBV, which exits");
            assertEquals(before.xcr0(), r.xcr0());
            assertEquals(before.rflags() & Rflags.DF, r.rflags() & Rflags.DF, "DF stays as the driver left it");
            assertEquals(before.cr3(), r.cr3());
        }
    }

    @Test
    void withoutMovDrExitingTheDebugRegistersAreClobberedToo() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        MachineState noDr = s.withCpu(0, s.cpu(0).withVmcs(s.cpu(0).vmcs().withMovDrExiting(false)));
        long target = symbol(m, "net", "vmfunc_springboard_entry");
        ArchRegs r = move(m, noDr, new DriverMove.Jump(target, false)).state().cpu(0).regs();
        assertTrue(allTainted(r, Adversary.CLOBBERED), Long.toHexString(r.taintMask()));
    }

    @Test
    void aVmfuncMoveFixesEaxAndEcxAndLandsThreeBytesOnInTheOtherView() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        long site = springboardVmfunc(m);
        Step st = move(m, s, new DriverMove.Vmfunc(0, 0, site));
        assertEquals("kernel", event(st.events(), Event.Crossing.class).to());
        ArchRegs r = st.state().cpu(0).regs();
        assertEquals(0, m.viewOf(st.state(), 0));
        assertEquals(site + 3, r.rip());
        assertFalse(r.gprTainted(ArchRegs.RAX));
        assertFalse(r.gprTainted(ArchRegs.RCX));
        assertEquals(0, r.gpr(ArchRegs.RCX));
        assertTrue(allTainted(r, GPRS_BUT_RSP & ~ArchRegs.tGpr(ArchRegs.RAX) & ~ArchRegs.tGpr(ArchRegs.RCX)));
        assertTrue(r.gprTainted(ArchRegs.RSP), "the driver's stack pointer");
        assertTrue(allTainted(r, NOT_GPRS));
    }

    @Test
    void anInterruptInDriverCodeFindsTheRegistersClobberedUnlessTheSemanticsIsConcrete() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        Step st = m.next(s, new Action.Interrupt(0, 0xef));
        ArchRegs r = st.state().cpu(0).regs();
        assertEquals(symbol(m, "kernel", "apic_timer_interrupt"), r.rip());
        assertFalse(r.gprTainted(ArchRegs.RSP), "the IST stack");
        assertTrue(allTainted(r, GPRS_BUT_RSP | NOT_GPRS));
        Machine concrete = new Machine(m.system(), m.initial());
        ArchRegs c = concrete.next(s, new Action.Interrupt(0, 0xef)).state().cpu(0).regs();
        assertEquals(0, c.taintMask(), "emulate runs the benign program: nothing is clobbered");
    }

    @Test
    void theKillOfAPrivilegedMoveResumesTheKernelWithTheDriversRegistersClobbered() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        Step st = move(m, s, new DriverMove.Privileged(DriverMove.Kind.WRMSR, 0xC0000082L));
        event(st.events(), Event.Killed.class);
        ArchRegs r = st.state().cpu(0).regs();
        assertEquals(symbol(m, "kernel", "lvd_gate_error_return"), r.rip());
        assertFalse(r.gprTainted(ArchRegs.RSP), "the kernel stack the gate saved");
        assertTrue(allTainted(r, GPRS_BUT_RSP & ~ArchRegs.tGpr(ArchRegs.RCX)),
                "the gate's error return must not trust one of them");
        assertEquals(0xC0000082L, r.gpr(ArchRegs.RCX), "the move's MSR index");
        assertFalse(r.tainted(ArchRegs.T_GS_BASE), "the kill path loads the kernel's GS base");
    }

    @Test
    void aRaisedExceptionIsDeliveredFromClobberedRegistersOnTheDomainsStack() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        Step st = move(m, s, new DriverMove.Raise(6));
        ArchRegs r = st.state().cpu(0).regs();
        assertEquals(symbol(m, "kernel", "invalid_op"), r.rip());
        assertTrue(r.gprTainted(ArchRegs.RSP), "#UD has no IST: the frame went where the driver's RSP points");
        long istFrame = 0x2004000L >>> 12;
        assertTrue(st.state().mem().domainWrote(istFrame),
                "a push through the driver's RSP may land in any frame it can write on this CPU");
    }
}
