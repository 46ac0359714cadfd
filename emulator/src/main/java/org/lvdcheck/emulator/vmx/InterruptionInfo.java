package org.lvdcheck.emulator.vmx;

/**
 * The 32-bit interruption-information format shared by the VM-entry interruption-information,
 * VM-exit interruption-information and IDT-vectoring information fields (SDM Vol. 3C 24.8.3,
 * 24.9.2, 24.9.3): bits 7:0 vector, 10:8 type, 11 error code valid, 12 NMI unblocking due to
 * IRET (exit fields only), 31 valid.
 */
public final class InterruptionInfo {
    private InterruptionInfo() {
    }

    public static final int TYPE_EXTERNAL_INTERRUPT = 0;
    public static final int TYPE_NMI = 2;
    public static final int TYPE_HARDWARE_EXCEPTION = 3;
    public static final int TYPE_SOFTWARE_INTERRUPT = 4;
    public static final int TYPE_PRIVILEGED_SOFTWARE_EXCEPTION = 5;
    public static final int TYPE_SOFTWARE_EXCEPTION = 6;
    public static final int TYPE_OTHER_EVENT = 7;

    public static final int ERROR_CODE_VALID = 1 << 11;
    public static final int NMI_UNBLOCKING_DUE_TO_IRET = 1 << 12;
    public static final int VALID = 1 << 31;

    public static int encode(int type, int vector, boolean deliverErrorCode) {
        return VALID | (vector & 0xFF) | ((type & 7) << 8) | (deliverErrorCode ? ERROR_CODE_VALID : 0);
    }

    public static boolean valid(int info) {
        return (info & VALID) != 0;
    }

    public static int vector(int info) {
        return info & 0xFF;
    }

    public static int type(int info) {
        return (info >>> 8) & 7;
    }

    public static boolean hasErrorCode(int info) {
        return (info & ERROR_CODE_VALID) != 0;
    }
}
