package org.lvdcheck.emulator.vmx;

import java.util.Objects;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.mem.Hash64;

/**
 * The subset of the VMCS the model uses (SDM Vol. 3C chapter 24): EPT and VM-function fields,
 * pin-based, primary and secondary processor-based controls as named booleans, CR masks and
 * shadows, CR3-target values (at most 4, as CpuCaps allows), MSR bitmaps, exception bitmap,
 * guest interruptibility and activity state, VM-entry event injection and the VM-exit
 * information fields. Immutable; withers and a {@link Builder}. Secondary controls take effect
 * only when {@link #activateSecondaryControls()} is set (24.6.2): use the {@code ...Active()}
 * accessors in rules.
 *
 * <p>Generated once from a field list; edit by hand.
 */
public final class Vmcs {
    private final long eptp;
    private final long eptpListAddress;
    private final long vmFunctionControls;
    private final int eptpIndex;
    private final boolean externalInterruptExiting;
    private final boolean nmiExiting;
    private final boolean virtualNmis;
    private final boolean activatePreemptionTimer;
    private final long preemptionTimerValue;
    private final boolean interruptWindowExiting;
    private final boolean hltExiting;
    private final boolean invlpgExiting;
    private final boolean mwaitExiting;
    private final boolean rdpmcExiting;
    private final boolean rdtscExiting;
    private final boolean cr3LoadExiting;
    private final boolean cr3StoreExiting;
    private final boolean cr8LoadExiting;
    private final boolean cr8StoreExiting;
    private final boolean useTprShadow;
    private final boolean nmiWindowExiting;
    private final boolean movDrExiting;
    private final boolean unconditionalIoExiting;
    private final boolean useMsrBitmaps;
    private final boolean monitorExiting;
    private final boolean pauseExiting;
    private final boolean activateSecondaryControls;
    private final boolean enableEpt;
    private final boolean descriptorTableExiting;
    private final boolean enableRdtscp;
    private final boolean enableVpid;
    private final boolean wbinvdExiting;
    private final boolean unrestrictedGuest;
    private final boolean enableInvpcid;
    private final boolean enableVmFunctions;
    private final boolean rdrandExiting;
    private final boolean eptViolationVe;
    private final boolean enableXsaves;
    private final boolean rdseedExiting;
    private final long cr0GuestHostMask;
    private final long cr0ReadShadow;
    private final long cr4GuestHostMask;
    private final long cr4ReadShadow;
    private final int cr3TargetCount;
    private final long cr3Target0;
    private final long cr3Target1;
    private final long cr3Target2;
    private final long cr3Target3;
    private final MsrBitmap msrBitmap;
    private final int exceptionBitmap;
    private final int pageFaultErrorCodeMask;
    private final int pageFaultErrorCodeMatch;
    private final int guestInterruptibility;
    private final ActivityState guestActivityState;
    private final int entryInterruptionInfo;
    private final int entryExceptionErrorCode;
    private final int entryInstructionLength;
    private final int exitReason;
    private final long exitQualification;
    private final long guestLinearAddress;
    private final long guestPhysicalAddress;
    private final int exitInstructionLength;
    private final int exitInterruptionInfo;
    private final int exitInterruptionErrorCode;
    private final int idtVectoringInfo;
    private final int idtVectoringErrorCode;

    private Vmcs(Builder b) {
        this.eptp = b.eptp;
        this.eptpListAddress = b.eptpListAddress;
        this.vmFunctionControls = b.vmFunctionControls;
        this.eptpIndex = b.eptpIndex;
        this.externalInterruptExiting = b.externalInterruptExiting;
        this.nmiExiting = b.nmiExiting;
        this.virtualNmis = b.virtualNmis;
        this.activatePreemptionTimer = b.activatePreemptionTimer;
        this.preemptionTimerValue = b.preemptionTimerValue;
        this.interruptWindowExiting = b.interruptWindowExiting;
        this.hltExiting = b.hltExiting;
        this.invlpgExiting = b.invlpgExiting;
        this.mwaitExiting = b.mwaitExiting;
        this.rdpmcExiting = b.rdpmcExiting;
        this.rdtscExiting = b.rdtscExiting;
        this.cr3LoadExiting = b.cr3LoadExiting;
        this.cr3StoreExiting = b.cr3StoreExiting;
        this.cr8LoadExiting = b.cr8LoadExiting;
        this.cr8StoreExiting = b.cr8StoreExiting;
        this.useTprShadow = b.useTprShadow;
        this.nmiWindowExiting = b.nmiWindowExiting;
        this.movDrExiting = b.movDrExiting;
        this.unconditionalIoExiting = b.unconditionalIoExiting;
        this.useMsrBitmaps = b.useMsrBitmaps;
        this.monitorExiting = b.monitorExiting;
        this.pauseExiting = b.pauseExiting;
        this.activateSecondaryControls = b.activateSecondaryControls;
        this.enableEpt = b.enableEpt;
        this.descriptorTableExiting = b.descriptorTableExiting;
        this.enableRdtscp = b.enableRdtscp;
        this.enableVpid = b.enableVpid;
        this.wbinvdExiting = b.wbinvdExiting;
        this.unrestrictedGuest = b.unrestrictedGuest;
        this.enableInvpcid = b.enableInvpcid;
        this.enableVmFunctions = b.enableVmFunctions;
        this.rdrandExiting = b.rdrandExiting;
        this.eptViolationVe = b.eptViolationVe;
        this.enableXsaves = b.enableXsaves;
        this.rdseedExiting = b.rdseedExiting;
        this.cr0GuestHostMask = b.cr0GuestHostMask;
        this.cr0ReadShadow = b.cr0ReadShadow;
        this.cr4GuestHostMask = b.cr4GuestHostMask;
        this.cr4ReadShadow = b.cr4ReadShadow;
        this.cr3TargetCount = b.cr3TargetCount;
        this.cr3Target0 = b.cr3Target0;
        this.cr3Target1 = b.cr3Target1;
        this.cr3Target2 = b.cr3Target2;
        this.cr3Target3 = b.cr3Target3;
        this.msrBitmap = Objects.requireNonNull(b.msrBitmap, "msrBitmap");
        this.exceptionBitmap = b.exceptionBitmap;
        this.pageFaultErrorCodeMask = b.pageFaultErrorCodeMask;
        this.pageFaultErrorCodeMatch = b.pageFaultErrorCodeMatch;
        this.guestInterruptibility = b.guestInterruptibility;
        this.guestActivityState = Objects.requireNonNull(b.guestActivityState, "guestActivityState");
        this.entryInterruptionInfo = b.entryInterruptionInfo;
        this.entryExceptionErrorCode = b.entryExceptionErrorCode;
        this.entryInstructionLength = b.entryInstructionLength;
        this.exitReason = b.exitReason;
        this.exitQualification = b.exitQualification;
        this.guestLinearAddress = b.guestLinearAddress;
        this.guestPhysicalAddress = b.guestPhysicalAddress;
        this.exitInstructionLength = b.exitInstructionLength;
        this.exitInterruptionInfo = b.exitInterruptionInfo;
        this.exitInterruptionErrorCode = b.exitInterruptionErrorCode;
        this.idtVectoringInfo = b.idtVectoringInfo;
        this.idtVectoringErrorCode = b.idtVectoringErrorCode;
        if (cr3TargetCount < 0 || cr3TargetCount > 4) {
            throw new IllegalArgumentException("CR3-target count " + cr3TargetCount + " (model supports 0..4)");
        }
    }

