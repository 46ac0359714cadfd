package org.lvdcheck.checker.model;

import java.util.Arrays;
import org.lvdcheck.emulator.machine.MachineState;

/**
 * One state of the explored system: the machine plus the environment's remaining budget, i.e.
 * how many more times each bounded interrupt source may still fire at each CPU (DESIGN.md §5:
 * an environment bound is written in the spec and printed in the verdict). Immutable.
 *
 * @param machine the machine state
 * @param firesLeft remaining firings, index {@code source * cpus + cpu}; -1 for an unbounded source
 * @param caller ghost field per CPU: the domain view the CPU last left for the kernel (0 before
 *               any), so CALL can name the domain a dispatched call came from
 */
public record CheckState(MachineState machine, int[] firesLeft, int[] caller) {
    public CheckState {
        firesLeft = firesLeft.clone();
        caller = caller.clone();
    }

    public int firesLeft(int source, int cpus, int cpu) {
        return firesLeft[source * cpus + cpu];
    }

    /** This state with one firing of {@code source} at {@code cpu} consumed (unbounded sources stay -1). */
    public CheckState fired(int source, int cpus, int cpu, MachineState next) {
        int[] f = firesLeft;
        int i = source * cpus + cpu;
        if (f[i] > 0) {
            f = f.clone();
            f[i]--;
        }
        return new CheckState(next, f, caller);
    }

    public CheckState withMachine(MachineState next) {
        return new CheckState(next, firesLeft, caller);
    }

    public CheckState withCaller(int cpu, int view) {
        if (caller[cpu] == view) {
            return this;
        }
        int[] c = caller.clone();
        c[cpu] = view;
        return new CheckState(machine, firesLeft, c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckState c && machine.equals(c.machine) && Arrays.equals(firesLeft, c.firesLeft)
                && Arrays.equals(caller, c.caller);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * machine.hashCode() + Arrays.hashCode(firesLeft)) + Arrays.hashCode(caller);
    }

    @Override
    public String toString() {
        return "CheckState" + Arrays.toString(firesLeft) + Arrays.toString(caller);
    }
}
