package org.lvdcheck.emulator.irq;

import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * When an event may be taken at an instruction boundary (SDM Vol. 3A 6.7 NMI, 6.8 enabling and
 * disabling interrupts, 6.8.3 STI and MOV-SS shadows; in VMX non-root operation Vol. 3C 25.3 and
 * 26.6.1). Exceptions other than #MC arise only from instructions and deliveries, so they have no
 * arrival rule. A processor in shutdown takes nothing here (INIT/RESET are not modelled).
 */
public final class ArrivalRules {
    private ArrivalRules() {
    }

    /** Maskable interrupts are enabled: RFLAGS.IF = 1, no STI or MOV-SS shadow, not in shutdown. */
    public static boolean maskableInterruptsEnabled(ArchRegs regs) {
        return (regs.rflags() & Rflags.IF) != 0 && !regs.blockingBySti() && !regs.blockingByMovSs()
                && regs.activity() != ActivityState.SHUTDOWN;
    }

    /**
     * The external interrupt (or fixed IPI) the processor takes now, or -1: the LAPIC's
     * deliverable vector (priority class above PPR) if maskable interrupts are enabled.
     */
    public static int externalInterruptToTake(ArchRegs regs, Lapic lapic) {
        return maskableInterruptsEnabled(regs) ? lapic.deliverable() : -1;
    }

    /**
     * In VMX non-root operation with "external-interrupt exiting" = 1, RFLAGS.IF does not block
     * external interrupts (25.3): they cause a VM exit unless blocked by STI or MOV SS.
     */
    public static boolean externalInterruptExitsNow(ArchRegs regs, Vmcs vmcs) {
        return vmcs.externalInterruptExiting() && !regs.blockingBySti() && !regs.blockingByMovSs()
                && regs.activity() != ActivityState.SHUTDOWN;
    }

    /** An NMI is taken outside VMX (or with NMI exiting 0): not blocked by NMI, no MOV-SS shadow, not in shutdown. */
    public static boolean canTakeNmi(ArchRegs regs) {
        return !regs.blockingByNmi() && !regs.blockingByMovSs() && regs.activity() != ActivityState.SHUTDOWN;
    }

    /**
     * An NMI is taken (delivered or, with "NMI exiting", turned into a VM exit) in VMX non-root
     * operation (26.6.1): with "virtual NMIs", interruptibility bit 3 is virtual-NMI blocking and
     * does not block physical NMIs; without, blocking by NMI blocks them.
     */
    public static boolean canTakeNmi(ArchRegs regs, Vmcs vmcs) {
        if (vmcs.nmiExiting() && vmcs.virtualNmis()) {
            return !regs.blockingByMovSs() && regs.activity() != ActivityState.SHUTDOWN;
        }
        return canTakeNmi(regs);
    }

    /** #MC may arrive at any boundary except in shutdown. */
    public static boolean canTakeMachineCheck(ArchRegs regs) {
        return regs.activity() != ActivityState.SHUTDOWN;
    }

    /**
     * IRET unblocks NMIs (6.7.1), even if it faults. In VMX non-root operation with "NMI
     * exiting" = 1 and "virtual NMIs" = 0, blocking by NMI stays while in non-root operation
     * (26.6.1); with "virtual NMIs", IRET clears virtual-NMI blocking. {@code vmcs} is null
     * outside VMX non-root operation.
     */
    public static ArchRegs afterIret(ArchRegs regs, Vmcs vmcs) {
        if (vmcs != null && vmcs.nmiExiting() && !vmcs.virtualNmis()) {
            return regs;
        }
        return regs.blockingByNmi() ? regs.withBlockingByNmi(false) : regs;
    }

    /**
     * STI sets the interrupt shadow only when it changes IF from 0 to 1 (6.8.3): interrupts stay
     * blocked until the end of the next instruction.
     */
    public static ArchRegs afterSti(ArchRegs regs) {
        boolean wasClear = (regs.rflags() & Rflags.IF) == 0;
        return regs.toBuilder().rflags(regs.rflags() | Rflags.IF).blockingBySti(wasClear).build();
    }

    /** MOV SS / POP SS block interrupts, NMIs and some debug exceptions until after the next instruction (6.8.3). */
    public static ArchRegs afterMovSs(ArchRegs regs) {
        return regs.withBlockingByMovSs(true);
    }

    /** The shadows last one instruction: clear them after any instruction other than the one that set them. */
    public static ArchRegs endOfShadow(ArchRegs regs) {
        if (!regs.blockingBySti() && !regs.blockingByMovSs()) {
            return regs;
        }
        return regs.toBuilder().blockingBySti(false).blockingByMovSs(false).build();
    }
}
