package org.lvdcheck.emulator.machine;

/** What a logical processor is doing, beyond its architectural registers. */
public enum CpuMode {
    /** Executing instructions of its current thread. */
    RUNNING,
    /** No thread: the idle loop, which schedules the next runnable thread. */
    IDLE,
    /** In HLT (guest activity state HLT): waits for an interrupt. */
    HALTED,
    /** The hypervisor halted this vCPU (abort hypercall, unhandled exit, triple fault): AVAIL is broken. */
    STOPPED
}
