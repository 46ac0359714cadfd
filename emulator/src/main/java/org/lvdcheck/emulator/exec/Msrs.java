package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.VmxExitRules;

/**
 * RDMSR and WRMSR (SDM Vol. 2B; Vol. 3C 25.1.3 MSR bitmaps). #GP(0) at CPL &gt; 0 before the VM
 * exit (25.1.1). Without an exit the model implements IA32_EFER, IA32_FS_BASE, IA32_GS_BASE and
 * IA32_KERNEL_GS_BASE with their rules, and keeps the value of every other MSR of {@link #OTHER}
 * (the SYSENTER and SYSCALL entry points, PAT, the x2APIC ICR) in the register file
 * ({@link ArchRegs#msr}); a WRMSR of the ICR also sends its IPI (the LAPIC is in x2APIC mode,
 * {@link ExecOutcome.IcrWritten}). An MSR the model's processor does not have is #GP(0). A ⊤ value written
 * without an exit to an MSR of {@link #OTHER} is the attacker's write of it
 * ({@link ExecOutcome#UNEXITED_WRMSR}), not a value the model could keep. Both built-in specs make
 * every MSR access exit, so the unexited paths matter only for specs that pass some through.
 */
public final class Msrs {
    private Msrs() {
    }

    static final long IA32_EFER = 0xC000_0080L;
    static final long IA32_FS_BASE = 0xC000_0100L;
    static final long IA32_GS_BASE = 0xC000_0101L;
    static final long IA32_KERNEL_GS_BASE = 0xC000_0102L;

    /** The x2APIC interrupt command register (SDM Vol. 3A 10.12.9). */
    public static final long X2APIC_ICR = 0x830L;

    /**
     * The MSRs the model's processor has besides EFER and the three bases, kept by value: the ones
     * every x86-64 processor has whose contents no modelled instruction uses (there is no SYSENTER,
     * SYSCALL or memory typing in the model): IA32_SYSENTER_CS/ESP/EIP, IA32_PAT, IA32_STAR,
     * IA32_LSTAR, IA32_CSTAR, IA32_FMASK; and the x2APIC ICR. They read 0 until written.
     */
    static final java.util.Set<Long> OTHER = java.util.Set.of(0x174L, 0x175L, 0x176L, 0x277L, 0xC000_0081L,
            0xC000_0082L, 0xC000_0083L, 0xC000_0084L, X2APIC_ICR);

    /** Whether the model's processor has MSR {@code msr} (a RDMSR or WRMSR of any other one is #GP(0)). */
    public static boolean exists(long msr) {
        return msr == IA32_EFER || msr == IA32_FS_BASE || msr == IA32_GS_BASE || msr == IA32_KERNEL_GS_BASE
                || OTHER.contains(msr);
    }

    /** EFER bits software may set (SCE, LME, NXE); LMA is read-only (Vol. 3A 2.2.1). */
    private static final long EFER_WRITABLE = Efer.SCE | Efer.LME | Efer.NXE;

    static void rdmsr(Step s) {
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        if (s.gprTainted(ArchRegs.RCX)) {
            throw s.operandUse("RDMSR index");
        }
        long msr = s.gpr64(ArchRegs.RCX) & 0xFFFF_FFFFL;
        if (VmxExitRules.rdmsrExits(s.ctx.vmcs(), msr)) {
            throw s.exit(ExitReason.RDMSR, 0, String.format("RDMSR 0x%x", msr));
        }
        long v;
        long taint = 0;
        if (msr == IA32_EFER) {
            v = s.regs.efer();
        } else if (msr == IA32_FS_BASE) {
            v = s.regs.fsBase();
            taint = ArchRegs.T_FS_BASE;
        } else if (msr == IA32_GS_BASE) {
            v = s.regs.gsBase();
            taint = ArchRegs.T_GS_BASE;
        } else if (msr == IA32_KERNEL_GS_BASE) {
            v = s.regs.kernelGsBase();
            taint = ArchRegs.T_KERNEL_GS_BASE;
        } else if (OTHER.contains(msr)) {
            v = s.regs.msr(msr);
        } else {
            throw Step.gp0();
        }
        boolean top = s.regs.tainted(taint);
        s.setGpr32(ArchRegs.RAX, v, top);
        s.setGpr32(ArchRegs.RDX, v >>> 32, top);
    }

    /**
     * WRMSR of EDX:EAX. The FS/GS bases must be canonical (#GP(0)); EFER takes SCE and NXE,
     * refuses reserved bits and a change of LME while paging is on (#GP(0)), and ignores LMA.
     * A ⊤ value reaches an FS/GS base as ⊤ (canonical, the attacker's pick); EFER has no ⊤. A
     * concrete value written to the x2APIC ICR completes as {@link ExecOutcome.IcrWritten}; a ⊤
     * one is a use of the attacker's value, since it decides where an IPI goes.
     */
    static ExecOutcome wrmsr(Step s) {
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        if (s.gprTainted(ArchRegs.RCX)) {
            throw s.operandUse("WRMSR index");
        }
        long msr = s.gpr64(ArchRegs.RCX) & 0xFFFF_FFFFL;
        if (VmxExitRules.wrmsrExits(s.ctx.vmcs(), msr)) {
            throw s.exit(ExitReason.WRMSR, 0, String.format("WRMSR 0x%x", msr));
        }
        long v = (s.gpr64(ArchRegs.RDX) << 32) | (s.gpr64(ArchRegs.RAX) & 0xFFFF_FFFFL);
        boolean top = s.gprTainted(ArchRegs.RDX) || s.gprTainted(ArchRegs.RAX);
        if (top && msr == IA32_EFER) {
            throw s.operandUse(String.format("WRMSR 0x%x value", msr));
        }
        if (top && OTHER.contains(msr)) {
            throw s.operandUse(String.format("%s 0x%x without a VM exit", ExecOutcome.UNEXITED_WRMSR, msr));
        }
        if (msr == X2APIC_ICR) {
            s.regs = s.regs.withMsr(msr, v);
            return new ExecOutcome.IcrWritten(s.completedRegs(), v);
        }
        if (top && (msr == IA32_FS_BASE || msr == IA32_GS_BASE || msr == IA32_KERNEL_GS_BASE)) {
            long bit = msr == IA32_FS_BASE ? ArchRegs.T_FS_BASE : msr == IA32_GS_BASE ? ArchRegs.T_GS_BASE
                    : ArchRegs.T_KERNEL_GS_BASE;
            s.regs = s.regs.withTaint(bit, true);
            return s.next();
        }
        if (msr == IA32_EFER) {
            long old = s.regs.efer();
            if ((v & ~(EFER_WRITABLE | Efer.LMA)) != 0 || ((v ^ old) & Efer.LME) != 0) {
                throw Step.gp0();
            }
            s.regs = s.regs.withEfer((v & EFER_WRITABLE) | (old & Efer.LMA));
        } else if (msr == IA32_FS_BASE || msr == IA32_GS_BASE || msr == IA32_KERNEL_GS_BASE) {
            if (!GuestPaging.isCanonical(v)) {
                throw Step.gp0();
            }
            if (msr == IA32_FS_BASE) {
                s.regs = s.regs.withFsBase(v);
            } else if (msr == IA32_GS_BASE) {
                s.regs = s.regs.withGsBase(v);
            } else {
                s.regs = s.regs.withKernelGsBase(v);
            }
        } else if (OTHER.contains(msr)) {
            s.regs = s.regs.withMsr(msr, v);
        } else {
            throw Step.gp0();
        }
        return s.next();
    }
}
