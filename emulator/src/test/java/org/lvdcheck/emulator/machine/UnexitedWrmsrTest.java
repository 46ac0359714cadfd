package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;

/**
 * The driver's WRMSR of IA32_LSTAR on the seeded fault {@code fault-msr-lstar} (lvd-hardened whose
 * MSR bitmap lets LSTAR through): no VM exit, and the write is the attacker's, reported as an
 * unexited MSR write (INV4's evidence), not a #GP for an MSR the model does not keep. A WRMSR of
 * an MSR the bitmap intercepts still exits and kills the domain.
 */
class UnexitedWrmsrTest {
    static final long LSTAR = 0xC0000082L;
    static final long STAR = 0xC0000081L;

    @Test
    void lstarPassedThroughIsTheDriversWrite() throws Exception {
        Machine m = machine("fault-msr-lstar");
        MachineState s = inDriver(m);
        Step st = move(m, s, new DriverMove.Privileged(DriverMove.Kind.WRMSR, LSTAR));
        assertTrue(st.events().stream().noneMatch(e -> e instanceof Event.VmExit || e instanceof Event.Fault),
                st.events().toString());
        Event.DriverControl dc = event(st.events(), Event.DriverControl.class);
        assertTrue(dc.unexitedMsrWrite(), dc.why());
        assertTrue(dc.why().contains("0xc0000082"), dc.why());
        assertTrue(st.state().cpu(0).regs().tainted(ArchRegs.T_RIP), "the driver goes on at a ⊤ RIP");
        assertSame(CpuMode.RUNNING, st.state().cpu(0).mode());
    }

    @Test
    void anInterceptedMsrStillExitsAndKills() throws Exception {
        Machine m = machine("fault-msr-lstar");
        Step st = move(m, inDriver(m), new DriverMove.Privileged(DriverMove.Kind.WRMSR, STAR));
        assertEquals(32, event(st.events(), Event.VmExit.class).reason());
        event(st.events(), Event.Killed.class);
    }

    @Test
    void lvdHardenedInterceptsLstar() throws Exception {
        Machine m = machine("lvd-hardened");
        Step st = move(m, inDriver(m), new DriverMove.Privileged(DriverMove.Kind.WRMSR, LSTAR));
        assertEquals("kill", event(st.events(), Event.VmExit.class).decision());
    }
}
