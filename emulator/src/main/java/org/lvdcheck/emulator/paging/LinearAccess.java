package org.lvdcheck.emulator.paging;

import org.lvdcheck.emulator.ept.EptAccess;

/**
 * One access to a linear address: read, write or fetch; whether it is an implicit supervisor
 * access (GDT/LDT/IDT/TSS reads and the pushes of event delivery: checked as supervisor even at
 * CPL 3, and by SMAP regardless of RFLAGS.AC, SDM Vol. 3A 4.6); whether it is SS-based (a
 * non-canonical address then raises #SS instead of #GP, 3.3.7.1 / 6.15).
 */
public record LinearAccess(EptAccess.Kind kind, boolean implicitSupervisor, boolean stackSegment) {
    public static final LinearAccess READ = new LinearAccess(EptAccess.Kind.READ, false, false);
    public static final LinearAccess WRITE = new LinearAccess(EptAccess.Kind.WRITE, false, false);
    public static final LinearAccess FETCH = new LinearAccess(EptAccess.Kind.FETCH, false, false);
    public static final LinearAccess STACK_READ = new LinearAccess(EptAccess.Kind.READ, false, true);
    public static final LinearAccess STACK_WRITE = new LinearAccess(EptAccess.Kind.WRITE, false, true);
    /** Descriptor-table and TSS reads. */
    public static final LinearAccess SUPERVISOR_READ = new LinearAccess(EptAccess.Kind.READ, true, false);
    /** Setting a descriptor's accessed bit. */
    public static final LinearAccess SUPERVISOR_WRITE = new LinearAccess(EptAccess.Kind.WRITE, true, false);
    /** Pushes of the interrupt frame. */
    public static final LinearAccess SUPERVISOR_STACK_WRITE = new LinearAccess(EptAccess.Kind.WRITE, true, true);
}
