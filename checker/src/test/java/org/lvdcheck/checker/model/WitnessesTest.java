package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;
import org.junit.jupiter.api.Test;

/** The reachability witnesses: which step events reach which witness, and the built-in specs' witnesses. */
class WitnessesTest {
    private static LvdTransitionSystem hardened() throws Exception {
        return Replay.system(SpecLoader.load("lvd-hardened"), true);
    }

    private static int index(Witnesses w, String name) {
        for (int i = 0; i < w.all().size(); i++) {
            if (w.all().get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no witness " + name);
    }

    @Test
    void theHardenedSpecNamesItsWitnessesAndNoneIsReachedBeforeAnyStep() throws Exception {
        Witnesses w = hardened().witnesses();
        assertEquals(List.of("exitless-irq", "migration", "callback", "kill"),
                w.all().stream().map(Model.Witness::name).toList());
        assertEquals(4, w.unreached().size());
    }

    @Test
    void eachEventReachesOnlyItsWitness() throws Exception {
        LvdTransitionSystem sys = hardened();
        Witnesses w = sys.witnesses();
        MachineState s = sys.initialState().machine();
        Action a = new Action.Execute(0);
        w.observe(s, a, new Step(s, List.of(new Event.Delivered(0xef, "net", false, true, s.cpu(0).regs()))));
        assertFalse(w.reached(index(w, "exitless-irq")), "a delivery with a VM exit is not exitless");
        w.observe(s, a, new Step(s, List.of(new Event.Delivered(0xef, "kernel", true, false, s.cpu(0).regs()))));
        assertFalse(w.reached(index(w, "exitless-irq")), "a delivery in the kernel is not inside a domain");
        w.observe(s, a, new Step(s, List.of(new Event.Delivered(0xef, "net", true, true, s.cpu(0).regs()))));
        assertTrue(w.reached(index(w, "exitless-irq")));
        w.observe(s, a, new Step(s, List.of(new Event.Dispatched("kernel", 3, "register_netdev"))));
        assertFalse(w.reached(index(w, "callback")));
        w.observe(s, a, new Step(s, List.of(new Event.Dispatched("kernel", 1, "consume_skb"))));
        assertTrue(w.reached(index(w, "callback")));
        assertFalse(w.reached(index(w, "kill")));
        assertFalse(w.reached(index(w, "migration")));
        w.observe(s, a, new Step(s, List.of(new Event.Killed("net", "test"))));
        assertEquals(List.of("migration"), w.unreached().stream().map(Model.Witness::name).toList());
    }

    @Test
    void aMigrationIsAPreemptedThreadResumingOnAnotherCpu() throws Exception {
        LvdTransitionSystem sys = hardened();
        Witnesses w = sys.witnesses();
        MachineState s = sys.initialState().machine();
        ThreadState t0 = s.threads().get(0);
        Step toT0 = new Step(s, List.of(new Event.Switched("t1", "t0")));
        // Never ran anywhere: its first start is no migration.
        w.observe(s, new Action.Execute(1), toT0);
        assertFalse(w.reached(index(w, "migration")));
        // Preempted on cpu1 and resumed on cpu1: no migration.
        MachineState onCpu1 = s.withThread(0, t0.with(ThreadStatus.RUNNABLE, 1, t0.saved()));
        w.observe(onCpu1, new Action.Execute(1), toT0);
        assertFalse(w.reached(index(w, "migration")));
        // Preempted on cpu1, resumed on cpu0: a migration.
        w.observe(onCpu1, new Action.Execute(0), toT0);
        assertTrue(w.reached(index(w, "migration")));
    }

    @Test
    void theAsBuiltSpecHasNoKillWitnessItsPolicyNeverKills() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-as-built"), true);
        assertEquals(List.of("exitless-irq", "migration", "callback"),
                sys.witnesses().all().stream().map(Model.Witness::name).toList());
    }
}
