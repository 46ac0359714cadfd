package org.lvdcheck.emulator.vmx;

import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;

/**
 * Whether an instruction or event in VMX non-root operation causes a VM exit under a VMCS: one
 * pure predicate per rule of SDM Vol. 3C 25.1.2 (unconditional), 25.1.3 (conditional), 25.2
 * (events) and 25.3/26.6 (window exits). The exit reason is the one named in each comment.
 */
public final class VmxExitRules {
    private VmxExitRules() {
    }

    // ---- 25.1.2: instructions that cause VM exits unconditionally ----

    /** CPUID always exits (reason 10). */
    public static boolean cpuidExits(Vmcs vmcs) {
        return true;
    }

    /** GETSEC always exits (reason 11). */
    public static boolean getsecExits(Vmcs vmcs) {
        return true;
    }

    /** INVD always exits (reason 13). */
    public static boolean invdExits(Vmcs vmcs) {
        return true;
    }

    /** XSETBV always exits (reason 55). */
    public static boolean xsetbvExits(Vmcs vmcs) {
        return true;
    }

    /** VMCALL always exits (reason 18), as do the other VMX instructions and INVEPT/INVVPID. */
    public static boolean vmcallExits(Vmcs vmcs) {
        return true;
    }

    // ---- 25.1.3: control registers (reason 28) ----

    /**
     * MOV to CR0 exits unless, for every bit set in the CR0 guest/host mask, the source operand
     * equals the CR0 read shadow.
     */
    public static boolean movToCr0Exits(Vmcs vmcs, long value) {
        return ((value ^ vmcs.cr0ReadShadow()) & vmcs.cr0GuestHostMask()) != 0;
    }

    /** MOV to CR4: the same rule with the CR4 mask and shadow. */
    public static boolean movToCr4Exits(Vmcs vmcs, long value) {
        return ((value ^ vmcs.cr4ReadShadow()) & vmcs.cr4GuestHostMask()) != 0;
    }

    /** CLTS exits iff bit 3 (TS) is set in both the CR0 guest/host mask and the CR0 read shadow. */
    public static boolean cltsExits(Vmcs vmcs) {
        return (vmcs.cr0GuestHostMask() & vmcs.cr0ReadShadow() & 8) != 0;
    }

    /**
     * LMSW exits iff PE (bit 0) is set in the mask and in the source but clear in the shadow, or
     * any of bits 1..3 is set in the mask and the source differs from the shadow there.
     */
    public static boolean lmswExits(Vmcs vmcs, int source) {
        long mask = vmcs.cr0GuestHostMask();
        long shadow = vmcs.cr0ReadShadow();
        boolean pe = (mask & 1) != 0 && (source & 1) != 0 && (shadow & 1) == 0;
        boolean others = ((source ^ shadow) & mask & 0xE) != 0;
        return pe || others;
    }

    /**
     * MOV to CR3 exits iff "CR3-load exiting" is 1 and the source equals none of the first
     * {@code cr3TargetCount} CR3-target values (a count of 0 makes every load exit).
     */
    public static boolean movToCr3Exits(Vmcs vmcs, long value) {
        if (!vmcs.cr3LoadExiting()) {
            return false;
        }
        for (int i = 0; i < vmcs.cr3TargetCount(); i++) {
            if (vmcs.cr3Target(i) == value) {
                return false;
            }
        }
        return true;
    }

    /** MOV from CR3 exits iff "CR3-store exiting". */
    public static boolean movFromCr3Exits(Vmcs vmcs) {
        return vmcs.cr3StoreExiting();
    }

    /** MOV to CR8 exits iff "CR8-load exiting" (with a TPR shadow a later TPR-threshold exit is not modelled). */
    public static boolean movToCr8Exits(Vmcs vmcs) {
        return vmcs.cr8LoadExiting();
    }

    /** MOV from CR8 exits iff "CR8-store exiting". */
    public static boolean movFromCr8Exits(Vmcs vmcs) {
        return vmcs.cr8StoreExiting();
    }

    // ---- 25.1.3: other conditional exits ----

    /** MOV DR exits iff "MOV-DR exiting" (reason 29). */
    public static boolean movDrExits(Vmcs vmcs) {
        return vmcs.movDrExiting();
    }

    /**
     * RDMSR exits (reason 31) if MSR bitmaps are off; if ECX is outside 0..1FFFH and
     * C0000000H..C0001FFFH; or if the read bitmap bit for ECX is 1. {@code rcx}'s low 32 bits are used.
     */
    public static boolean rdmsrExits(Vmcs vmcs, long rcx) {
        return !vmcs.useMsrBitmaps() || vmcs.msrBitmap().exits(rcx & 0xFFFFFFFFL, false);
    }

    /** WRMSR (reason 32): the same rule with the write bitmaps. */
    public static boolean wrmsrExits(Vmcs vmcs, long rcx) {
        return !vmcs.useMsrBitmaps() || vmcs.msrBitmap().exits(rcx & 0xFFFFFFFFL, true);
    }

    /** LGDT, LIDT, SGDT, SIDT (46) and LLDT, LTR, SLDT, STR (47) exit iff "descriptor-table exiting". */
    public static boolean descriptorTableExits(Vmcs vmcs, DescriptorTableInstruction insn) {
        return vmcs.descriptorTableExitingActive();
    }

