package org.lvdcheck.checker.model;

import java.util.List;

import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;

/**
 * Dead thread contexts (docs/MODEL.md, "Dead thread contexts"): the saved registers of a thread
 * that is running or has exited, and the CPU an exited thread last ran on, are read by nothing
 * before they are written again (a switch out saves the running registers, and an exited thread
 * never runs again), so the explored states hold the thread's build-time values there instead of
 * whatever the last switch left.
 */
final class DeadThreadContexts {
    private final List<ThreadState> built;

    DeadThreadContexts(Machine machine) {
        this.built = machine.initial().threads();
    }

    /** {@code s} with every dead thread context replaced by its build-time value. */
    MachineState canonical(MachineState s) {
        List<ThreadState> threads = s.threads();
        MachineState out = s;
        for (int t = 0; t < threads.size(); t++) {
            ThreadState ts = threads.get(t);
            ThreadState b = built.get(t);
            ThreadState dead;
            if (ts.status() == ThreadStatus.RUNNING) {
                dead = ts.saved() == b.saved() ? ts : ts.with(ts.status(), ts.lastCpu(), b.saved());
            } else if (ts.status() == ThreadStatus.DONE) {
                dead = ts.saved() == b.saved() && ts.lastCpu() == b.lastCpu() ? ts
                        : ts.with(ts.status(), b.lastCpu(), b.saved());
            } else {
                continue;
            }
            if (dead != ts) {
                out = out.withThread(t, dead);
            }
        }
        return out;
    }
}
