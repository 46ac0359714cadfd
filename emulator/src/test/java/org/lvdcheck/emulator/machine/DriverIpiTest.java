package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compromised driver's WRMSR to the x2APIC ICR with values of its choice. As built the
 * hypervisor emulates the write for the domain and the IPI is sent; hardened the exit kills the
 * domain and nothing is sent.
 */
class DriverIpiTest {
    /** NMI delivery (100B) to APIC ID 1: cpu1. */
    static final DriverMove NMI_TO_CPU1 = new DriverMove.IcrWrite(1L << 32 | 4 << 8 | 2);

    @Test
    void theDriverChoosesEachDestinationNmiAndDeclaredVector() throws Exception {
        Machine m = machine("lvd-as-built");
        List<String> icr = m.actions(inDriver(m)).stream()
                .filter(a -> a instanceof Action.Driver d && d.move() instanceof DriverMove.IcrWrite)
                .map(a -> ((Action.Driver) a).move().toString()).toList();
        assertEquals(List.of("wrmsr ICR: NMI to cpu0", "wrmsr ICR: vector 0x31 to cpu0", "wrmsr ICR: vector 0xef to cpu0",
                "wrmsr ICR: NMI to cpu1", "wrmsr ICR: vector 0x31 to cpu1", "wrmsr ICR: vector 0xef to cpu1"), icr);
        assertFalse(m.actions(inDriver(m)).contains(new Action.Driver(0,
                new DriverMove.Privileged(DriverMove.Kind.WRMSR, 0x830))), "no WRMSR of ⊤ to the ICR");
    }

    @Test
    void asBuiltTheHypervisorSendsTheDriversNmiToTheOtherCpu() throws Exception {
        Machine m = machine("lvd-as-built");
        MachineState s = inDriver(m);
        assertFalse(s.cpu(1).lapic().nmiPending());
        Step st = move(m, s, NMI_TO_CPU1);
        Event.VmExit x = event(st.events(), Event.VmExit.class);
        assertEquals(32, x.reason());
        assertEquals("log-emulate", x.decision());
        assertTrue(st.state().cpu(1).lapic().nmiPending(), "an NMI is pending at cpu1");
        assertFalse(st.state().cpu(0).lapic().nmiPending());
        assertEquals(0, st.state().killedDomains());
    }

    @Test
    void asBuiltAFixedIpiToItselfIsRequested() throws Exception {
        Machine m = machine("lvd-as-built");
        Step st = move(m, inDriver(m), new DriverMove.IcrWrite(0x31));
        assertTrue(st.state().cpu(0).lapic().irr().contains(0x31), st.events().toString());
    }

    @Test
    void hardenedTheWriteKillsTheDomainAndSendsNothing() throws Exception {
        Machine m = machine("lvd-hardened");
        Step st = move(m, inDriver(m), NMI_TO_CPU1);
        assertEquals("kill", event(st.events(), Event.VmExit.class).decision());
        event(st.events(), Event.Killed.class);
        for (CpuState c : st.state().cpus()) {
            assertFalse(c.lapic().nmiPending(), "no NMI pending");
            assertTrue(c.lapic().irr().isEmpty(), "no vector requested");
        }
    }
}
