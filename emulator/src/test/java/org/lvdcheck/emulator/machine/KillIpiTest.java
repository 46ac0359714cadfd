package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.symbol;

import org.junit.jupiter.api.Test;

/**
 * Killing a domain while another CPU runs inside it (DESIGN.md §2): the killing CPU resumes
 * the kernel at once; the other CPU runs on in the domain until the hypervisor's kill IPI
 * arrives, and then resumes the kernel at the gate's error return — unless it already left.
 */
class KillIpiTest {
    /** CPU c's program action (never an interrupt, a kill IPI or a move). */
    private static Action program(Machine m, MachineState s, int c) {
        return m.actions(s).stream().filter(a -> a.cpu() == c && !(a instanceof Action.Interrupt)
                && !(a instanceof Action.Driver) && !(a instanceof Action.KillIpi)).findFirst().orElse(null);
    }

    private static MachineState runUntilInDriver(Machine m, MachineState s, int c) {
        for (int i = 0; i < 20_000 && !m.inDriverCode(s, c); i++) {
            Action a = program(m, s, c);
            if (a == null) {
                throw new AssertionError("cpu" + c + " has no program action");
            }
            s = m.next(s, a).state();
        }
        assertTrue(m.inDriverCode(s, c), "cpu" + c + " reaches the driver");
        return s;
    }

    /** lvd-hardened with both CPUs in net's driver, then CPU 0's driver makes an access its EPT refuses: a kill. */
    private static Step killWhileCpu1Inside(Machine m) {
        MachineState s = runUntilInDriver(m, m.initial(), 1);
        s = runUntilInDriver(m, s, 0);
        return CompromisedRig.move(m, s, new DriverMove.EptViolation());
    }

    @Test
    void theOtherCpuRunsInTheDomainUntilTheKillIpiArrives() throws Exception {
        Machine m = machine("lvd-hardened");
        int net = m.system().views().indexOf("net");
        long errorReturn = symbol(m, "kernel", "lvd_gate_error_return");
        Step kill = killWhileCpu1Inside(m);
        event(kill.events(), Event.Killed.class);
        MachineState s = kill.state();
        assertEquals(errorReturn, s.cpu(0).regs().rip(), "the killing CPU resumes at once");
        assertEquals(0, m.viewOf(s, 0));
        assertEquals(net, m.viewOf(s, 1), "cpu1 is still under net's EPT");
        assertEquals(CpuMode.RUNNING, s.cpu(1).mode());
        assertTrue(s.killIpiPending(1) && !s.killIpiPending(0));
        assertTrue(m.actions(s).contains(new Action.KillIpi(1)), "the kill IPI can arrive at cpu1");
        Step ipi = m.next(s, new Action.KillIpi(1));
        assertTrue(event(ipi.events(), Event.KillIpiTaken.class).resumed());
        CpuState cpu1 = ipi.state().cpu(1);
        assertEquals(errorReturn, cpu1.regs().rip(), "cpu1 resumes the kernel at the gate's error return");
        assertEquals(0, m.viewOf(ipi.state(), 1), "under the kernel's EPT");
        assertEquals(CpuMode.RUNNING, cpu1.mode());
        assertFalse(ipi.state().killIpiPending(1));
        assertFalse(m.actions(ipi.state()).contains(new Action.KillIpi(1)), "it arrives once");
    }

    @Test
    void aKillIpiAfterTheCpuLeftTheDomainChangesNothing() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = killWhileCpu1Inside(m).state();
        // cpu1 left before the IPI arrived: a VMFUNC to the kernel's slot (still valid) switched its EPTP.
        CpuState cpu1 = s.cpu(1);
        MachineState left = s.withCpu(1, cpu1.withVmcs(cpu1.vmcs().withEptp(m.system().eptps()[0][1]).withEptpIndex(0)));
        assertEquals(0, m.viewOf(left, 1));
        Step ipi = m.next(left, new Action.KillIpi(1));
        assertFalse(event(ipi.events(), Event.KillIpiTaken.class).resumed());
        assertEquals(left.cpu(1), ipi.state().cpu(1), "the guest resumes where it was");
        assertEquals(left.withKillIpi(1, false), ipi.state());
    }
}
