package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.paging.LinearAccess;

/**
 * Why an instruction touches memory, which decides the checks the context applies: the
 * segment fault for a non-canonical address (#SS(0) for stack accesses, #GP(0) otherwise; SDM
 * Vol. 3A 3.3.7.1), the paging rights (user/supervisor, write, SMAP with RFLAGS.AC; Vol. 3A
 * 4.6) and the EPT access type. Implicit supervisor accesses (descriptor tables, TSS) are
 * checked as supervisor accesses whatever the CPL (Vol. 3A 4.6, "implicit supervisor-mode
 * access") and are made with a linear address ({@link ExecContext#NO_SEGMENT}).
 */
public enum AccessKind {
    DATA_READ(false, false, false),
    DATA_WRITE(true, false, false),
    STACK_READ(false, true, false),
    STACK_WRITE(true, true, false),
    SUPERVISOR_READ(false, false, true),
    SUPERVISOR_WRITE(true, false, true);

    private final boolean write;
    private final boolean stack;
    private final boolean implicitSupervisor;

    AccessKind(boolean write, boolean stack, boolean implicitSupervisor) {
        this.write = write;
        this.stack = stack;
        this.implicitSupervisor = implicitSupervisor;
    }

    public boolean isWrite() {
        return write;
    }

    /** A push, pop or other access through SS: a non-canonical address is #SS(0). */
    public boolean isStack() {
        return stack;
    }

    /** An implicit supervisor-mode access to a system data structure. */
    public boolean isImplicitSupervisor() {
        return implicitSupervisor;
    }

    /** The same access for {@link org.lvdcheck.emulator.paging.LinearMemory}. */
    public LinearAccess linearAccess() {
        return switch (this) {
            case DATA_READ -> LinearAccess.READ;
            case DATA_WRITE -> LinearAccess.WRITE;
            case STACK_READ -> LinearAccess.STACK_READ;
            case STACK_WRITE -> LinearAccess.STACK_WRITE;
            case SUPERVISOR_READ -> LinearAccess.SUPERVISOR_READ;
            case SUPERVISOR_WRITE -> LinearAccess.SUPERVISOR_WRITE;
        };
    }
}
