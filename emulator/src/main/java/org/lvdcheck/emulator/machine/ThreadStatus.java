package org.lvdcheck.emulator.machine;

/** Life of a kernel thread of the workload. */
public enum ThreadStatus {
    /** On the run queue, never run: it starts at its entry point (ret_from_fork, schedule_tail). */
    NEW,
    /** On the run queue, switched out inside {@code __schedule}: it resumes at that call's return. */
    RUNNABLE,
    /** Running on a CPU. */
    RUNNING,
    /** Returned from its thread function. */
    DONE
}
