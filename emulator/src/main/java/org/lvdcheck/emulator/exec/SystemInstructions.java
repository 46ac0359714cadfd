package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.emulator.vmx.VmfuncLeaf0;
import org.lvdcheck.emulator.vmx.VmfuncResult;
import org.lvdcheck.emulator.vmx.VmxExitRules;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegOp;

/**
 * System instructions other than MOV CR/DR, MSRs and descriptor tables (SDM Vol. 2 instruction
 * pages; exits per Vol. 3C 25.1). Where both apply, #UD and CPL-based faults come before the VM
 * exit (25.1.1).
 */
final class SystemInstructions {
    private SystemInstructions() {
    }

    /** CPUID exits unconditionally in VMX non-root operation (reason 10, 25.1.2); a ⊤ leaf is a use of ⊤. */
    static ExecOutcome cpuid(Step s) {
        if (s.gprTainted(ArchRegs.RAX)) {
            throw s.operandUse("CPUID leaf");
        }
        throw s.exit(ExitReason.CPUID, 0, String.format("CPUID leaf 0x%x", s.gpr64(ArchRegs.RAX) & 0xFFFF_FFFFL));
    }

    /** VMCALL exits unconditionally, at any CPL (reason 18, 25.1.2). */
    static ExecOutcome vmcall(Step s) {
        throw s.exit(ExitReason.VMCALL, 0, "VMCALL");
    }

    /** PAUSE exits with "PAUSE exiting" (reason 40); otherwise it is a hint. */
    static void pause(Step s) {
        if (VmxExitRules.pauseExits(s.ctx.vmcs())) {
            throw s.exit(ExitReason.PAUSE, 0, "PAUSE");
        }
    }

    /** HLT: #GP(0) at CPL &gt; 0; exits with "HLT exiting" (12); else the CPU enters the HLT state. */
    static ExecOutcome hlt(Step s) {
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        if (VmxExitRules.hltExits(s.ctx.vmcs())) {
            throw s.exit(ExitReason.HLT, 0, "HLT");
        }
        return new ExecOutcome.Halted(s.completedRegs().withActivity(ActivityState.HLT));
    }

    /** SWAPGS (Vol. 2B): #GP(0) unless CPL = 0; exchanges GS.base and IA32_KERNEL_GS_BASE. */
    static void swapgs(Step s) {
        if (s.cpl() != 0) {
            throw Step.gp0();
        }
        long gs = s.regs.gsBase();
        boolean gsTop = s.regs.tainted(ArchRegs.T_GS_BASE);
        boolean kgsTop = s.regs.tainted(ArchRegs.T_KERNEL_GS_BASE);
        s.regs = s.regs.withGsBase(s.regs.kernelGsBase()).withKernelGsBase(gs)
                .withTaint(ArchRegs.T_GS_BASE, kgsTop).withTaint(ArchRegs.T_KERNEL_GS_BASE, gsTop);
    }

    /**
     * RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE (Vol. 2B): #UD unless CR4.FSGSBASE; legal at any
     * CPL. The 32-bit read returns bits 31:0 zero-extended; the 32-bit write zero-extends; a
     * 64-bit write of a non-canonical value is #GP(0).
     */
    static void fsGsBase(Step s) {
        if ((s.regs.cr4() & Cr4.FSGSBASE) == 0) {
            throw Step.ud();
        }
        Mnemonic m = s.insn.mnemonic();
        Reg r = ((RegOp) s.insn.operand(0)).reg();
        boolean fs = m == Mnemonic.RDFSBASE || m == Mnemonic.WRFSBASE;
        long bit = fs ? ArchRegs.T_FS_BASE : ArchRegs.T_GS_BASE;
        if (m == Mnemonic.RDFSBASE || m == Mnemonic.RDGSBASE) {
            s.writeReg(r, fs ? s.regs.fsBase() : s.regs.gsBase(), s.regs.tainted(bit));
            return;
        }
        long v = s.readReg(r);
        boolean top = s.loadedTaint();
        if (!top && !GuestPaging.isCanonical(v)) {
            throw Step.gp0();
        }
        s.regs = (fs ? s.regs.withFsBase(v) : s.regs.withGsBase(v)).withTaint(bit, top);
    }

    /** XSETBV: #UD unless CR4.OSXSAVE, #GP(0) at CPL &gt; 0, then always a VM exit (reason 55). */
    static ExecOutcome xsetbv(Step s) {
        if ((s.regs.cr4() & Cr4.OSXSAVE) == 0) {
            throw Step.ud();
        }
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        throw s.exit(ExitReason.XSETBV, 0, String.format("XSETBV XCR%d", s.gpr64(ArchRegs.RCX) & 0xFFFF_FFFFL));
    }

