package org.lvdcheck.emulator.machine;

import org.lvdcheck.emulator.cpu.ArchRegs;

/**
 * A kernel thread: its status, the CPU it last ran on, and its saved registers while it
 * is off-CPU (the context switch saves the whole register file, which is what Linux's
 * switch_to and the interrupt frame on its stack preserve between them).
 */
public record ThreadState(ThreadStatus status, int lastCpu, ArchRegs saved) {
    public ThreadState with(ThreadStatus s, int cpu, ArchRegs r) {
        return new ThreadState(s, cpu, r);
    }
}
