package org.lvdcheck.emulator.machine;

/**
 * One transition of the machine (DESIGN.md §1): a CPU executes its next instruction, an
 * interrupt arrives at a CPU, or (for the explorer) the compromised driver makes a move.
 */
public sealed interface Action {
    int cpu();

    /** CPU {@code cpu} executes one instruction (or one atomic kernel primitive, or its scheduler when idle). */
    record Execute(int cpu) implements Action {
        @Override
        public String toString() {
            return "cpu" + cpu + " executes";
        }
    }

    /** Interrupt {@code vector} arrives at CPU {@code cpu} (external, IPI, NMI or #MC by the vector's class). */
    record Interrupt(int cpu, int vector) implements Action {
        @Override
        public String toString() {
            return "vector 0x" + Integer.toHexString(vector) + " arrives at cpu" + cpu;
        }
    }
}
