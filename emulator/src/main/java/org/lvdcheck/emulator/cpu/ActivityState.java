package org.lvdcheck.emulator.cpu;

/** Activity state of a logical processor (SDM Vol. 3C 24.4.2, values 0, 1, 2). */
public enum ActivityState {
    ACTIVE(0), HLT(1), SHUTDOWN(2);

    private final int vmcsEncoding;

    ActivityState(int vmcsEncoding) {
        this.vmcsEncoding = vmcsEncoding;
    }

    /** The value of the VMCS guest activity-state field. */
    public int vmcsEncoding() {
        return vmcsEncoding;
    }
}
