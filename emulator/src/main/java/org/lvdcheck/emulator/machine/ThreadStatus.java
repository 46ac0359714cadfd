package org.lvdcheck.emulator.machine;

/** Life of a kernel thread of the workload. */
public enum ThreadStatus {
    /** Waiting on the run queue (never started, or preempted). */
    RUNNABLE,
    /** Running on a CPU. */
    RUNNING,
    /** Returned from its thread function. */
    DONE
}
