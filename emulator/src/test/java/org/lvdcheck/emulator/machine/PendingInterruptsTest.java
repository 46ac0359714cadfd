package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.irq.ArrivalRules;
import org.lvdcheck.emulator.irq.Lapic;

/**
 * What a LAPIC holds pending arrives as an {@link Action.Interrupt}: a fixed vector where maskable
 * interrupts are enabled and its priority class is above the PPR (SDM Vol. 3A 10.8.3.1, TPR = CR8·16),
 * a pending NMI where an NMI may arrive; whether or not the spec declares the vector (0x40 here
 * is not declared). An ICR write routes the IPI to its destinations.
 */
class PendingInterruptsTest {
    private static final int UNDECLARED = 0x40;

    /** CPU 0 of lvd-as-built running the kernel (its first thread scheduled), with {@code lapic} and RFLAGS.IF as given. */
    private static MachineState running(Machine m, Lapic lapic, boolean interruptsOn) {
        MachineState s = m.next(m.initial(), new Action.Execute(0)).state();
        assertEquals(CpuMode.RUNNING, s.cpu(0).mode());
        ArchRegs r = s.cpu(0).regs();
        long flags = interruptsOn ? r.rflags() | Rflags.IF : r.rflags() & ~Rflags.IF;
        r = r.withRflags(flags).withBlockingBySti(false).withBlockingByMovSs(false).withBlockingByNmi(false);
        return s.withCpu(0, s.cpu(0).withRegs(r).withLapic(lapic));
    }

    private static boolean arrives(Machine m, MachineState s, int vector) {
        return m.actions(s).contains(new Action.Interrupt(0, vector));
    }

    private static MachineState withCr8(MachineState s, long cr8) {
        return s.withCpu(0, s.cpu(0).withRegs(s.cpu(0).regs().withCr8(cr8)));
    }

