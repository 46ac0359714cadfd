package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;

/**
 * An interrupt that finds trusted code under a domain's EPT at a transition-code instruction (one
 * the driver's jumps reach), in a run the driver's jump entered, is delivered as one in driver
 * control, whatever the trusted code had computed there: the frame saves RIP ⊤, and every register a
 * driver move clobbers is ⊤ with the canonical value 0, the state the driver's jump there makes
 * (docs/MODEL.md, "Resuming in transition code"). Transition code the kernel entered keeps its
 * registers and RIP, unless every one is ⊤ already.
 */
class TransitionCodeInterruptTest {
    private static final int TIMER = 0xef;
    /** An instruction of lvd-hardened's .entry.text, which net's view executes (transition code). */
    private static final long ENTRY = 0xffffffff81000010L;
    /** The VMFUNC of the interrupt entry's VMFUNC_TO_KERNEL in lvd-hardened's .entry.text: a VMFUNC site of the driver's. */
    private static final long VMFUNC_SITE = 0xffffffff81000087L;

    @Test
    void theFrameSavesRipTopWhenTheDriversJumpMadeTheState() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(ENTRY, true)).state();
        assertTrue(m.transitionTarget(1, 0, ENTRY));
        assertFalse(m.inDriverCode(s, 0));
        Step st = m.next(s, new Action.Interrupt(0, TIMER));
        assertTrue(st.events().contains(new Event.TransitionCodeInterrupted(ENTRY)), st.events().toString());
        assertTrue(savedRipTop(m, st.state()), "the frame's RIP is ⊤");
        Event.Delivered d = (Event.Delivered) st.events().stream().filter(e -> e instanceof Event.Delivered)
                .findFirst().orElseThrow();
        assertTrue(d.interrupted().tainted(ArchRegs.T_RIP));
        long rsp = st.state().cpu(0).regs().rsp();
        long flags = st.state().mem().read(m.hostAddress(st.state(), 0, rsp + 16), 8);
        assertTrue((flags & org.lvdcheck.emulator.cpu.Rflags.IF) != 0, "the frame keeps IF = 1: 0x" + Long.toHexString(flags));
    }

    @Test
    void trustedCodeWithRegistersOfItsOwnIsInterruptedAsTheDriversJumpWouldLeaveIt() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(ENTRY, true)).state();
        var cpu = s.cpu(0);
        s = s.withCpu(0, cpu.withRegs(cpu.regs().withGpr(ArchRegs.RAX, 0x1234).withGpr(ArchRegs.RBX, 0xffff888003100800L)
                .withRflags(cpu.regs().rflags() | org.lvdcheck.emulator.cpu.Rflags.ZF).withTaint(ArchRegs.T_FLAGS, false)));
        Step st = m.next(s, new Action.Interrupt(0, TIMER));
        assertTrue(st.events().contains(new Event.TransitionCodeInterrupted(ENTRY)), st.events().toString());
        assertTrue(savedRipTop(m, st.state()), "the frame's RIP is ⊤");
        Event.Delivered d = (Event.Delivered) st.events().stream().filter(e -> e instanceof Event.Delivered)
                .findFirst().orElseThrow();
        ArchRegs r = d.interrupted();
        for (int n = 0; n < 16; n++) {
            assertTrue(r.gprTainted(n), "GPR " + n + " is the driver's");
            assertEquals(0, r.gpr(n), "GPR " + n + " holds the canonical 0 of ⊤");
        }
        assertTrue(r.tainted(ArchRegs.T_FLAGS));
        assertEquals(0, r.rflags() & ArchRegs.STATUS_FLAGS, "status flags canonical");
    }

    @Test
    void theMarkLastsExactlyWhileTheRunStaysInTransitionCode() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(ENTRY, false)).state();
        assertTrue(s.cpu(0).driverEntered());
        boolean left = false;
        for (int i = 0; i < 300 && !left; i++) {
            Action next = m.actions(s).stream().filter(a -> a.cpu() == 0 && !(a instanceof Action.Interrupt)
                    && !(a instanceof Action.KillIpi)).findFirst().orElseThrow();
            s = m.next(s, next).state();
            boolean inTransition = s.cpu(0).mode() == CpuMode.RUNNING && !s.cpu(0).regs().tainted(ArchRegs.T_RIP)
                    && m.transitionTarget(m.viewOf(s, 0), 0, s.cpu(0).regs().rip()) && !m.inDriverCode(s, 0);
            assertEquals(inTransition, s.cpu(0).driverEntered(), "step " + i + " at 0x" + Long.toHexString(s.cpu(0).regs().rip()));
            left = !inTransition;
        }
        assertTrue(left, "the entry text run left transition code under net's view");
    }

    @Test
    void theDriversJumpMarksTheRunAndADeliveryClearsTheMark() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState driver = inDriver(m);
        assertFalse(driver.cpu(0).driverEntered());
        MachineState s = move(m, driver, new DriverMove.Jump(ENTRY, true)).state();
        assertTrue(s.cpu(0).driverEntered(), "the jump entered transition code");
        Step st = m.next(s, new Action.Interrupt(0, TIMER));
        assertFalse(st.state().cpu(0).driverEntered(), "the handler's entry is not the driver's run");
    }

    @Test
    void theDriversVmfuncWithinItsViewMarksItsLandingRun() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState driver = inDriver(m);
        // The interrupt entry's VMFUNC_TO_KERNEL: the driver's VMFUNC there to net's own slot lands at the compare after it.
        MachineState s = move(m, driver, new DriverMove.Vmfunc(0, 1, VMFUNC_SITE)).state();
        assertEquals(1, m.viewOf(s, 0), "still net's view");
        assertEquals(VMFUNC_SITE + 3, s.cpu(0).regs().rip());
        assertTrue(s.cpu(0).driverEntered(), "the landing is the driver's run");
        Step st = m.next(s, new Action.Interrupt(0, TIMER));
        assertTrue(st.events().contains(new Event.TransitionCodeInterrupted(VMFUNC_SITE + 3)), st.events().toString());
        assertTrue(savedRipTop(m, st.state()), "the frame's RIP is ⊤");
        Event.Delivered d = (Event.Delivered) st.events().stream().filter(e -> e instanceof Event.Delivered)
                .findFirst().orElseThrow();
        assertTrue(d.interrupted().gprTainted(ArchRegs.RAX) && d.interrupted().gprTainted(ArchRegs.RCX),
                "the leaf and slot the move chose are the driver's too");
    }

    @Test
    void aVmfuncToTheKernelsViewOrAnotherDomainsOrOneThatFaultsMarksNothing() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState driver = inDriver(m);
        MachineState kernel = move(m, driver, new DriverMove.Vmfunc(0, 0, VMFUNC_SITE)).state();
        assertEquals(0, m.viewOf(kernel, 0));
        assertFalse(kernel.cpu(0).driverEntered(), "the kernel's view has no driver");
        MachineState blk = move(m, driver, new DriverMove.Vmfunc(0, 2, VMFUNC_SITE)).state();
        assertEquals(2, m.viewOf(blk, 0));
        assertTrue(m.transitionTarget(2, 0, VMFUNC_SITE + 3), "it lands in blk's transition code");
        assertFalse(blk.cpu(0).driverEntered(), "no driver holds a CPU in blk's view: its jumps there are no move");
        Step st = m.next(blk, new Action.Interrupt(0, TIMER));
        assertFalse(st.events().stream().anyMatch(e -> e instanceof Event.TransitionCodeInterrupted), st.events().toString());
        Step bad = move(m, driver, new DriverMove.Vmfunc(64, 0, VMFUNC_SITE));
        assertTrue(bad.events().stream().anyMatch(e -> e instanceof Event.Delivered), "leaf 64 raises #UD: " + bad.events());
        assertFalse(bad.state().cpu(0).driverEntered(), "the #UD handler's entry is not the driver's run");
    }

    @Test
    void transitionCodeTheKernelEnteredKeepsItsRegistersAndRip() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(ENTRY, true)).state();
        var cpu = s.cpu(0);
        s = s.withCpu(0, cpu.withDriverEntered(false).withRegs(cpu.regs().withGpr(ArchRegs.RAX, 0x1234)));
        Step st = m.next(s, new Action.Interrupt(0, TIMER));
        assertFalse(st.events().stream().anyMatch(e -> e instanceof Event.TransitionCodeInterrupted), st.events().toString());
        assertFalse(savedRipTop(m, st.state()));
        long rsp = st.state().cpu(0).regs().rsp();
        assertEquals(ENTRY, st.state().mem().read(m.hostAddress(st.state(), 0, rsp), 8), "RIP saved as it was");
        Event.Delivered d = (Event.Delivered) st.events().stream().filter(e -> e instanceof Event.Delivered)
                .findFirst().orElseThrow();
        assertEquals(0x1234, d.interrupted().gpr(ArchRegs.RAX));
        assertFalse(d.interrupted().gprTainted(ArchRegs.RAX));
    }

    @Test
    void interruptsAtTwoPointsOfOneTransitionCodeRunReachOneState() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState jumped = move(m, inDriver(m), new DriverMove.Jump(ENTRY, true)).state();
        var cpu = jumped.cpu(0);
        MachineState other = jumped.withCpu(0, cpu.withRegs(cpu.regs().withGpr(ArchRegs.RCX, 7).withGpr(ArchRegs.RSI, 0x42)));
        MachineState a = m.next(jumped, new Action.Interrupt(0, TIMER)).state();
        MachineState b = m.next(other, new Action.Interrupt(0, TIMER)).state();
        assertEquals(a, b, "what trusted code computed before the interrupt is not kept");
    }

    @Test
    void aDriverLabelIsNoTransitionTarget() throws Exception {
        Machine m = machine("lvd-hardened");
        assertFalse(m.transitionTarget(1, 0, 0xffffffffa0000000L), "net's own code");
        assertFalse(m.transitionTarget(0, 0, ENTRY), "the kernel's view has no driver");
    }

    private static boolean savedRipTop(Machine m, MachineState s) {
        long rsp = s.cpu(0).regs().rsp();
        long hpa = m.hostAddress(s, 0, rsp);
        assertTrue(hpa >= 0);
        return s.mem().isTainted(hpa, 8);
    }
}
