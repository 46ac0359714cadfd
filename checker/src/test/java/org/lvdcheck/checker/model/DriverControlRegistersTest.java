package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Adversary;
import org.lvdcheck.emulator.machine.DriverMove;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The registers of a CPU in driver control (docs/MODEL.md, "Registers in driver control"): with the
 * reduction the stored state has them clobbered, since every way out of driver control clobbers
 * them first; the step and its checks see them as the step left them; without the reduction they
 * are kept.
 */
class DriverControlRegistersTest {
    /** CPUID with a native leaf: the hypervisor emulates it and the driver goes on at ⊤ RIP with EAX–EDX concrete. */
    private static final DriverMove CPUID = new DriverMove.Privileged(DriverMove.Kind.CPUID, 1);

    @Test
    void aStepIntoDriverControlStoresTheRegistersClobberedAndItsChecksSeeThemAsTheyWere() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        Machine m = sys.machine();
        CheckState s = inDriver(sys);
        LvdTransitionSystem.Taken t = sys.take(s, new LvdTransitionSystem.Choice(new Action.Driver(0, CPUID), -1));
        ArchRegs raw = t.step().state().cpu(0).regs();
        assertTrue(raw.tainted(ArchRegs.T_RIP) && m.inDriverCode(t.step().state(), 0), "the move left cpu0 in driver control");
        assertFalse(raw.gprTainted(ArchRegs.RAX), "the emulated CPUID's result is concrete in the step");
        ArchRegs stored = t.target().machine().cpu(0).regs();
        assertEquals(Adversary.clobber(t.step().state().cpu(0)), stored, "the stored state has them clobbered");
        assertTrue(stored.gprTainted(ArchRegs.RAX));
        assertEquals(t.step().state().cpu(1), t.target().machine().cpu(1), "the other CPU is left as it was");

        // Every way out clobbers: the same move from the stored state and from the step's own state leads to one state.
        CheckState raws = t.target().withMachine(t.step().state());
        for (DriverMove next : new DriverMove[] {new DriverMove.Popf(true, false, false, false), CPUID}) {
            Action a = new Action.Driver(0, next);
            assertEquals(sys.take(raws, new LvdTransitionSystem.Choice(a, -1)).target(),
                    sys.take(t.target(), new LvdTransitionSystem.Choice(a, -1)).target(), next.toString());
        }
    }

    @Test
    void withoutTheReductionTheRegistersAreKept() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), false);
        LvdTransitionSystem.Taken t = sys.take(inDriver(sys), new LvdTransitionSystem.Choice(new Action.Driver(0, CPUID), -1));
        assertEquals(t.step().state().cpu(0), t.target().machine().cpu(0));
        assertNotEquals(Adversary.clobber(t.step().state().cpu(0)), t.target().machine().cpu(0).regs());
    }

    /** CPU 0 running the driver's benign program, reached by CPU 0's own program steps from the initial state. */
    private static CheckState inDriver(LvdTransitionSystem sys) {
        Machine m = sys.machine();
        CheckState s = sys.initialState();
        for (int i = 0; i < 20_000 && !m.inDriverCode(s.machine(), 0); i++) {
            MachineState ms = s.machine();
            Action a = m.actions(ms).stream().filter(x -> x.cpu() == 0 && !(x instanceof Action.Interrupt)
                    && !(x instanceof Action.Driver)).findFirst().orElseThrow();
            s = sys.take(s, new LvdTransitionSystem.Choice(a, -1)).target();
        }
        assertTrue(m.inDriverCode(s.machine(), 0));
        return s;
    }
}