    /** All controls 0, all fields 0, MSR bitmap with no exits, guest ACTIVE. */
    public static Vmcs zero() {
        return new Builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** "Enable VM functions" in effect (secondary control under "activate secondary controls"). */
    public boolean vmFunctionsActive() {
        return activateSecondaryControls && enableVmFunctions;
    }

    public boolean descriptorTableExitingActive() {
        return activateSecondaryControls && descriptorTableExiting;
    }

    public boolean eptActive() {
        return activateSecondaryControls && enableEpt;
    }

    public boolean eptViolationVeActive() {
        return activateSecondaryControls && eptViolationVe;
    }

    public boolean enableRdtscpActive() {
        return activateSecondaryControls && enableRdtscp;
    }

    public boolean enableInvpcidActive() {
        return activateSecondaryControls && enableInvpcid;
    }

    public boolean wbinvdExitingActive() {
        return activateSecondaryControls && wbinvdExiting;
    }

    public boolean rdrandExitingActive() {
        return activateSecondaryControls && rdrandExiting;
    }

    public boolean rdseedExitingActive() {
        return activateSecondaryControls && rdseedExiting;
    }

    /** CR3-target value {@code i} (0..3). */
    public long cr3Target(int i) {
        switch (i) {
            case 0: return cr3Target0;
            case 1: return cr3Target1;
            case 2: return cr3Target2;
            case 3: return cr3Target3;
            default: throw new IllegalArgumentException("CR3-target index " + i);
        }
    }

    public Vmcs withCr3Target(int i, long v) {
        Builder b = toBuilder();
        switch (i) {
            case 0: b.cr3Target0(v); break;
            case 1: b.cr3Target1(v); break;
            case 2: b.cr3Target2(v); break;
            case 3: b.cr3Target3(v); break;
            default: throw new IllegalArgumentException("CR3-target index " + i);
        }
        return b.build();
    }

    /** EPT pointer (24.6.11). */
    public long eptp() {
        return eptp;
    }

    public Vmcs withEptp(long v) {
        return toBuilder().eptp(v).build();
    }

    /** EPTP-list address, host-physical (24.6.14). */
    public long eptpListAddress() {
        return eptpListAddress;
    }

    public Vmcs withEptpListAddress(long v) {
        return toBuilder().eptpListAddress(v).build();
    }

    /** VM-function controls; bit 0 = EPTP switching (24.6.14). */
    public long vmFunctionControls() {
        return vmFunctionControls;
    }

    public Vmcs withVmFunctionControls(long v) {
        return toBuilder().vmFunctionControls(v).build();
    }

    /** EPTP index, with #VE support (24.6.18). */
    public int eptpIndex() {
        return eptpIndex;
    }

    public Vmcs withEptpIndex(int v) {
        return toBuilder().eptpIndex(v).build();
    }

    /** Pin-based bit 0. */
    public boolean externalInterruptExiting() {
        return externalInterruptExiting;
    }

    public Vmcs withExternalInterruptExiting(boolean v) {
        return toBuilder().externalInterruptExiting(v).build();
    }

    /** Pin-based bit 3. */
    public boolean nmiExiting() {
        return nmiExiting;
    }

    public Vmcs withNmiExiting(boolean v) {
        return toBuilder().nmiExiting(v).build();
    }

    /** Pin-based bit 5. */
    public boolean virtualNmis() {
        return virtualNmis;
    }

    public Vmcs withVirtualNmis(boolean v) {
        return toBuilder().virtualNmis(v).build();
    }

    /** Pin-based bit 6. */
    public boolean activatePreemptionTimer() {
        return activatePreemptionTimer;
    }

    public Vmcs withActivatePreemptionTimer(boolean v) {
        return toBuilder().activatePreemptionTimer(v).build();
    }

    /** VMX-preemption timer value (guest-state area). */
    public long preemptionTimerValue() {
        return preemptionTimerValue;
    }

    public Vmcs withPreemptionTimerValue(long v) {
        return toBuilder().preemptionTimerValue(v).build();
    }

    /** Primary bit 2. */
    public boolean interruptWindowExiting() {
        return interruptWindowExiting;
    }

    public Vmcs withInterruptWindowExiting(boolean v) {
        return toBuilder().interruptWindowExiting(v).build();
    }

    /** Primary bit 7. */
    public boolean hltExiting() {
        return hltExiting;
    }

    public Vmcs withHltExiting(boolean v) {
        return toBuilder().hltExiting(v).build();
    }

    /** Primary bit 9. */
    public boolean invlpgExiting() {
        return invlpgExiting;
    }

    public Vmcs withInvlpgExiting(boolean v) {
        return toBuilder().invlpgExiting(v).build();
    }

    /** Primary bit 10. */
    public boolean mwaitExiting() {
        return mwaitExiting;
    }

    public Vmcs withMwaitExiting(boolean v) {
        return toBuilder().mwaitExiting(v).build();
    }

    /** Primary bit 11. */
    public boolean rdpmcExiting() {
        return rdpmcExiting;
    }

    public Vmcs withRdpmcExiting(boolean v) {
        return toBuilder().rdpmcExiting(v).build();
    }

    /** Primary bit 12. */
    public boolean rdtscExiting() {
        return rdtscExiting;
    }

    public Vmcs withRdtscExiting(boolean v) {
        return toBuilder().rdtscExiting(v).build();
    }

    /** Primary bit 15. */
    public boolean cr3LoadExiting() {
        return cr3LoadExiting;
    }

    public Vmcs withCr3LoadExiting(boolean v) {
        return toBuilder().cr3LoadExiting(v).build();
    }

    /** Primary bit 16. */
    public boolean cr3StoreExiting() {
        return cr3StoreExiting;
    }

    public Vmcs withCr3StoreExiting(boolean v) {
        return toBuilder().cr3StoreExiting(v).build();
    }

    /** Primary bit 19. */
    public boolean cr8LoadExiting() {
        return cr8LoadExiting;
    }

    public Vmcs withCr8LoadExiting(boolean v) {
        return toBuilder().cr8LoadExiting(v).build();
    }

    /** Primary bit 20. */
    public boolean cr8StoreExiting() {
        return cr8StoreExiting;
    }

    public Vmcs withCr8StoreExiting(boolean v) {
        return toBuilder().cr8StoreExiting(v).build();
    }

    /** Primary bit 21. */
    public boolean useTprShadow() {
        return useTprShadow;
    }

    public Vmcs withUseTprShadow(boolean v) {
        return toBuilder().useTprShadow(v).build();
    }

    /** Primary bit 22. */
    public boolean nmiWindowExiting() {
        return nmiWindowExiting;
    }

    public Vmcs withNmiWindowExiting(boolean v) {
        return toBuilder().nmiWindowExiting(v).build();
    }

    /** Primary bit 23. */
    public boolean movDrExiting() {
        return movDrExiting;
    }

    public Vmcs withMovDrExiting(boolean v) {
        return toBuilder().movDrExiting(v).build();
    }

    /** Primary bit 24 (I/O bitmaps, bit 25, are not modelled). */
    public boolean unconditionalIoExiting() {
        return unconditionalIoExiting;
    }

    public Vmcs withUnconditionalIoExiting(boolean v) {
        return toBuilder().unconditionalIoExiting(v).build();
    }

    /** Primary bit 28. */
    public boolean useMsrBitmaps() {
        return useMsrBitmaps;
    }

    public Vmcs withUseMsrBitmaps(boolean v) {
        return toBuilder().useMsrBitmaps(v).build();
    }

    /** Primary bit 29. */
    public boolean monitorExiting() {
        return monitorExiting;
    }

    public Vmcs withMonitorExiting(boolean v) {
        return toBuilder().monitorExiting(v).build();
    }

    /** Primary bit 30. */
    public boolean pauseExiting() {
        return pauseExiting;
    }

    public Vmcs withPauseExiting(boolean v) {
        return toBuilder().pauseExiting(v).build();
    }

    /** Primary bit 31. */
    public boolean activateSecondaryControls() {
        return activateSecondaryControls;
    }

    public Vmcs withActivateSecondaryControls(boolean v) {
        return toBuilder().activateSecondaryControls(v).build();
    }

    /** Secondary bit 1. */
    public boolean enableEpt() {
        return enableEpt;
    }

    public Vmcs withEnableEpt(boolean v) {
        return toBuilder().enableEpt(v).build();
    }

    /** Secondary bit 2. */
    public boolean descriptorTableExiting() {
        return descriptorTableExiting;
    }

    public Vmcs withDescriptorTableExiting(boolean v) {
        return toBuilder().descriptorTableExiting(v).build();
    }

    /** Secondary bit 3. */
    public boolean enableRdtscp() {
        return enableRdtscp;
    }

    public Vmcs withEnableRdtscp(boolean v) {
        return toBuilder().enableRdtscp(v).build();
    }

    /** Secondary bit 5. */
    public boolean enableVpid() {
        return enableVpid;
    }

    public Vmcs withEnableVpid(boolean v) {
        return toBuilder().enableVpid(v).build();
    }

    /** Secondary bit 6. */
    public boolean wbinvdExiting() {
        return wbinvdExiting;
    }

    public Vmcs withWbinvdExiting(boolean v) {
        return toBuilder().wbinvdExiting(v).build();
    }

    /** Secondary bit 7. */
    public boolean unrestrictedGuest() {
        return unrestrictedGuest;
    }

    public Vmcs withUnrestrictedGuest(boolean v) {
        return toBuilder().unrestrictedGuest(v).build();
    }

    /** Secondary bit 12. */
    public boolean enableInvpcid() {
        return enableInvpcid;
    }

    public Vmcs withEnableInvpcid(boolean v) {
        return toBuilder().enableInvpcid(v).build();
    }

    /** Secondary bit 13. */
    public boolean enableVmFunctions() {
        return enableVmFunctions;
    }

    public Vmcs withEnableVmFunctions(boolean v) {
        return toBuilder().enableVmFunctions(v).build();
    }

    /** Secondary bit 11. */
    public boolean rdrandExiting() {
        return rdrandExiting;
    }

    public Vmcs withRdrandExiting(boolean v) {
        return toBuilder().rdrandExiting(v).build();
    }

    /** Secondary bit 18 (EPT-violation #VE). */
    public boolean eptViolationVe() {
        return eptViolationVe;
    }

    public Vmcs withEptViolationVe(boolean v) {
        return toBuilder().eptViolationVe(v).build();
    }

    /** Secondary bit 20. */
    public boolean enableXsaves() {
        return enableXsaves;
    }

    public Vmcs withEnableXsaves(boolean v) {
        return toBuilder().enableXsaves(v).build();
    }

    /** Secondary bit 16. */
    public boolean rdseedExiting() {
        return rdseedExiting;
    }

    public Vmcs withRdseedExiting(boolean v) {
        return toBuilder().rdseedExiting(v).build();
    }

    /** CR0 guest/host mask (24.6.6). */
    public long cr0GuestHostMask() {
        return cr0GuestHostMask;
    }

    public Vmcs withCr0GuestHostMask(long v) {
        return toBuilder().cr0GuestHostMask(v).build();
    }

    /** CR0 read shadow. */
    public long cr0ReadShadow() {
        return cr0ReadShadow;
    }

    public Vmcs withCr0ReadShadow(long v) {
        return toBuilder().cr0ReadShadow(v).build();
    }

    /** CR4 guest/host mask. */
    public long cr4GuestHostMask() {
        return cr4GuestHostMask;
    }

    public Vmcs withCr4GuestHostMask(long v) {
        return toBuilder().cr4GuestHostMask(v).build();
    }

    /** CR4 read shadow. */
    public long cr4ReadShadow() {
        return cr4ReadShadow;
    }

    public Vmcs withCr4ReadShadow(long v) {
        return toBuilder().cr4ReadShadow(v).build();
    }

    /** CR3-target count (24.6.7). */
    public int cr3TargetCount() {
        return cr3TargetCount;
    }

    public Vmcs withCr3TargetCount(int v) {
        return toBuilder().cr3TargetCount(v).build();
    }

    /** CR3-target value 0. */
    public long cr3Target0() {
        return cr3Target0;
    }

    public Vmcs withCr3Target0(long v) {
        return toBuilder().cr3Target0(v).build();
    }

    /** CR3-target value 1. */
    public long cr3Target1() {
        return cr3Target1;
    }

    public Vmcs withCr3Target1(long v) {
        return toBuilder().cr3Target1(v).build();
    }

    /** CR3-target value 2. */
    public long cr3Target2() {
        return cr3Target2;
    }

    public Vmcs withCr3Target2(long v) {
        return toBuilder().cr3Target2(v).build();
    }

    /** CR3-target value 3. */
    public long cr3Target3() {
        return cr3Target3;
    }

    public Vmcs withCr3Target3(long v) {
        return toBuilder().cr3Target3(v).build();
    }

    /** The MSR bitmaps (24.6.9), as a value. */
    public MsrBitmap msrBitmap() {
        return msrBitmap;
    }

    public Vmcs withMsrBitmap(MsrBitmap v) {
        return toBuilder().msrBitmap(v).build();
    }

    /** Exception bitmap (24.6.3). */
    public int exceptionBitmap() {
        return exceptionBitmap;
    }

    public Vmcs withExceptionBitmap(int v) {
        return toBuilder().exceptionBitmap(v).build();
    }

    /** Page-fault error-code mask. */
    public int pageFaultErrorCodeMask() {
        return pageFaultErrorCodeMask;
    }

    public Vmcs withPageFaultErrorCodeMask(int v) {
        return toBuilder().pageFaultErrorCodeMask(v).build();
    }

    /** Page-fault error-code match. */
    public int pageFaultErrorCodeMatch() {
        return pageFaultErrorCodeMatch;
    }

    public Vmcs withPageFaultErrorCodeMatch(int v) {
        return toBuilder().pageFaultErrorCodeMatch(v).build();
    }

    /** Guest interruptibility state (24.4.2, Table 24-3). */
    public int guestInterruptibility() {
        return guestInterruptibility;
    }

    public Vmcs withGuestInterruptibility(int v) {
        return toBuilder().guestInterruptibility(v).build();
    }

    /** Guest activity state. */
    public ActivityState guestActivityState() {
        return guestActivityState;
    }

    public Vmcs withGuestActivityState(ActivityState v) {
        return toBuilder().guestActivityState(v).build();
    }

    /** VM-entry interruption-information field (24.8.3). */
    public int entryInterruptionInfo() {
        return entryInterruptionInfo;
    }

    public Vmcs withEntryInterruptionInfo(int v) {
        return toBuilder().entryInterruptionInfo(v).build();
    }

    /** VM-entry exception error code. */
    public int entryExceptionErrorCode() {
        return entryExceptionErrorCode;
    }

    public Vmcs withEntryExceptionErrorCode(int v) {
        return toBuilder().entryExceptionErrorCode(v).build();
    }

    /** VM-entry instruction length. */
    public int entryInstructionLength() {
        return entryInstructionLength;
    }

    public Vmcs withEntryInstructionLength(int v) {
        return toBuilder().entryInstructionLength(v).build();
    }

    /** Exit reason (24.9.1). */
    public int exitReason() {
        return exitReason;
    }

    public Vmcs withExitReason(int v) {
        return toBuilder().exitReason(v).build();
    }

    /** Exit qualification. */
    public long exitQualification() {
        return exitQualification;
    }

    public Vmcs withExitQualification(long v) {
        return toBuilder().exitQualification(v).build();
    }

    /** Guest-linear address. */
    public long guestLinearAddress() {
        return guestLinearAddress;
    }

    public Vmcs withGuestLinearAddress(long v) {
        return toBuilder().guestLinearAddress(v).build();
    }

    /** Guest-physical address. */
    public long guestPhysicalAddress() {
        return guestPhysicalAddress;
    }

    public Vmcs withGuestPhysicalAddress(long v) {
        return toBuilder().guestPhysicalAddress(v).build();
    }

    /** VM-exit instruction length. */
    public int exitInstructionLength() {
        return exitInstructionLength;
    }

    public Vmcs withExitInstructionLength(int v) {
        return toBuilder().exitInstructionLength(v).build();
    }

    /** VM-exit interruption information (24.9.2). */
    public int exitInterruptionInfo() {
        return exitInterruptionInfo;
    }

    public Vmcs withExitInterruptionInfo(int v) {
        return toBuilder().exitInterruptionInfo(v).build();
    }

    /** VM-exit interruption error code. */
    public int exitInterruptionErrorCode() {
        return exitInterruptionErrorCode;
    }

    public Vmcs withExitInterruptionErrorCode(int v) {
        return toBuilder().exitInterruptionErrorCode(v).build();
    }

    /** IDT-vectoring information (24.9.3). */
    public int idtVectoringInfo() {
        return idtVectoringInfo;
    }

    public Vmcs withIdtVectoringInfo(int v) {
        return toBuilder().idtVectoringInfo(v).build();
    }

    /** IDT-vectoring error code. */
    public int idtVectoringErrorCode() {
        return idtVectoringErrorCode;
    }

    public Vmcs withIdtVectoringErrorCode(int v) {
        return toBuilder().idtVectoringErrorCode(v).build();
    }

    @Override
    public boolean equals(Object obj) {
        if (this == obj) {
            return true;
        }
        if (!(obj instanceof Vmcs o)) {
            return false;
        }
        return true
                && eptp == o.eptp
                && eptpListAddress == o.eptpListAddress
                && vmFunctionControls == o.vmFunctionControls
                && eptpIndex == o.eptpIndex
                && externalInterruptExiting == o.externalInterruptExiting
                && nmiExiting == o.nmiExiting
                && virtualNmis == o.virtualNmis
                && activatePreemptionTimer == o.activatePreemptionTimer
                && preemptionTimerValue == o.preemptionTimerValue
                && interruptWindowExiting == o.interruptWindowExiting
                && hltExiting == o.hltExiting
                && invlpgExiting == o.invlpgExiting
                && mwaitExiting == o.mwaitExiting
                && rdpmcExiting == o.rdpmcExiting
                && rdtscExiting == o.rdtscExiting
                && cr3LoadExiting == o.cr3LoadExiting
                && cr3StoreExiting == o.cr3StoreExiting
                && cr8LoadExiting == o.cr8LoadExiting
                && cr8StoreExiting == o.cr8StoreExiting
                && useTprShadow == o.useTprShadow
                && nmiWindowExiting == o.nmiWindowExiting
                && movDrExiting == o.movDrExiting
                && unconditionalIoExiting == o.unconditionalIoExiting
                && useMsrBitmaps == o.useMsrBitmaps
                && monitorExiting == o.monitorExiting
                && pauseExiting == o.pauseExiting
                && activateSecondaryControls == o.activateSecondaryControls
                && enableEpt == o.enableEpt
                && descriptorTableExiting == o.descriptorTableExiting
                && enableRdtscp == o.enableRdtscp
                && enableVpid == o.enableVpid
                && wbinvdExiting == o.wbinvdExiting
                && unrestrictedGuest == o.unrestrictedGuest
                && enableInvpcid == o.enableInvpcid
                && enableVmFunctions == o.enableVmFunctions
                && rdrandExiting == o.rdrandExiting
                && eptViolationVe == o.eptViolationVe
                && enableXsaves == o.enableXsaves
                && rdseedExiting == o.rdseedExiting
                && cr0GuestHostMask == o.cr0GuestHostMask
                && cr0ReadShadow == o.cr0ReadShadow
                && cr4GuestHostMask == o.cr4GuestHostMask
                && cr4ReadShadow == o.cr4ReadShadow
                && cr3TargetCount == o.cr3TargetCount
                && cr3Target0 == o.cr3Target0
                && cr3Target1 == o.cr3Target1
                && cr3Target2 == o.cr3Target2
                && cr3Target3 == o.cr3Target3
                && msrBitmap.equals(o.msrBitmap)
                && exceptionBitmap == o.exceptionBitmap
                && pageFaultErrorCodeMask == o.pageFaultErrorCodeMask
                && pageFaultErrorCodeMatch == o.pageFaultErrorCodeMatch
                && guestInterruptibility == o.guestInterruptibility
                && guestActivityState.equals(o.guestActivityState)
                && entryInterruptionInfo == o.entryInterruptionInfo
                && entryExceptionErrorCode == o.entryExceptionErrorCode
                && entryInstructionLength == o.entryInstructionLength
                && exitReason == o.exitReason
                && exitQualification == o.exitQualification
                && guestLinearAddress == o.guestLinearAddress
                && guestPhysicalAddress == o.guestPhysicalAddress
                && exitInstructionLength == o.exitInstructionLength
                && exitInterruptionInfo == o.exitInterruptionInfo
                && exitInterruptionErrorCode == o.exitInterruptionErrorCode
                && idtVectoringInfo == o.idtVectoringInfo
                && idtVectoringErrorCode == o.idtVectoringErrorCode
                ;
    }

    @Override
    public int hashCode() {
        long h = contentHash(0);
        return (int) (h ^ (h >>> 32));
    }

    /** The seed and value of the last {@link #contentHash(long)} (the VMCS is immutable). */
    private volatile Hash64.Seeded hashCache;

    /** Deterministic 64-bit fingerprint of every field. */
    public long contentHash(long seed) {
        Hash64.Seeded c = hashCache;
        if (!Hash64.Seeded.holds(c, seed)) {
            c = new Hash64.Seeded(seed, computeHash(seed));
            hashCache = c;
        }
        return c.value();
    }

    private long computeHash(long seed) {
        long h = Hash64.mix(seed ^ 0x566D6373L);
        h = Hash64.combine(h, eptp);
        h = Hash64.combine(h, eptpListAddress);
        h = Hash64.combine(h, vmFunctionControls);
        h = Hash64.combine(h, eptpIndex);
        h = Hash64.combine(h, externalInterruptExiting ? 1 : 0);
        h = Hash64.combine(h, nmiExiting ? 1 : 0);
        h = Hash64.combine(h, virtualNmis ? 1 : 0);
        h = Hash64.combine(h, activatePreemptionTimer ? 1 : 0);
        h = Hash64.combine(h, preemptionTimerValue);
        h = Hash64.combine(h, interruptWindowExiting ? 1 : 0);
        h = Hash64.combine(h, hltExiting ? 1 : 0);
        h = Hash64.combine(h, invlpgExiting ? 1 : 0);
        h = Hash64.combine(h, mwaitExiting ? 1 : 0);
        h = Hash64.combine(h, rdpmcExiting ? 1 : 0);
        h = Hash64.combine(h, rdtscExiting ? 1 : 0);
        h = Hash64.combine(h, cr3LoadExiting ? 1 : 0);
        h = Hash64.combine(h, cr3StoreExiting ? 1 : 0);
        h = Hash64.combine(h, cr8LoadExiting ? 1 : 0);
        h = Hash64.combine(h, cr8StoreExiting ? 1 : 0);
        h = Hash64.combine(h, useTprShadow ? 1 : 0);
        h = Hash64.combine(h, nmiWindowExiting ? 1 : 0);
        h = Hash64.combine(h, movDrExiting ? 1 : 0);
        h = Hash64.combine(h, unconditionalIoExiting ? 1 : 0);
        h = Hash64.combine(h, useMsrBitmaps ? 1 : 0);
        h = Hash64.combine(h, monitorExiting ? 1 : 0);
        h = Hash64.combine(h, pauseExiting ? 1 : 0);
        h = Hash64.combine(h, activateSecondaryControls ? 1 : 0);
        h = Hash64.combine(h, enableEpt ? 1 : 0);
        h = Hash64.combine(h, descriptorTableExiting ? 1 : 0);
        h = Hash64.combine(h, enableRdtscp ? 1 : 0);
        h = Hash64.combine(h, enableVpid ? 1 : 0);
        h = Hash64.combine(h, wbinvdExiting ? 1 : 0);
        h = Hash64.combine(h, unrestrictedGuest ? 1 : 0);
        h = Hash64.combine(h, enableInvpcid ? 1 : 0);
        h = Hash64.combine(h, enableVmFunctions ? 1 : 0);
        h = Hash64.combine(h, rdrandExiting ? 1 : 0);
        h = Hash64.combine(h, eptViolationVe ? 1 : 0);
        h = Hash64.combine(h, enableXsaves ? 1 : 0);
        h = Hash64.combine(h, rdseedExiting ? 1 : 0);
        h = Hash64.combine(h, cr0GuestHostMask);
        h = Hash64.combine(h, cr0ReadShadow);
        h = Hash64.combine(h, cr4GuestHostMask);
        h = Hash64.combine(h, cr4ReadShadow);
        h = Hash64.combine(h, cr3TargetCount);
        h = Hash64.combine(h, cr3Target0);
        h = Hash64.combine(h, cr3Target1);
        h = Hash64.combine(h, cr3Target2);
        h = Hash64.combine(h, cr3Target3);
        h = Hash64.combine(h, msrBitmap.contentHash());
        h = Hash64.combine(h, exceptionBitmap);
        h = Hash64.combine(h, pageFaultErrorCodeMask);
        h = Hash64.combine(h, pageFaultErrorCodeMatch);
        h = Hash64.combine(h, guestInterruptibility);
        h = Hash64.combine(h, guestActivityState.ordinal());
        h = Hash64.combine(h, entryInterruptionInfo);
        h = Hash64.combine(h, entryExceptionErrorCode);
        h = Hash64.combine(h, entryInstructionLength);
        h = Hash64.combine(h, exitReason);
        h = Hash64.combine(h, exitQualification);
        h = Hash64.combine(h, guestLinearAddress);
        h = Hash64.combine(h, guestPhysicalAddress);
        h = Hash64.combine(h, exitInstructionLength);
        h = Hash64.combine(h, exitInterruptionInfo);
        h = Hash64.combine(h, exitInterruptionErrorCode);
        h = Hash64.combine(h, idtVectoringInfo);
        h = Hash64.combine(h, idtVectoringErrorCode);
        return Hash64.mix(h);
    }

    @Override
    public String toString() {
        return String.format("Vmcs[eptp=%x eptpList=%x vmfunc=%x exit=%d qual=%x]",
                eptp, eptpListAddress, vmFunctionControls, exitReason, exitQualification);
    }

    /** Mutable builder. */
    public static final class Builder {
        private long eptp;
        private long eptpListAddress;
        private long vmFunctionControls;
        private int eptpIndex;
        private boolean externalInterruptExiting;
        private boolean nmiExiting;
        private boolean virtualNmis;
        private boolean activatePreemptionTimer;
        private long preemptionTimerValue;
        private boolean interruptWindowExiting;
        private boolean hltExiting;
        private boolean invlpgExiting;
        private boolean mwaitExiting;
        private boolean rdpmcExiting;
        private boolean rdtscExiting;
        private boolean cr3LoadExiting;
        private boolean cr3StoreExiting;
        private boolean cr8LoadExiting;
        private boolean cr8StoreExiting;
        private boolean useTprShadow;
        private boolean nmiWindowExiting;
        private boolean movDrExiting;
        private boolean unconditionalIoExiting;
        private boolean useMsrBitmaps;
        private boolean monitorExiting;
        private boolean pauseExiting;
        private boolean activateSecondaryControls;
        private boolean enableEpt;
        private boolean descriptorTableExiting;
        private boolean enableRdtscp;
        private boolean enableVpid;
        private boolean wbinvdExiting;
        private boolean unrestrictedGuest;
        private boolean enableInvpcid;
        private boolean enableVmFunctions;
        private boolean rdrandExiting;
        private boolean eptViolationVe;
        private boolean enableXsaves;
        private boolean rdseedExiting;
        private long cr0GuestHostMask;
        private long cr0ReadShadow;
        private long cr4GuestHostMask;
        private long cr4ReadShadow;
        private int cr3TargetCount;
        private long cr3Target0;
        private long cr3Target1;
        private long cr3Target2;
        private long cr3Target3;
        private MsrBitmap msrBitmap = MsrBitmap.NO_EXITS;
        private int exceptionBitmap;
        private int pageFaultErrorCodeMask;
        private int pageFaultErrorCodeMatch;
        private int guestInterruptibility;
        private ActivityState guestActivityState = ActivityState.ACTIVE;
        private int entryInterruptionInfo;
        private int entryExceptionErrorCode;
        private int entryInstructionLength;
        private int exitReason;
        private long exitQualification;
        private long guestLinearAddress;
        private long guestPhysicalAddress;
        private int exitInstructionLength;
        private int exitInterruptionInfo;
        private int exitInterruptionErrorCode;
        private int idtVectoringInfo;
        private int idtVectoringErrorCode;

        private Builder() {
        }

        private Builder(Vmcs v) {
            this.eptp = v.eptp;
            this.eptpListAddress = v.eptpListAddress;
            this.vmFunctionControls = v.vmFunctionControls;
            this.eptpIndex = v.eptpIndex;
            this.externalInterruptExiting = v.externalInterruptExiting;
            this.nmiExiting = v.nmiExiting;
            this.virtualNmis = v.virtualNmis;
            this.activatePreemptionTimer = v.activatePreemptionTimer;
            this.preemptionTimerValue = v.preemptionTimerValue;
            this.interruptWindowExiting = v.interruptWindowExiting;
            this.hltExiting = v.hltExiting;
            this.invlpgExiting = v.invlpgExiting;
            this.mwaitExiting = v.mwaitExiting;
            this.rdpmcExiting = v.rdpmcExiting;
            this.rdtscExiting = v.rdtscExiting;
            this.cr3LoadExiting = v.cr3LoadExiting;
            this.cr3StoreExiting = v.cr3StoreExiting;
            this.cr8LoadExiting = v.cr8LoadExiting;
            this.cr8StoreExiting = v.cr8StoreExiting;
            this.useTprShadow = v.useTprShadow;
            this.nmiWindowExiting = v.nmiWindowExiting;
            this.movDrExiting = v.movDrExiting;
            this.unconditionalIoExiting = v.unconditionalIoExiting;
            this.useMsrBitmaps = v.useMsrBitmaps;
            this.monitorExiting = v.monitorExiting;
            this.pauseExiting = v.pauseExiting;
            this.activateSecondaryControls = v.activateSecondaryControls;
            this.enableEpt = v.enableEpt;
            this.descriptorTableExiting = v.descriptorTableExiting;
            this.enableRdtscp = v.enableRdtscp;
            this.enableVpid = v.enableVpid;
            this.wbinvdExiting = v.wbinvdExiting;
            this.unrestrictedGuest = v.unrestrictedGuest;
            this.enableInvpcid = v.enableInvpcid;
            this.enableVmFunctions = v.enableVmFunctions;
            this.rdrandExiting = v.rdrandExiting;
            this.eptViolationVe = v.eptViolationVe;
            this.enableXsaves = v.enableXsaves;
            this.rdseedExiting = v.rdseedExiting;
            this.cr0GuestHostMask = v.cr0GuestHostMask;
            this.cr0ReadShadow = v.cr0ReadShadow;
            this.cr4GuestHostMask = v.cr4GuestHostMask;
            this.cr4ReadShadow = v.cr4ReadShadow;
            this.cr3TargetCount = v.cr3TargetCount;
            this.cr3Target0 = v.cr3Target0;
            this.cr3Target1 = v.cr3Target1;
            this.cr3Target2 = v.cr3Target2;
            this.cr3Target3 = v.cr3Target3;
            this.msrBitmap = v.msrBitmap;
            this.exceptionBitmap = v.exceptionBitmap;
            this.pageFaultErrorCodeMask = v.pageFaultErrorCodeMask;
            this.pageFaultErrorCodeMatch = v.pageFaultErrorCodeMatch;
            this.guestInterruptibility = v.guestInterruptibility;
            this.guestActivityState = v.guestActivityState;
            this.entryInterruptionInfo = v.entryInterruptionInfo;
            this.entryExceptionErrorCode = v.entryExceptionErrorCode;
            this.entryInstructionLength = v.entryInstructionLength;
            this.exitReason = v.exitReason;
            this.exitQualification = v.exitQualification;
            this.guestLinearAddress = v.guestLinearAddress;
            this.guestPhysicalAddress = v.guestPhysicalAddress;
            this.exitInstructionLength = v.exitInstructionLength;
            this.exitInterruptionInfo = v.exitInterruptionInfo;
            this.exitInterruptionErrorCode = v.exitInterruptionErrorCode;
            this.idtVectoringInfo = v.idtVectoringInfo;
            this.idtVectoringErrorCode = v.idtVectoringErrorCode;
        }

        public Builder eptp(long v) {
            this.eptp = v;
            return this;
        }

        public Builder eptpListAddress(long v) {
            this.eptpListAddress = v;
            return this;
        }

        public Builder vmFunctionControls(long v) {
            this.vmFunctionControls = v;
            return this;
        }

        public Builder eptpIndex(int v) {
            this.eptpIndex = v;
            return this;
        }

        public Builder externalInterruptExiting(boolean v) {
            this.externalInterruptExiting = v;
            return this;
        }

        public Builder nmiExiting(boolean v) {
            this.nmiExiting = v;
            return this;
        }

        public Builder virtualNmis(boolean v) {
            this.virtualNmis = v;
            return this;
        }

        public Builder activatePreemptionTimer(boolean v) {
            this.activatePreemptionTimer = v;
            return this;
        }

        public Builder preemptionTimerValue(long v) {
            this.preemptionTimerValue = v;
            return this;
        }

        public Builder interruptWindowExiting(boolean v) {
            this.interruptWindowExiting = v;
            return this;
        }

        public Builder hltExiting(boolean v) {
            this.hltExiting = v;
            return this;
        }

        public Builder invlpgExiting(boolean v) {
            this.invlpgExiting = v;
            return this;
        }

        public Builder mwaitExiting(boolean v) {
            this.mwaitExiting = v;
            return this;
        }

        public Builder rdpmcExiting(boolean v) {
            this.rdpmcExiting = v;
            return this;
        }

        public Builder rdtscExiting(boolean v) {
            this.rdtscExiting = v;
            return this;
        }

        public Builder cr3LoadExiting(boolean v) {
            this.cr3LoadExiting = v;
            return this;
        }

        public Builder cr3StoreExiting(boolean v) {
            this.cr3StoreExiting = v;
            return this;
        }

        public Builder cr8LoadExiting(boolean v) {
            this.cr8LoadExiting = v;
            return this;
        }

        public Builder cr8StoreExiting(boolean v) {
            this.cr8StoreExiting = v;
            return this;
        }

        public Builder useTprShadow(boolean v) {
            this.useTprShadow = v;
            return this;
        }

        public Builder nmiWindowExiting(boolean v) {
            this.nmiWindowExiting = v;
            return this;
        }

        public Builder movDrExiting(boolean v) {
            this.movDrExiting = v;
            return this;
        }

        public Builder unconditionalIoExiting(boolean v) {
            this.unconditionalIoExiting = v;
            return this;
        }

        public Builder useMsrBitmaps(boolean v) {
            this.useMsrBitmaps = v;
            return this;
        }

        public Builder monitorExiting(boolean v) {
            this.monitorExiting = v;
            return this;
        }

        public Builder pauseExiting(boolean v) {
            this.pauseExiting = v;
            return this;
        }

        public Builder activateSecondaryControls(boolean v) {
            this.activateSecondaryControls = v;
            return this;
        }

        public Builder enableEpt(boolean v) {
            this.enableEpt = v;
            return this;
        }

        public Builder descriptorTableExiting(boolean v) {
            this.descriptorTableExiting = v;
            return this;
        }

        public Builder enableRdtscp(boolean v) {
            this.enableRdtscp = v;
            return this;
        }

        public Builder enableVpid(boolean v) {
            this.enableVpid = v;
            return this;
        }

        public Builder wbinvdExiting(boolean v) {
            this.wbinvdExiting = v;
            return this;
        }

        public Builder unrestrictedGuest(boolean v) {
            this.unrestrictedGuest = v;
            return this;
        }

        public Builder enableInvpcid(boolean v) {
            this.enableInvpcid = v;
            return this;
        }

        public Builder enableVmFunctions(boolean v) {
            this.enableVmFunctions = v;
            return this;
        }

        public Builder rdrandExiting(boolean v) {
            this.rdrandExiting = v;
            return this;
        }

        public Builder eptViolationVe(boolean v) {
            this.eptViolationVe = v;
            return this;
        }

        public Builder enableXsaves(boolean v) {
            this.enableXsaves = v;
            return this;
        }

        public Builder rdseedExiting(boolean v) {
            this.rdseedExiting = v;
            return this;
        }

        public Builder cr0GuestHostMask(long v) {
            this.cr0GuestHostMask = v;
            return this;
        }

        public Builder cr0ReadShadow(long v) {
            this.cr0ReadShadow = v;
            return this;
        }

        public Builder cr4GuestHostMask(long v) {
            this.cr4GuestHostMask = v;
            return this;
        }

        public Builder cr4ReadShadow(long v) {
            this.cr4ReadShadow = v;
            return this;
        }

        public Builder cr3TargetCount(int v) {
            this.cr3TargetCount = v;
            return this;
        }

        public Builder cr3Target0(long v) {
            this.cr3Target0 = v;
            return this;
        }

        public Builder cr3Target1(long v) {
            this.cr3Target1 = v;
            return this;
        }

        public Builder cr3Target2(long v) {
            this.cr3Target2 = v;
            return this;
        }

        public Builder cr3Target3(long v) {
            this.cr3Target3 = v;
            return this;
        }

        public Builder msrBitmap(MsrBitmap v) {
            this.msrBitmap = v;
            return this;
        }

        public Builder exceptionBitmap(int v) {
            this.exceptionBitmap = v;
            return this;
        }

        public Builder pageFaultErrorCodeMask(int v) {
            this.pageFaultErrorCodeMask = v;
            return this;
        }

        public Builder pageFaultErrorCodeMatch(int v) {
            this.pageFaultErrorCodeMatch = v;
            return this;
        }

        public Builder guestInterruptibility(int v) {
            this.guestInterruptibility = v;
            return this;
        }

        public Builder guestActivityState(ActivityState v) {
            this.guestActivityState = v;
            return this;
        }

        public Builder entryInterruptionInfo(int v) {
            this.entryInterruptionInfo = v;
            return this;
        }

        public Builder entryExceptionErrorCode(int v) {
            this.entryExceptionErrorCode = v;
            return this;
        }

        public Builder entryInstructionLength(int v) {
            this.entryInstructionLength = v;
            return this;
        }

        public Builder exitReason(int v) {
            this.exitReason = v;
            return this;
        }

        public Builder exitQualification(long v) {
            this.exitQualification = v;
            return this;
        }

        public Builder guestLinearAddress(long v) {
            this.guestLinearAddress = v;
            return this;
        }

        public Builder guestPhysicalAddress(long v) {
            this.guestPhysicalAddress = v;
            return this;
        }

        public Builder exitInstructionLength(int v) {
            this.exitInstructionLength = v;
            return this;
        }

        public Builder exitInterruptionInfo(int v) {
            this.exitInterruptionInfo = v;
            return this;
        }

        public Builder exitInterruptionErrorCode(int v) {
            this.exitInterruptionErrorCode = v;
            return this;
        }

        public Builder idtVectoringInfo(int v) {
            this.idtVectoringInfo = v;
            return this;
        }

        public Builder idtVectoringErrorCode(int v) {
            this.idtVectoringErrorCode = v;
            return this;
        }

        public Vmcs build() {
            return new Vmcs(this);
        }
    }
}
