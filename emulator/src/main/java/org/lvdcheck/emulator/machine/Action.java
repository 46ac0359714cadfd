package org.lvdcheck.emulator.machine;

/**
 * One transition of the machine (DESIGN.md §1): a CPU executes its next instruction, an
 * interrupt arrives at a CPU, the hypervisor's kill IPI arrives at a CPU, or (for the explorer)
 * the compromised driver makes a move.
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

    /**
     * Interrupt {@code vector} arrives at CPU {@code cpu}: one the LAPIC holds pending (an NMI as
     * vector 2, or the fixed vector it presents), else a firing of the spec's vector (external,
     * IPI, NMI or #MC by the vector's class).
     */
    record Interrupt(int cpu, int vector) implements Action {
        @Override
        public String toString() {
            return "vector 0x" + Integer.toHexString(vector) + " arrives at cpu" + cpu;
        }
    }

    /**
     * The kill IPI the hypervisor sent when it killed a domain reaches CPU {@code cpu}: an NMI
     * that exits (NMI exiting), after which the hypervisor resumes the kernel at the gate's
     * error return if the CPU is still under a killed domain's EPT, and changes nothing otherwise.
     */
    record KillIpi(int cpu) implements Action {
        @Override
        public String toString() {
            return "the hypervisor's kill IPI arrives at cpu" + cpu;
        }
    }

    /**
     * CPU {@code cpu}'s next instruction is a conditional jump on ⊤ flags (DESIGN.md §3): it
     * executes taking ({@code taken}) or not taking the branch. The two actions cover every class
     * of the comparison that set the flags: each class takes one of the two directions, and the
     * values compared stay ⊤ afterwards, so nothing else depends on which class it was.
     */
    record Branch(int cpu, boolean taken) implements Action {
        @Override
        public String toString() {
            return "cpu" + cpu + " executes a jump on ⊤ flags, " + (taken ? "taken" : "not taken");
        }
    }

    /**
     * CPU {@code cpu}'s next instruction calls a {@code __vmfunc_dispatch} (the kernel's, or a
     * domain's own) on a message whose ids are ⊤, the driver's (DESIGN.md §3: declared data): the
     * dispatcher takes class {@code rpcClass} of its comparison against the RPC table (each known
     * function, then every other id).
     */
    record Dispatch(int cpu, int rpcClass) implements Action {
        @Override
        public String toString() {
            return "cpu" + cpu + " dispatches ⊤ ids as class " + rpcClass;
        }
    }

    /** The compromised driver running on CPU {@code cpu} makes {@code move} (DESIGN.md §3). */
    record Driver(int cpu, DriverMove move) implements Action {
        @Override
        public String toString() {
            return "driver on cpu" + cpu + ": " + move;
        }
    }
}
