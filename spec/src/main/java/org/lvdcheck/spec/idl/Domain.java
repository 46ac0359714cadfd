package org.lvdcheck.spec.idl;

/** The two sides of the isolation boundary an IDL file describes. */
public enum Domain {
    /** The isolated driver (the LVD). */
    DRIVER,
    /** The kernel, whose functions a module's {@code rpc}s name. */
    KERNEL;

    public Domain other() {
        return this == DRIVER ? KERNEL : DRIVER;
    }

    public String word() {
        return this == DRIVER ? "driver" : "kernel";
    }
}
