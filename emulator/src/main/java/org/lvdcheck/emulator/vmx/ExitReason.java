package org.lvdcheck.emulator.vmx;

/**
 * Basic exit reasons, bits 15:0 of the exit-reason field (SDM Vol. 3D Appendix C, Table C-1,
 * order number 325462-072US). Numbers 35, 38, 42 and 65 are not used.
 */
public enum ExitReason {
    /** 0: Exception or non-maskable interrupt. */
    EXCEPTION_OR_NMI(0, "Exception or non-maskable interrupt"),
    /** 1: External interrupt. */
    EXTERNAL_INTERRUPT(1, "External interrupt"),
    /** 2: Triple fault. */
    TRIPLE_FAULT(2, "Triple fault"),
    /** 3: INIT signal. */
    INIT_SIGNAL(3, "INIT signal"),
    /** 4: Start-up IPI (SIPI). */
    STARTUP_IPI(4, "Start-up IPI (SIPI)"),
    /** 5: I/O system-management interrupt. */
    IO_SMI(5, "I/O system-management interrupt"),
    /** 6: Other SMI. */
    OTHER_SMI(6, "Other SMI"),
    /** 7: Interrupt window. */
    INTERRUPT_WINDOW(7, "Interrupt window"),
    /** 8: NMI window. */
    NMI_WINDOW(8, "NMI window"),
    /** 9: Task switch. */
    TASK_SWITCH(9, "Task switch"),
    /** 10: CPUID. */
    CPUID(10, "CPUID"),
    /** 11: GETSEC. */
    GETSEC(11, "GETSEC"),
    /** 12: HLT. */
    HLT(12, "HLT"),
    /** 13: INVD. */
    INVD(13, "INVD"),
    /** 14: INVLPG. */
    INVLPG(14, "INVLPG"),
    /** 15: RDPMC. */
    RDPMC(15, "RDPMC"),
    /** 16: RDTSC. */
    RDTSC(16, "RDTSC"),
    /** 17: RSM. */
    RSM(17, "RSM"),
    /** 18: VMCALL. */
    VMCALL(18, "VMCALL"),
    /** 19: VMCLEAR. */
    VMCLEAR(19, "VMCLEAR"),
    /** 20: VMLAUNCH. */
    VMLAUNCH(20, "VMLAUNCH"),
    /** 21: VMPTRLD. */
    VMPTRLD(21, "VMPTRLD"),
    /** 22: VMPTRST. */
    VMPTRST(22, "VMPTRST"),
    /** 23: VMREAD. */
    VMREAD(23, "VMREAD"),
    /** 24: VMRESUME. */
    VMRESUME(24, "VMRESUME"),
    /** 25: VMWRITE. */
    VMWRITE(25, "VMWRITE"),
    /** 26: VMXOFF. */
    VMXOFF(26, "VMXOFF"),
    /** 27: VMXON. */
    VMXON(27, "VMXON"),
    /** 28: Control-register accesses. */
    CONTROL_REGISTER_ACCESS(28, "Control-register accesses"),
    /** 29: MOV DR. */
    MOV_DR(29, "MOV DR"),
    /** 30: I/O instruction. */
    IO_INSTRUCTION(30, "I/O instruction"),
    /** 31: RDMSR. */
    RDMSR(31, "RDMSR"),
    /** 32: WRMSR. */
    WRMSR(32, "WRMSR"),
    /** 33: VM-entry failure due to invalid guest state. */
    ENTRY_FAILURE_GUEST_STATE(33, "VM-entry failure due to invalid guest state"),
    /** 34: VM-entry failure due to MSR loading. */
    ENTRY_FAILURE_MSR_LOADING(34, "VM-entry failure due to MSR loading"),
    /** 36: MWAIT. */
    MWAIT(36, "MWAIT"),
    /** 37: Monitor trap flag. */
    MONITOR_TRAP_FLAG(37, "Monitor trap flag"),
    /** 39: MONITOR. */
    MONITOR(39, "MONITOR"),
    /** 40: PAUSE. */
    PAUSE(40, "PAUSE"),
    /** 41: VM-entry failure due to machine-check event. */
    ENTRY_FAILURE_MACHINE_CHECK(41, "VM-entry failure due to machine-check event"),
    /** 43: TPR below threshold. */
    TPR_BELOW_THRESHOLD(43, "TPR below threshold"),
    /** 44: APIC access. */
    APIC_ACCESS(44, "APIC access"),
    /** 45: Virtualized EOI. */
    VIRTUALIZED_EOI(45, "Virtualized EOI"),
    /** 46: Access to GDTR or IDTR. */
    GDTR_IDTR_ACCESS(46, "Access to GDTR or IDTR"),
    /** 47: Access to LDTR or TR. */
    LDTR_TR_ACCESS(47, "Access to LDTR or TR"),
    /** 48: EPT violation. */
    EPT_VIOLATION(48, "EPT violation"),
    /** 49: EPT misconfiguration. */
    EPT_MISCONFIGURATION(49, "EPT misconfiguration"),
    /** 50: INVEPT. */
    INVEPT(50, "INVEPT"),
    /** 51: RDTSCP. */
    RDTSCP(51, "RDTSCP"),
    /** 52: VMX-preemption timer expired. */
    PREEMPTION_TIMER(52, "VMX-preemption timer expired"),
    /** 53: INVVPID. */
    INVVPID(53, "INVVPID"),
    /** 54: WBINVD. */
    WBINVD(54, "WBINVD"),
    /** 55: XSETBV. */
    XSETBV(55, "XSETBV"),
    /** 56: APIC write. */
    APIC_WRITE(56, "APIC write"),
    /** 57: RDRAND. */
    RDRAND(57, "RDRAND"),
    /** 58: INVPCID. */
    INVPCID(58, "INVPCID"),
    /** 59: VMFUNC. */
    VMFUNC(59, "VMFUNC"),
    /** 60: ENCLS. */
    ENCLS(60, "ENCLS"),
    /** 61: RDSEED. */
    RDSEED(61, "RDSEED"),
    /** 62: Page-modification log full. */
    PML_FULL(62, "Page-modification log full"),
    /** 63: XSAVES. */
    XSAVES(63, "XSAVES"),
    /** 64: XRSTORS. */
    XRSTORS(64, "XRSTORS"),
    /** 66: SPP-related event. */
    SPP_EVENT(66, "SPP-related event"),
    /** 67: UMWAIT. */
    UMWAIT(67, "UMWAIT"),
    /** 68: TPAUSE. */
    TPAUSE(68, "TPAUSE");

    private static final ExitReason[] BY_NUMBER = new ExitReason[69];

    static {
        for (ExitReason r : values()) {
            BY_NUMBER[r.number] = r;
        }
    }

    private final int number;
    private final String description;

    ExitReason(int number, String description) {
        this.number = number;
        this.description = description;
    }

    /** The basic exit reason number. */
    public int number() {
        return number;
    }

    public String description() {
        return description;
    }

    /** The reason with this basic number, or null if the number is unused. */
    public static ExitReason ofNumber(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }
}
