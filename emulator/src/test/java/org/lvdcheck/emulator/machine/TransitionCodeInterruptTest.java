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
 * An interrupt that finds trusted code under a domain's EPT at a transition-code instruction with
 * every register the driver sets ⊤ (the state a driver's jump there makes) is delivered as one in
 * driver control: the frame saves RIP ⊤ (docs/MODEL.md, "Resuming in transition code"); with a
 * register of its own the trusted code keeps its RIP in the frame.
 */
class TransitionCodeInterruptTest {
    private static final int TIMER = 0xef;
    /** An instruction of lvd-hardened's .entry.text, which net's view executes (transition code). */
    private static final long ENTRY = 0xffffffff81000010L;

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
    void trustedCodeWithARegisterOfItsOwnKeepsItsRip() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(ENTRY, true)).state();
        var cpu = s.cpu(0);
        s = s.withCpu(0, cpu.withRegs(cpu.regs().withGpr(ArchRegs.RAX, 0).withTaint(ArchRegs.tGpr(ArchRegs.RAX), false)));
        Step st = m.next(s, new Action.Interrupt(0, TIMER));
        assertFalse(st.events().stream().anyMatch(e -> e instanceof Event.TransitionCodeInterrupted), st.events().toString());
        assertFalse(savedRipTop(m, st.state()));
        long rsp = st.state().cpu(0).regs().rsp();
        assertEquals(ENTRY, st.state().mem().read(m.hostAddress(st.state(), 0, rsp), 8), "RIP saved as it was");
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
