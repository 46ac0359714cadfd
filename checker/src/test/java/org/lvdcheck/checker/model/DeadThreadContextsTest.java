package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.lvdcheck.checker.model.DeadStacksTest.step;
import static org.lvdcheck.checker.model.DeadStacksTest.system;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;

/**
 * Dead thread contexts: the registers a thread saved when it was switched out are read only when
 * it is switched in again, so a running or exited thread's saved context (and an exited thread's
 * last CPU) is its build-time value in every explored state, and a runnable thread's is the one
 * its switch saved.
 */
class DeadThreadContextsTest {
    /**
     * t0 starts on cpu0 while cpu1 stays idle, a timer preempts it for the new t1 (t0 runnable, its
     * registers saved), then cpu1 picks t0: the result of each step.
     */
    private static CheckState[] migrate(LvdTransitionSystem sys) {
        CheckState s = step(sys, sys.initialState(), "execute", 0);
        for (int i = 0; i < 12; i++) {
            s = step(sys, s, "execute", 0);
        }
        s = step(sys, s, "interrupt 0xef", 0);
        for (int k = 0; k < 500 && s.machine().cpu(0).thread() != 1; k++) {
            s = step(sys, s, "execute", 0);
        }
        assertEquals(1, s.machine().cpu(0).thread(), "the timer switched cpu0 to t1");
        CheckState preempted = s;
        CheckState migrated = step(sys, preempted, "execute", 1);
        assertEquals(0, migrated.machine().cpu(1).thread(), "cpu1 runs t0");
        return new CheckState[] {preempted, migrated};
    }

    @Test
    void aRunnableThreadKeepsWhatItsSwitchSavedAndARunningOneHoldsItsBuildTimeContext() throws Exception {
        LvdTransitionSystem sys = system(true);
        ThreadState built = sys.machine().initial().threads().get(0);
        CheckState[] m = migrate(sys);
        ThreadState preempted = m[0].machine().threads().get(0);
        assertEquals(ThreadStatus.RUNNABLE, preempted.status());
        assertNotEquals(built.saved(), preempted.saved(), "the switch saved t0's registers");
        ThreadState running = m[1].machine().threads().get(0);
        assertEquals(ThreadStatus.RUNNING, running.status());
        assertEquals(1, running.lastCpu());
        assertSame(built.saved(), running.saved(), "a running thread's saved context is dead");
        assertEquals(m[0].machine().threads().get(0).saved().rip(), m[1].machine().cpu(1).regs().rip(),
                "cpu1 resumed t0 where its switch saved it");
    }

    @Test
    void withoutReductionTheStaleContextStays() throws Exception {
        CheckState[] m = migrate(system(false));
        assertEquals(m[0].machine().threads().get(0).saved(), m[1].machine().threads().get(0).saved());
    }

    @Test
    void anExitedThreadHoldsItsBuildTimeContextAndCpu() throws Exception {
        LvdTransitionSystem sys = system(true);
        DeadThreadContexts dead = new DeadThreadContexts(sys.machine());
        MachineState init = sys.machine().initial();
        ThreadState built = init.threads().get(0);
        MachineState exited = init.withThread(0,
                built.with(ThreadStatus.DONE, 1, built.saved().withRip(0xffffffff81002000L)));
        ThreadState t = dead.canonical(exited).threads().get(0);
        assertEquals(ThreadStatus.DONE, t.status());
        assertEquals(built.lastCpu(), t.lastCpu());
        assertSame(built.saved(), t.saved());
        MachineState runnable = init.withThread(0,
                built.with(ThreadStatus.RUNNABLE, 1, built.saved().withRip(0xffffffff81002000L)));
        assertSame(runnable, dead.canonical(runnable), "a runnable thread's context is live");
        assertSame(init, dead.canonical(init), "a new thread's context is live");
    }
}
