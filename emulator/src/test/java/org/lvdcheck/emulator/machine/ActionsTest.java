package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.instructionAfter;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;
import static org.lvdcheck.emulator.machine.CompromisedRig.runUntil;
import static org.lvdcheck.emulator.machine.CompromisedRig.symbol;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;

/**
 * {@link Machine#actions}: every enabled action in a fixed order, with the choices a ⊤ value
 * forces (a conditional jump on ⊤ flags, a dispatch of ⊤ ids) in place of plain execution.
 */
class ActionsTest {
    /** Position of the last action of a kind in the list (for ordering checks), -1 if none. */
    private static int kindRank(Action a) {
        if (a instanceof Action.Execute || a instanceof Action.Branch || a instanceof Action.Dispatch) {
            return 0;
        }
        return a instanceof Action.Interrupt ? 1 : 2;
    }

    @Test
    void theOrderIsPerCpuInstructionThenInterruptsByVectorThenDriverMoves() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        List<Action> actions = m.actions(s);
        assertEquals(actions, m.actions(s), "deterministic");
        assertEquals(new Action.Execute(0), actions.get(0), "the driver's own program runs on");
        int lastCpu = 0;
        int lastRank = 0;
        int lastVector = -1;
        for (Action a : actions) {
            assertTrue(m.enabled(s, a), a.toString());
            if (a.cpu() != lastCpu) {
                assertTrue(a.cpu() > lastCpu, "CPUs ascend");
                lastCpu = a.cpu();
                lastRank = 0;
                lastVector = -1;
            }
            assertTrue(kindRank(a) >= lastRank, "instruction, then interrupts, then moves: " + a);
            lastRank = kindRank(a);
            if (a instanceof Action.Interrupt i) {
                assertTrue(i.vector() > lastVector, "vectors ascend");
                lastVector = i.vector();
            }
        }
        assertTrue(actions.contains(new Action.Interrupt(0, 0xef)));
        assertTrue(actions.stream().anyMatch(a -> a instanceof Action.Driver && a.cpu() == 0));
        assertTrue(actions.stream().noneMatch(a -> a instanceof Action.Driver && a.cpu() == 1),
                "cpu1 runs no driver code");
    }

    @Test
    void theConcreteSemanticsOffersNoDriverMoves() throws Exception {
        Machine c = machine("lvd-hardened");
        Machine concrete = new Machine(c.system(), c.initial());
        MachineState s = inDriver(c);
        List<Action> actions = concrete.actions(s);
        assertTrue(actions.contains(new Action.Execute(0)));
        assertTrue(actions.stream().noneMatch(a -> a instanceof Action.Driver));
        assertFalse(concrete.enabled(s, new Action.Driver(0, new DriverMove.Raise(6))));
        assertThrows(IllegalArgumentException.class, () -> concrete.next(s, new Action.Driver(0, new DriverMove.Raise(6))));
    }

    @Test
    void aJumpOnTaintedFlagsIsTwoBranchActionsAndNoExecute() throws Exception {
        // The driver enters the trampoline's copy right after its VMFUNC with its own ECX: the gate's
        // "cmpl $1, %ecx" compares ⊤, and "jne vmfunc_trampoline_abort" goes either way.
        Machine m = machine("lvd-hardened");
        long cmp = instructionAfter(m, "net", "vmfunc_trampoline", 1);
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(cmp, false)).state();
        s = m.next(s, new Action.Execute(0)).state();
        assertTrue(s.cpu(0).regs().tainted(ArchRegs.T_FLAGS));
        List<Action> actions = m.actions(s);
        assertTrue(actions.contains(new Action.Branch(0, false)));
        assertTrue(actions.contains(new Action.Branch(0, true)));
        assertFalse(actions.contains(new Action.Execute(0)));
        assertFalse(m.enabled(s, new Action.Execute(0)));
        MachineState fs = s;
        assertThrows(IllegalStateException.class, () -> m.next(fs, new Action.Execute(0)));
        ArchRegs taken = m.next(s, new Action.Branch(0, true)).state().cpu(0).regs();
        assertEquals(symbol(m, "net", "vmfunc_trampoline_abort"), taken.rip());
        assertTrue(taken.tainted(ArchRegs.T_FLAGS), "the flags stay ⊤");
        ArchRegs not = m.next(s, new Action.Branch(0, false)).state().cpu(0).regs();
        assertEquals(instructionAfter(m, "net", "vmfunc_trampoline", 3), not.rip(), "on to call vmfunc_dispatch");
    }

    @Test
    void theKernelsDispatcherForksPerClassOfTheTopIds() throws Exception {
        // The driver jumps into the springboard to call the kernel: the springboard reads the
        // message from the driver's stack, a frame every CPU's domain view writes, so the kernel
        // sees ⊤ ids.
        Machine m = machine("lvd-hardened");
        MachineState wrapper = move(m, inDriver(m),
                new DriverMove.Jump(symbol(m, "net", "vmfunc_springboard_entry"), false)).state();
        MachineState s = runUntil(m, wrapper, x -> m.actions(x).stream().anyMatch(a -> a instanceof Action.Dispatch));
        List<Action> actions = m.actions(s);
        List<String> classes = List.of("consume_skb", "blk_mq_end_request");
        for (int k = 0; k <= classes.size(); k++) {
            assertTrue(actions.contains(new Action.Dispatch(0, k)), "class " + k);
        }
        assertFalse(actions.contains(new Action.Dispatch(0, classes.size() + 1)));
        assertFalse(actions.contains(new Action.Execute(0)));
        Step declared = m.next(s, new Action.Dispatch(0, 0));
        assertEquals(symbol(m, "kernel", "consume_skb"), declared.state().cpu(0).regs().rip());
        Step undeclared = m.next(s, new Action.Dispatch(0, 1));
        assertTrue(undeclared.events().stream().anyMatch(e -> e instanceof Event.Primitive p && p.detail().contains("refused")),
                "hardened: blk_mq_end_request is no function dummy-net's IDL imports");
        Step unknown = m.next(s, new Action.Dispatch(0, 2));
        assertTrue(event(unknown.events(), Event.Primitive.class).detail().contains("no known function"));
        assertFalse(unknown.state().cpu(0).regs().tainted(ArchRegs.T_RIP), "the unknown-call reply returns to the gate");
    }
}