    /**
     * XGETBV: #UD unless CR4.OSXSAVE; ECX = 0 reads XCR0 into EDX:EAX. ECX = 1 (XINUSE) is not
     * modelled and, like every other ECX, is #GP(0).
     */
    static void xgetbv(Step s) {
        if ((s.regs.cr4() & Cr4.OSXSAVE) == 0) {
            throw Step.ud();
        }
        if (s.gprTainted(ArchRegs.RCX)) {
            throw s.operandUse("XGETBV index");
        }
        if ((s.gpr64(ArchRegs.RCX) & 0xFFFF_FFFFL) != 0) {
            throw Step.gp0();
        }
        long xcr0 = s.regs.xcr0();
        boolean top = s.regs.tainted(ArchRegs.T_XCR0);
        s.setGpr32(ArchRegs.RAX, xcr0, top);
        s.setGpr32(ArchRegs.RDX, xcr0 >>> 32, top);
    }

    /**
     * WRPKRU: #UD unless CR4.PKE; #GP(0) unless ECX = EDX = 0; PKRU = EAX. Never exits. ⊤ ECX or
     * EDX are taken as the attacker's 0 (a #GP from the driver is a move of its own).
     */
    static void wrpkru(Step s) {
        if ((s.regs.cr4() & Cr4.PKE) == 0) {
            throw Step.ud();
        }
        if ((s.gpr64(ArchRegs.RCX) & 0xFFFF_FFFFL) != 0 || (s.gpr64(ArchRegs.RDX) & 0xFFFF_FFFFL) != 0) {
            throw Step.gp0();
        }
        s.regs = s.regs.withPkru((int) s.gpr64(ArchRegs.RAX)).withTaint(ArchRegs.T_PKRU, s.gprTainted(ArchRegs.RAX));
    }

    /** RDPKRU: #UD unless CR4.PKE; #GP(0) unless ECX = 0; EAX = PKRU, EDX = 0. */
    static void rdpkru(Step s) {
        if ((s.regs.cr4() & Cr4.PKE) == 0) {
            throw Step.ud();
        }
        if ((s.gpr64(ArchRegs.RCX) & 0xFFFF_FFFFL) != 0) {
            throw Step.gp0();
        }
        s.setGpr32(ArchRegs.RAX, s.regs.pkru() & 0xFFFF_FFFFL, s.regs.tainted(ArchRegs.T_PKRU));
        s.setGpr32(ArchRegs.RDX, 0);
    }

    /**
     * IN and OUT (Vol. 2A IN, Vol. 2B OUT): #GP(0) when CPL &gt; IOPL (the TSS I/O permission map
     * is not modelled, so every port is denied then); a VM exit (30) per the VMCS, qualification
     * Table 27-5. Without an exit no device answers: IN reads all ones, OUT is dropped.
     */
    static void io(Step s) {
        boolean in = s.insn.mnemonic() == Mnemonic.IN;
        Operand portOp = in ? s.insn.operand(0) : s.insn.operand(1);
        Reg acc = ((RegOp) (in ? s.insn.operand(1) : s.insn.operand(0))).reg();
        int size = s.insn.opSize();
        if (s.cpl() > Rflags.iopl(s.rflags())) {
            throw Step.gp0();
        }
        boolean immediate = portOp instanceof ImmOp;
        // A ⊤ DX reads as port 0: no modelled device answers either port, and exiting depends on no port here.
        int port = immediate ? (int) (((ImmOp) portOp).value() & 0xFF) : (int) (s.gpr64(ArchRegs.RDX) & 0xFFFF);
        if (VmxExitRules.ioExits(s.ctx.vmcs(), port)) {
            long qualification = (size - 1) | (in ? 1L << 3 : 0) | (immediate ? 1L << 6 : 0) | ((long) port << 16);
            throw s.exit(ExitReason.IO_INSTRUCTION, qualification, String.format("%s port 0x%x", in ? "IN" : "OUT", port));
        }
        if (in) {
            s.writeReg(acc, -1L);
        }
    }

    /**
     * VMFUNC (Vol. 3C 25.5.5): #UD, a VM exit (59) or an EPTP switch, as {@link VmfuncLeaf0}
     * decides from EAX, ECX, the VMCS and the EPTP list. After a switch RIP is past VMFUNC (3 bytes).
     */
    static ExecOutcome vmfunc(Step s) {
        if (s.gprTainted(ArchRegs.RAX) || s.gprTainted(ArchRegs.RCX)) {
            throw s.operandUse("VMFUNC leaf or EPTP index");
        }
        Vmcs vmcs = s.ctx.vmcs();
        VmfuncResult r = VmfuncLeaf0.execute(vmcs, s.gpr64(ArchRegs.RAX), s.gpr64(ArchRegs.RCX),
                s.ctx.physMem(), s.ctx.caps());
        if (r instanceof VmfuncResult.InvalidOpcode) {
            throw Step.ud();
        }
        if (r instanceof VmfuncResult.VmExit e) {
            throw s.exit(e.reason(), 0, e.why());
        }
        VmfuncResult.Switched sw = (VmfuncResult.Switched) r;
        return new ExecOutcome.EptpSwitched(s.completedRegs(), sw.newEptp(), sw.index());
    }
}
