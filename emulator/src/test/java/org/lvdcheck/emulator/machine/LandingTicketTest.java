package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;
import static org.lvdcheck.emulator.machine.CompromisedRig.programAction;
import static org.lvdcheck.emulator.machine.CompromisedRig.symbol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.Patch;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The landing ticket of lvd-hardened (docs/HARDENING.md G29): before each VMFUNC into a domain the
 * kernel writes the thread's slot into this CPU's ticket page, and each domain-side landing of the
 * gate compares it with its own slot. A compromised net driver that executes a gate page's VMFUNC
 * with ECX = 2 passes blk's ECX check and is stopped by the ticket: the gate aborts in blk's view.
 * Without the ticket's branch, the same move runs blk's dispatcher on net's crossing.
 */
class LandingTicketTest {
    private static final String GATE = "asm/hardened/gate.s";

    @Test
    void theKernelWritesTheThreadsSlotBeforeItsVmfuncIntoTheDomain() throws Exception {
        Machine m = CompromisedRig.machine("lvd-hardened");
        long ticket = ticketGva(m);
        assertEquals(0, m.peek(m.initial(), 0, 0, ticket, 4), "no crossing yet");
        MachineState s = inDriver(m);
        int net = m.system().views().indexOf("net");
        assertEquals(1, m.peek(s, 0, 0, ticket, 4), "t0 calls net, slot 1");
        assertEquals(1, m.peek(s, net, 0, ticket, 4), "net's view of cpu0 reads the same frame");
        assertEquals(0, m.peek(s, 0, 1, ticket, 4), "cpu1's ticket is its own");
        assertEquals(0x2003L, m.hostAddress(s, 0, ticket) >>> 12, "the frame the spec names for cpu0");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vmfunc_trampoline", "vmfunc_springboard_return", "vmfunc_irq_return"})
    void aLandingFromAnotherDomainsVmfuncFindsNoTicketAndTheGateAbortsInTheViewItLandedIn(String landing) throws Exception {
        Machine m = CompromisedRig.machine("lvd-hardened");
        MachineState s = driverControl(m);
        long site = symbol(m, "net", landing);
        Step st = move(m, s, new DriverMove.Vmfunc(0, 2, site));
        int blk = m.system().views().indexOf("blk");
        assertEquals(blk, m.viewOf(st.state(), 0), "the VMFUNC itself succeeds: slot 2 is valid");
        Run r = run(m, st.state(), symbol(m, "blk", "vmfunc_dispatch"));
        assertEquals(Optional.of("blk"), r.killed(), "the abort kills the domain it landed in: " + r.events());
        assertTrue(r.rips().contains(symbol(m, "blk", landing) + 3), "its ECX check ran");
        assertFalse(r.reachedDispatcher(), "blk's dispatcher never runs");
    }

    @Test
    void anInterruptAtTheLandingBeforeItsCheckReturnsWithATicketForTheThreadsOwnDomain() throws Exception {
        // Net's driver lands in blk's trampoline and a timer arrives before blk's copy compares
        // anything. The interrupt exit VMFUNCs back into the view it interrupted (blk, the slot
        // blk's state page names) but writes the ticket of the thread's domain (net): blk's copy
        // of vmfunc_irq_return refuses the landing. The workload is t0 alone, so that the
        // timer's preemption has no other thread to switch to.
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        String file = "lvd-hardened.lvd";
        String[] lines = base.sources().read("", file).orElseThrow().text().split("\n", -1);
        int line = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("workload calls=1 threads=t0,t1 ")) {
                line = i + 1;
            }
        }
        Patch alone = new Patch(file, line, lines[line - 1],
                Optional.of(lines[line - 1].replace("threads=t0,t1 ", "threads=t0 ")), null);
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.loadPatched("lvd-hardened", alone, "t0-alone"), 1);
        Machine m = new Machine(b.system(), b.initial(), Machine.Semantics.COMPROMISED_DRIVER);
        MachineState s = driverControl(m);
        Step st = move(m, s, new DriverMove.Vmfunc(0, 2, symbol(m, "net", "vmfunc_trampoline")));
        Action timer = new Action.Interrupt(0, 0xef);
        assertTrue(m.enabled(st.state(), timer), "the driver left IF set");
        Step irq = m.next(st.state(), timer);
        Run r = run(m, irq.state(), symbol(m, "blk", "vmfunc_dispatch"), 5_000);
        assertEquals(Optional.of("blk"), r.killed(), "refused at blk's interrupt-return landing: " + r.events());
        long landing = symbol(m, "blk", "vmfunc_irq_return") + 3;
        assertTrue(r.rips().contains(landing), "the interrupt exit VMFUNCed into blk");
        assertFalse(r.reachedDispatcher());
    }

    @Test
    void withoutTheTicketsBranchTheSameMoveRunsBlksDispatcherOnNetsCrossing() throws Exception {
        SpecLoader.Loaded base = SpecLoader.load("lvd-hardened");
        String text = base.sources().read("", GATE).orElseThrow().text();
        String[] lines = text.split("\n", -1);
        int line = -1;
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].contains("cmpl $lcd_ept_id, lvd_landing_ticket")) {
                line = i + 2; // the jne after the trampoline's ticket check, 1-based
                break;
            }
        }
        assertTrue(line > 0 && lines[line - 1].contains("jne vmfunc_trampoline_abort"), "the trampoline's ticket branch");
        Patch drop = new Patch(GATE, line, lines[line - 1], Optional.empty(), null);
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.loadPatched("lvd-hardened", drop, "no-ticket"), 1);
        Machine m = new Machine(b.system(), b.initial(), Machine.Semantics.COMPROMISED_DRIVER);
        MachineState s = driverControl(m);
        Step st = move(m, s, new DriverMove.Vmfunc(0, 2, symbol(m, "net", "vmfunc_trampoline")));
        Run r = run(m, st.state(), symbol(m, "blk", "vmfunc_dispatch"));
        assertTrue(r.reachedDispatcher(), "the landing passes on ECX alone: " + r.events());
        assertEquals(Optional.empty(), r.killed());
        assertNotEquals(2, m.peek(st.state(), 0, 0, ticketGva(m), 4), "the kernel sent this CPU to net, not blk");
    }

    private static long ticketGva(Machine m) {
        return m.system().spec().objects(Model.ObjectKind.LANDING_TICKET).get(0).gva();
    }

    /** CPU 0 in net's driver with its registers the driver's (the benign program's first state there). */
    private static MachineState driverControl(Machine m) {
        MachineState s = inDriver(m);
        assertEquals(m.system().views().indexOf("net"), m.viewOf(s, 0));
        return s;
    }

    private record Run(List<Long> rips, List<Event> events, Optional<String> killed, boolean reachedDispatcher) {}

    /** Runs CPU 0's program from {@code s} until a kill, the dispatcher at {@code dispatcher}, or 64 steps. */
    private static Run run(Machine m, MachineState s, long dispatcher) {
        return run(m, s, dispatcher, 64);
    }

    private static Run run(Machine m, MachineState s, long dispatcher, int steps) {
        List<Long> rips = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        int blk = m.system().views().indexOf("blk");
        for (int i = 0; i < steps; i++) {
            long rip = s.cpu(0).regs().rip();
            rips.add(rip);
            if (rip == dispatcher && m.viewOf(s, 0) == blk) {
                return new Run(rips, events, Optional.empty(), true);
            }
            Action a = programAction(m, s);
            if (a == null) {
                break;
            }
            Step st = m.next(s, a);
            events.addAll(st.events());
            for (Event e : st.events()) {
                if (e instanceof Event.Killed k) {
                    return new Run(rips, events, Optional.of(k.domain()), false);
                }
            }
            s = st.state();
        }
        return new Run(rips, events, Optional.empty(), false);
    }
}
