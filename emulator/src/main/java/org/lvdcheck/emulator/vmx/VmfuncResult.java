package org.lvdcheck.emulator.vmx;

/** Outcome of executing VMFUNC in VMX non-root operation (SDM Vol. 3C 25.5.5). */
public sealed interface VmfuncResult permits VmfuncResult.InvalidOpcode, VmfuncResult.VmExit, VmfuncResult.Switched {

    /** #UD: VM functions not enabled, or EAX &ge; 64. */
    record InvalidOpcode() implements VmfuncResult {
    }

    /** A VM exit with basic reason {@link ExitReason#VMFUNC} (59); {@code why} names the failed check, for traces. */
    record VmExit(ExitReason reason, String why) implements VmfuncResult {
    }

    /**
     * EPTP switched: the caller loads {@code newEptp} as the current EPTP, stores {@code index} as
     * the EPTP index if "EPT-violation #VE" is in effect, and continues at RIP + 3 fetched through
     * the new EPT.
     */
    record Switched(long newEptp, int index) implements VmfuncResult {
    }
}