    /** IN, OUT, INS, OUTS exit (reason 30) iff "unconditional I/O exiting"; I/O bitmaps are not modelled. */
    public static boolean ioExits(Vmcs vmcs, int port) {
        return vmcs.unconditionalIoExiting();
    }

    /** HLT exits iff "HLT exiting" (reason 12). */
    public static boolean hltExits(Vmcs vmcs) {
        return vmcs.hltExiting();
    }

    /** INVLPG exits iff "INVLPG exiting" (reason 14). */
    public static boolean invlpgExits(Vmcs vmcs) {
        return vmcs.invlpgExiting();
    }

    /** INVPCID exits iff "enable INVPCID" and "INVLPG exiting" (reason 58); without the former it is #UD. */
    public static boolean invpcidExits(Vmcs vmcs) {
        return vmcs.enableInvpcidActive() && vmcs.invlpgExiting();
    }

    /** RDTSC exits iff "RDTSC exiting" (reason 16). */
    public static boolean rdtscExits(Vmcs vmcs) {
        return vmcs.rdtscExiting();
    }

    /** RDTSCP exits iff "enable RDTSCP" and "RDTSC exiting" (reason 51). */
    public static boolean rdtscpExits(Vmcs vmcs) {
        return vmcs.enableRdtscpActive() && vmcs.rdtscExiting();
    }

    /** RDPMC exits iff "RDPMC exiting" (reason 15). */
    public static boolean rdpmcExits(Vmcs vmcs) {
        return vmcs.rdpmcExiting();
    }

    /** MWAIT exits iff "MWAIT exiting" (36); MONITOR iff "MONITOR exiting" (39); PAUSE iff "PAUSE exiting" (40). */
    public static boolean mwaitExits(Vmcs vmcs) {
        return vmcs.mwaitExiting();
    }

    public static boolean monitorExits(Vmcs vmcs) {
        return vmcs.monitorExiting();
    }

    public static boolean pauseExits(Vmcs vmcs) {
        return vmcs.pauseExiting();
    }

    /** WBINVD exits iff "WBINVD exiting" (54); RDRAND (57) and RDSEED (61) likewise. */
    public static boolean wbinvdExits(Vmcs vmcs) {
        return vmcs.wbinvdExitingActive();
    }

    public static boolean rdrandExits(Vmcs vmcs) {
        return vmcs.rdrandExitingActive();
    }

    public static boolean rdseedExits(Vmcs vmcs) {
        return vmcs.rdseedExitingActive();
    }

    // ---- 25.2: events ----

    /**
     * An exception (not an NMI) exits (reason 0) iff its bit in the exception bitmap is 1; for #PF
     * (14) the bit is taken as is when (error code AND mask) = match, inverted otherwise.
     */
    public static boolean exceptionExits(Vmcs vmcs, int vector, int pageFaultErrorCode) {
        boolean bit = (vmcs.exceptionBitmap() & (1 << vector)) != 0;
        if (vector == 14) {
            boolean match = (pageFaultErrorCode & vmcs.pageFaultErrorCodeMask()) == vmcs.pageFaultErrorCodeMatch();
            return match == bit;
        }
        return bit;
    }

    /** An NMI exits (reason 0) iff "NMI exiting". */
    public static boolean nmiExits(Vmcs vmcs) {
        return vmcs.nmiExiting();
    }

    /** An external interrupt exits (reason 1) iff "external-interrupt exiting" (RFLAGS.IF then does not block it, 25.3). */
    public static boolean externalInterruptExits(Vmcs vmcs) {
        return vmcs.externalInterruptExiting();
    }

    /** A triple fault always exits (reason 2). */
    public static boolean tripleFaultExits(Vmcs vmcs) {
        return true;
    }

    // ---- 25.2 / 26.6.5-26.6.6: window exits before an instruction ----

    /**
     * Interrupt-window exit (reason 7) before the next instruction: "interrupt-window exiting",
     * RFLAGS.IF = 1, no blocking by STI or MOV SS, not in shutdown.
     */
    public static boolean interruptWindowExitPending(Vmcs vmcs, ArchRegs regs) {
        return vmcs.interruptWindowExiting() && (regs.rflags() & Rflags.IF) != 0
                && !regs.blockingBySti() && !regs.blockingByMovSs() && regs.activity() != ActivityState.SHUTDOWN;
    }

    /**
     * NMI-window exit (reason 8): "NMI-window exiting", no virtual-NMI blocking (interruptibility
     * bit 3 with "virtual NMIs") and no blocking by MOV SS.
     */
    public static boolean nmiWindowExitPending(Vmcs vmcs, ArchRegs regs) {
        return vmcs.nmiWindowExiting() && !regs.blockingByNmi() && !regs.blockingByMovSs();
    }

    /** VMX-preemption timer expired (reason 52): timer active and counted down to zero. */
    public static boolean preemptionTimerExpired(Vmcs vmcs) {
        return vmcs.activatePreemptionTimer() && vmcs.preemptionTimerValue() == 0;
    }
}
