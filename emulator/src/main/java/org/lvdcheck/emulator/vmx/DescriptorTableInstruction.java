package org.lvdcheck.emulator.vmx;

/** The instructions governed by "descriptor-table exiting" and their exit reasons (25.1.3, Appendix C). */
public enum DescriptorTableInstruction {
    LGDT, LIDT, SGDT, SIDT, LLDT, LTR, SLDT, STR;

    /** 46 for GDTR/IDTR accesses, 47 for LDTR/TR accesses. */
    public ExitReason exitReason() {
        switch (this) {
            case LGDT:
            case LIDT:
            case SGDT:
            case SIDT:
                return ExitReason.GDTR_IDTR_ACCESS;
            default:
                return ExitReason.LDTR_TR_ACCESS;
        }
    }
}