    @Test
    void aPendingFixedVectorWaitsForIfAndThenIsAcknowledged() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        Lapic pending = Lapic.reset(0).request(UNDECLARED);
        assertFalse(arrives(m, running(m, pending, false), UNDECLARED), "IF = 0 holds it off");
        MachineState s = running(m, pending, true);
        assertTrue(arrives(m, s, UNDECLARED), "IF = 1: it arrives");
        assertFalse(arrives(m, running(m, Lapic.reset(0), true), UNDECLARED), "nothing pending, an undeclared vector never arrives");
        Step st = m.next(s, new Action.Interrupt(0, UNDECLARED));
        Lapic after = st.state().cpu(0).lapic();
        assertTrue(after.isr().contains(UNDECLARED), "in service");
        assertFalse(after.irr().contains(UNDECLARED), "no longer requested");
    }

    @Test
    void aPendingFixedVectorRespectsTprAndTheInServiceClass() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        MachineState s = running(m, Lapic.reset(0).request(UNDECLARED), true);
        assertFalse(arrives(m, withCr8(s, 4), UNDECLARED), "class 4 is not above TPR class 4");
        assertTrue(arrives(m, withCr8(s, 3), UNDECLARED), "class 4 is above TPR class 3");
        assertFalse(arrives(m, running(m, Lapic.reset(0).accept(0x45).request(UNDECLARED), true), UNDECLARED),
                "vector 0x45 in service: PPR class 4");
        assertTrue(arrives(m, running(m, Lapic.reset(0).accept(0x35).request(UNDECLARED), true), UNDECLARED),
                "vector 0x35 in service: PPR class 3");
        MachineState two = running(m, Lapic.reset(0).request(UNDECLARED).request(0x60), true);
        assertTrue(arrives(m, two, 0x60) && !arrives(m, two, UNDECLARED), "only the highest pending vector is presented");
    }

    @Test
    void aSourcesFiringObeysTprAndTheInServiceClassToo() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        int timer = 0xef;
        int nic = 0x31;
        MachineState s = running(m, Lapic.reset(0), true);
        assertTrue(arrives(m, s, timer) && arrives(m, s, nic), "nothing in service, TPR 0");
        assertFalse(arrives(m, withCr8(s, 15), timer), "TPR class 15 holds off the timer (class 14)");
        assertTrue(arrives(m, withCr8(s, 13), timer) && !arrives(m, withCr8(s, 13), nic), "TPR class 13");
        MachineState timerInService = running(m, Lapic.reset(0).accept(timer), true);
        assertFalse(arrives(m, timerInService, nic), "the timer in service (class 14) holds off the device (class 3)");
        assertFalse(arrives(m, timerInService, timer), "and itself");
        MachineState nicInService = running(m, Lapic.reset(0).accept(nic), true);
        assertTrue(arrives(m, nicInService, timer), "the device in service does not hold off the timer");
        assertTrue(arrives(m, running(m, Lapic.reset(0).accept(timer).eoi(), true), nic), "after EOI it arrives");
    }

    @Test
    void aPendingNmiWaitsWhileBlockedByNmiAndArrivesAfterIret() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        MachineState s = running(m, Lapic.reset(0).withNmiPending(true), false);
        // Outside NMI exiting, blocking by NMI blocks NMIs (Vol. 3A 6.7.1).
        CpuState cpu = s.cpu(0);
        var vmcs = cpu.vmcs().withNmiExiting(false).withVirtualNmis(false);
        ArchRegs blocked = cpu.regs().withBlockingByNmi(true);
        MachineState b = s.withCpu(0, cpu.withVmcs(vmcs).withRegs(blocked));
        assertFalse(arrives(m, b, 2), "blocked by NMI");
        MachineState unblocked = b.withCpu(0, b.cpu(0).withRegs(ArrivalRules.afterIret(blocked, vmcs)));
        assertTrue(arrives(m, unblocked, 2), "IRET unblocked NMIs");
        Step st = m.next(unblocked, new Action.Interrupt(0, 2));
        assertFalse(st.state().cpu(0).lapic().nmiPending(), "taken: no longer pending");
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Delivered d && d.vector() == 2), st.events().toString());
    }

    @Test
    void withNmiExitingAPendingNmiExitsAndIsReinjected() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        MachineState s = running(m, Lapic.reset(0).withNmiPending(true), false);
        assertTrue(arrives(m, s, 2), "NMIs ignore IF");
        Step st = m.next(s, new Action.Interrupt(0, 2));
        assertFalse(st.state().cpu(0).lapic().nmiPending());
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.VmExit x && x.reason() == 0), st.events().toString());
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Delivered d && d.vector() == 2), st.events().toString());
    }

    @Test
    void anIcrWriteMakesTheIpiPendingAtItsDestinations() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        MachineState s = m.initial();
        List<Event> ev = new ArrayList<>();
        MachineState others = m.sendIpi(s, 0, 3L << 18 | 4 << 8 | 2, ev);
        assertFalse(others.cpu(0).lapic().nmiPending(), "all excluding self: not cpu0");
        assertTrue(others.cpu(1).lapic().nmiPending(), "all excluding self: cpu1");
        MachineState self = m.sendIpi(s, 1, 1L << 18 | 0x31, ev);
        assertTrue(self.cpu(1).lapic().irr().contains(0x31));
        assertTrue(self.cpu(0).lapic().irr().isEmpty());
        MachineState all = m.sendIpi(s, 1, 2L << 18 | 0x31, ev);
        assertTrue(all.cpu(0).lapic().irr().contains(0x31) && all.cpu(1).lapic().irr().contains(0x31));
        MachineState one = m.sendIpi(s, 1, 0x31, ev);
        assertTrue(one.cpu(0).lapic().irr().contains(0x31) && one.cpu(1).lapic().irr().isEmpty(), "APIC ID 0 is cpu0");
        assertEquals(s, m.sendIpi(s, 0, 1L << 32 | 5 << 8, ev), "INIT is not modelled: nothing changes");
        assertTrue(ev.stream().anyMatch(e -> e instanceof Event.Primitive p && p.detail().contains("ignored")), ev.toString());
    }
}
