package org.lvdcheck.emulator.machine;

import java.util.List;
import java.util.OptionalLong;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.exec.ExecOutcome;
import org.lvdcheck.emulator.hv.ExitNames;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.RegOp;
import org.lvdcheck.spec.lvd.Model.Action;
import org.lvdcheck.spec.lvd.Model.Origin;

/**
 * The Bareflank-like hypervisor in root mode: one handler per exit reason (lvd-bflank
 * bfvmm/src/hve/arch/intel_x64/vmexit/*.cpp) and the CPUID hypercalls of LVD
 * (LVD-AS-BUILT.md §3.3), each gated by the spec's policy for the exit's origin. The origin
 * is the domain whenever the VMCS EPTP is not this CPU's kernel EPTP or the guest is not at
 * CPL 0 — the hardened policy checks both; the as-built one checks neither.
 *
 * <p>Decisions: EMULATE and LOG-EMULATE do what Bareflank does and resume after the
 * instruction; REFUSE resumes the guest with #GP(0) injected (hypercalls: nothing done,
 * EAX = 0xFFFFFFFF); KILL runs the kill-a-domain path of DESIGN.md §2; HALT stops the vCPU.
 *
 * <p>Taint (DESIGN.md §3): emulating a write of ⊤ to a control register, an MSR other than
 * the FS/GS bases (which carry labels of their own), XCR0 or a descriptor-table register, or a
 * hypercall whose ⊤ arguments are addresses, is a use of the attacker's value by trusted code
 * ({@link KernelAccess.TopUse}). A guest resumed after the instruction keeps a ⊤ RIP ⊤.
 */
final class Hypervisor {
    static final long LEAF_ABORT = 0x4BF00033L, LEAF_MAP_KERNEL_EPT = 0x4BF00034L, LEAF_INSTALL_EPTP_LIST = 0x4BF00031L,
            LEAF_PROMOTE = 0x4BF00021L, LEAF_HALT = 0x4BF00039L, LEAF_ACK = 0x4BF00000L, LEAF_GATE_ABORT = 0x4BF00040L;
    static final long MSR_EFER = 0xC0000080L, MSR_FS_BASE = 0xC0000100L, MSR_GS_BASE = 0xC0000101L,
            MSR_KERNEL_GS_BASE = 0xC0000102L, MSR_X2APIC_ICR = 0x830L;

    private final LvdSystem system;
    private final Machine machine;

    Hypervisor(LvdSystem system, Machine machine) {
        this.system = system;
        this.machine = machine;
    }

    MachineState exit(MachineState s, int c, ExecOutcome.VmExit x, PlacedInstruction pi, List<Event> ev) {
        Origin o = machine.origin(s, c);
        if (x.reason() == ExitReason.CPUID) {
            return cpuid(s, c, pi, o, ev);
        }
        if (x.reason() == ExitReason.EPT_VIOLATION || x.reason() == ExitReason.EPT_MISCONFIGURATION) {
            return eptExit(s, c, x.reason(), x.qualification(), x.guestLinear(), x.guestPhysical(), ev, x.why());
        }
        Action a = system.policy().onExit(x.reason(), o);
        ev.add(new Event.VmExit(x.reason().number(), ExitNames.word(x.reason()), o.name().toLowerCase(), decision(a),
                x.why() == null ? "" : x.why()));
        switch (a) {
            case HALT:
                return stop(s, c, ev, "the hypervisor halted the vCPU on exit " + ExitNames.word(x.reason()));
            case KILL:
                return kill(s, c, ev, "exit " + ExitNames.word(x.reason()) + " from the domain");
            case REFUSE:
                return machine.exception(s, c, 13, OptionalLong.of(0), 0, ev, "exit refused by the hypervisor: #GP(0)");
            default:
                break;
        }
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        int len = x.instructionLength();
        switch (x.reason()) {
            case CONTROL_REGISTER_ACCESS:
                return controlRegister(s, c, x.qualification(), len, ev);
            case RDMSR: {
                long msr = operand(r, ArchRegs.RCX, "RDMSR index") & 0xFFFFFFFFL;
                if (!org.lvdcheck.emulator.exec.Msrs.exists(msr)) {
                    return rootFault(s, c, ev, "RDMSR", msr);
                }
                long v = readMsr(cpu, msr);
                boolean top = r.tainted(msrTaint(msr));
                ArchRegs n = r.withGpr(ArchRegs.RAX, v & 0xFFFFFFFFL).withGpr(ArchRegs.RDX, v >>> 32)
                        .withTaint(ArchRegs.tGpr(ArchRegs.RAX) | ArchRegs.tGpr(ArchRegs.RDX), top);
                return s.withCpu(c, cpu.withRegs(resume(n, len)));
            }
            case WRMSR: {
                long msr = operand(r, ArchRegs.RCX, "WRMSR index") & 0xFFFFFFFFL;
                boolean top = r.gprTainted(ArchRegs.RDX) || r.gprTainted(ArchRegs.RAX);
                long v = (r.gpr(ArchRegs.RDX) << 32) | (r.gpr(ArchRegs.RAX) & 0xFFFFFFFFL);
                return writeMsr(s, c, msr, v, top, len, ev);
            }
            case GDTR_IDTR_ACCESS:
            case LDTR_TR_ACCESS:
                return descriptorTable(s, c, pi, len, ev);
            case IO_INSTRUCTION: {
                boolean in = (x.qualification() & 8) != 0;
                int size = (int) (x.qualification() & 7) + 1;
                ArchRegs n = resume(r, len);
                if (in) {
                    n = n.withGpr(ArchRegs.RAX, size * 8, false, -1L);
                }
                return s.withCpu(c, cpu.withRegs(n));
            }
            case XSETBV: {
                operand(r, ArchRegs.RCX, "XSETBV index");
                operand(r, ArchRegs.RDX, "XSETBV value");
                long v = (r.gpr(ArchRegs.RDX) << 32) | (operand(r, ArchRegs.RAX, "XSETBV value") & 0xFFFFFFFFL);
                return s.withCpu(c, cpu.withRegs(resume(r.withXcr0(v), len)));
            }
            case HLT:
                return s.withCpu(c, cpu.withRegs(resume(r, len)).withMode(CpuMode.HALTED));
            default:
                return stop(s, c, ev, "no handler for exit " + ExitNames.word(x.reason()) + ": unhandled vm exit");
        }
    }

    /** A guest register the hypervisor uses as an operand: ⊤ is a use of the attacker's value. */
    private static long operand(ArchRegs r, int gpr, String what) {
        if (r.gprTainted(gpr)) {
            throw new KernelAccess.TopUse("the hypervisor emulates " + what + " with a ⊤ operand");
        }
        return r.gpr(gpr);
    }

    /** The guest resumes after the instruction; a ⊤ RIP (the driver's code, anywhere) stays ⊤. */
    private static ArchRegs resume(ArchRegs r, int length) {
        return r.tainted(ArchRegs.T_RIP) ? r : r.withRip(r.rip() + length);
    }

    private static long msrTaint(long msr) {
        return msr == MSR_FS_BASE ? ArchRegs.T_FS_BASE : msr == MSR_GS_BASE ? ArchRegs.T_GS_BASE
                : msr == MSR_KERNEL_GS_BASE ? ArchRegs.T_KERNEL_GS_BASE : 0;
    }

    MachineState eptExit(MachineState s, int c, ExitReason reason, long qual, long gla, long gpa, List<Event> ev,
                         String what) {
        Origin o = machine.origin(s, c);
        // An instruction fetch under the kernel's EPT from a frame a domain owns: only a domain's
        // VMFUNC to slot 0 from its own code gets there (the kernel never runs domain code), so
        // the exit is that domain's, and it is the one a kill removes.
        int culprit = -1;
        if (reason == ExitReason.EPT_VIOLATION && o == Origin.KERNEL && (qual & 4) != 0) {
            culprit = domainOwning(s, c, gpa);
            if (culprit > 0) {
                o = Origin.DOMAIN;
            }
        }
        Action a = system.policy().onExit(reason, o);
        ev.add(new Event.VmExit(reason.number(), ExitNames.word(reason), o.name().toLowerCase(), decision(a),
                (what == null ? "" : what + ", ") + "GPA 0x" + Long.toHexString(gpa) + ", GLA 0x" + Long.toHexString(gla)
                + ", qualification 0x" + Long.toHexString(qual)
                + (culprit > 0 ? ", a fetch from " + system.viewName(culprit) + "'s frame" : "")));
        if (a == Action.KILL) {
            return kill(s, c, ev, ExitNames.word(reason) + " in the domain", culprit);
        }
        return stop(s, c, ev, "the hypervisor halted the vCPU on " + ExitNames.word(reason) + ": unhandled vm exit");
    }

    MachineState tripleFault(MachineState s, int c, List<Event> ev) {
        Origin o = machine.origin(s, c);
        Action a = system.policy().onExit(ExitReason.TRIPLE_FAULT, o);
        ev.add(new Event.VmExit(ExitReason.TRIPLE_FAULT.number(), "triple-fault", o.name().toLowerCase(), decision(a), ""));
        if (a == Action.KILL) {
            return kill(s, c, ev, "triple fault in the domain");
        }
        return stop(s, c, ev, "triple fault");
    }

    // ---- CPUID and hypercalls ------------------------------------------------------------

    private MachineState cpuid(MachineState s, int c, PlacedInstruction pi, Origin o, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        long leaf = operand(r, ArchRegs.RAX, "CPUID") & 0xFFFFFFFFL;
        int len = pi.length();
        if ((leaf & 0xFFFFFF00L) != 0x4BF00000L) {
            // Not a hypercall: lvd-bflank passes the leaf to the processor (leaf 1 with VMX cleared).
            long[] v = nativeCpuid(leaf);
            ArchRegs n = resume(r.withGpr(ArchRegs.RAX, v[0]).withGpr(ArchRegs.RBX, v[1]).withGpr(ArchRegs.RCX, v[2])
                    .withGpr(ArchRegs.RDX, v[3]), len);
            ev.add(new Event.VmExit(ExitReason.CPUID.number(), "cpuid", o.name().toLowerCase(), "emulate",
                    "leaf 0x" + Long.toHexString(leaf)));
            return s.withCpu(c, cpu.withRegs(n));
        }
        Action a = system.policy().onHypercall(leaf, o);
        ev.add(new Event.VmExit(ExitReason.CPUID.number(), "cpuid", o.name().toLowerCase(), decision(a),
                "hypercall 0x" + Long.toHexString(leaf)));
        switch (a) {
            case HALT:
                return stop(s, c, ev, "hypercall 0x" + Long.toHexString(leaf) + " refused by halting");
            case KILL:
                return kill(s, c, ev, "hypercall 0x" + Long.toHexString(leaf) + " from the domain");
            case REFUSE:
                return s.withCpu(c, cpu.withRegs(resume(r.withGpr(ArchRegs.RAX, 0xFFFFFFFFL), len)));
            default:
                break;
        }
        if (leaf == LEAF_ABORT || leaf == LEAF_HALT) {
            return stop(s, c, ev, "hypercall 0x" + Long.toHexString(leaf) + " (" + (leaf == LEAF_ABORT ? "ABORT_LCD" : "halt")
                    + "): the hypervisor dumps state and halts the vCPU");
        }
        if (leaf == LEAF_GATE_ABORT) {
            return kill(s, c, ev, "gate abort (LVD_GATE_ABORT)");
        }
        if (leaf == LEAF_PROMOTE) {
            return stop(s, c, ev, "hypercall promote: the hypervisor turned itself off on this CPU");
        }
        if (leaf == LEAF_MAP_KERNEL_EPT) {
            long gpa = operand(r, ArchRegs.RBX, "hypercall 0x4bf00034 (guest-physical page)") & ~0xFFFL;
            long hpa = operand(r, ArchRegs.RCX, "hypercall 0x4bf00034 (host-physical page)") & ~0xFFFL;
            PhysMem.Editor e = s.mem().edit();
            long root = Eptp.pml4Address(system.eptps()[0][c], system.caps().maxPhysAddr());
            EptBuilder b = EptBuilder.open(e, () -> freeFrame(e), system.caps(), root);
            long before = EptBuilder.pageTranslation(e, root, gpa);
            b.remap4k(gpa, hpa, 7);
            long after = EptBuilder.pageTranslation(e, root, gpa);
            if (EptBuilder.removesOrDowngrades(before, after)) {
                ev.add(new Event.StaleTranslation("hypercall 0x4bf00034", "kernel EPT of cpu" + c, gpa, before, after));
            }
            ev.add(new Event.Primitive("hv: map page", "kernel EPT of cpu" + c + ": GPA 0x" + Long.toHexString(gpa)
                    + " -> HPA 0x" + Long.toHexString(hpa) + " RWX (no INVEPT)"));
            return s.withMem(e.freeze()).withCpu(c, cpu.withRegs(resume(r, len)));
        }
        if (leaf == LEAF_INSTALL_EPTP_LIST) {
            long list = (operand(r, ArchRegs.RCX, "hypercall 0x4bf00031 (EPTP-list address)") << 32)
                    | (operand(r, ArchRegs.RBX, "hypercall 0x4bf00031 (EPTP-list address)") & 0xFFFFFFFFL);
            long k = system.eptps()[0][c];
            Vmcs v = cpu.vmcs().withEptpListAddress(list).withEnableVmFunctions(true).withVmFunctionControls(1);
            ArchRegs n = resume(r.withGpr(ArchRegs.RBX, k & 0xFFFFFFFFL).withGpr(ArchRegs.RCX, k >>> 32), len);
            return s.withCpu(c, cpu.withRegs(n).withVmcs(v));
        }
        long rax = leaf == LEAF_ACK ? 0x4BF00001L : r.gpr(ArchRegs.RAX);
        return s.withCpu(c, cpu.withRegs(resume(r.withGpr(ArchRegs.RAX, rax), len)));
    }

    private static long[] nativeCpuid(long leaf) {
        if (leaf == 0) {
            return new long[] {0xD, 0x756E6547L, 0x6C65746EL, 0x49656E69L}; // "GenuineIntel"
        }
        if (leaf == 1) {
            long ecx = (1L << 26) | (1L << 27); // XSAVE, OSXSAVE; VMX (bit 5) cleared by lvd-bflank
            return new long[] {0x50654, 0, ecx, 1L << 25 | 1L << 26};
        }
        return new long[] {0, 0, 0, 0};
    }

    /** The first frame of the hypervisor's EPT pool not yet in use: where a split table goes. */
    private long freeFrame(PhysMem.Editor e) {
        org.lvdcheck.spec.lvd.Model.Region pool = system.spec().region(system.spec().kernel().eptPool()).orElseThrow();
        for (long f = pool.hpa(); f < pool.hpa() + pool.size(); f += 4096) {
            if (!e.isAllocated(f >>> 12)) {
                e.allocateFrame(f >>> 12);
                return f;
            }
        }
        throw new KernelAccess.Oops("the hypervisor's EPT pool is exhausted");
    }

    // ---- control registers, MSRs, descriptor tables -------------------------------------

    private MachineState controlRegister(MachineState s, int c, long q, int len, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        int cr = (int) (q & 0xF);
        int type = (int) (q >> 4 & 3);
        int reg = (int) (q >> 8 & 0xF);
        Vmcs v = cpu.vmcs();
        if (type == 0) {
            long val = operand(r, reg, "MOV to CR" + cr);
            switch (cr) {
                case 0 -> {
                    r = r.withCr0(val);
                    v = v.withCr0ReadShadow(val);
                }
                case 4 -> {
                    r = r.withCr4(val);
                    v = v.withCr4ReadShadow(val);
                }
                case 3 -> {
                    r = r.withCr3(val);
                    if (system.cr3TargetLru() && v.cr3TargetCount() > 0) {
                        v = lruInsert(v, val);
                    }
                }
                case 8 -> r = r.withCr8(val & 0xF);
                default -> {
                    return stop(s, c, ev, "no handler for MOV to CR" + cr);
                }
            }
            ev.add(new Event.Primitive("hv: mov to cr" + cr, "0x" + Long.toHexString(val) + " emulated"));
        } else if (type == 1) {
            long val = switch (cr) {
                case 3 -> r.cr3();
                case 8 -> r.cr8();
                default -> 0;
            };
            r = r.withGpr(reg, val);
        } else {
            return stop(s, c, ev, "CLTS/LMSW exit: lvd-bflank throws (unhandled)");
        }
        return s.withCpu(c, cpu.withRegs(resume(r, len)).withVmcs(v));
    }

    /** Bareflank's 4-entry CR3-target LRU: the new value replaces the least recently used slot. */
    private static Vmcs lruInsert(Vmcs v, long cr3) {
        int n = v.cr3TargetCount();
        for (int i = 0; i < n; i++) {
            if (v.cr3Target(i) == cr3) {
                return v;
            }
        }
        for (int i = n - 1; i > 0; i--) {
            v = v.withCr3Target(i, v.cr3Target(i - 1));
        }
        return v.withCr3Target(0, cr3);
    }

    private static long readMsr(CpuState cpu, long msr) {
        ArchRegs r = cpu.regs();
        if (msr == MSR_FS_BASE) {
            return r.fsBase();
        }
        if (msr == MSR_GS_BASE) {
            return r.gsBase();
        }
        if (msr == MSR_KERNEL_GS_BASE) {
            return r.kernelGsBase();
        }
        if (msr == MSR_EFER) {
            return r.efer();
        }
        return r.msr(msr);
    }

    /**
     * Bareflank's emulate_rdmsr / emulate_wrmsr reach the processor's own MSR for every index
     * without a VMCS field (their default case): for an MSR the processor does not have, that
     * RDMSR or WRMSR raises #GP in VMX root operation, which the hypervisor does not handle: the
     * vCPU halts.
     */
    private MachineState rootFault(MachineState s, int c, List<Event> ev, String insn, long msr) {
        return stop(s, c, ev, "the hypervisor's own " + insn + " of MSR 0x" + Long.toHexString(msr)
                + ", which the processor does not have, raises #GP in VMX root operation");
    }

    private MachineState writeMsr(MachineState s, int c, long msr, long v, boolean top, int len, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        if (!org.lvdcheck.emulator.exec.Msrs.exists(msr)) {
            return rootFault(s, c, ev, "WRMSR", msr);
        }
        if (top && msrTaint(msr) != 0) {
            // FS/GS bases carry ⊤ as a label of their own: the write is the attacker's base, like WRFSBASE.
            ev.add(new Event.Primitive("hv: wrmsr", "MSR 0x" + Long.toHexString(msr) + " := ⊤ written for the guest"));
            return s.withCpu(c, cpu.withRegs(resume(r.withTaint(msrTaint(msr), true), len)));
        }
        if (top) {
            throw new KernelAccess.TopUse("the hypervisor writes a ⊤ value to MSR 0x" + Long.toHexString(msr)
                    + " for the guest");
        }
        if (msr == MSR_X2APIC_ICR) {
            ev.add(new Event.Primitive("hv: wrmsr", "MSR 0x830 (x2APIC ICR) := 0x" + Long.toHexString(v)
                    + " written for the guest"));
            return machine.sendIpi(s.withCpu(c, cpu.withRegs(resume(r.withMsr(msr, v), len))), c, v, ev);
        }
        if (msr == MSR_FS_BASE) {
            r = r.withFsBase(v);
        } else if (msr == MSR_GS_BASE) {
            r = r.withGsBase(v);
        } else if (msr == MSR_KERNEL_GS_BASE) {
            r = r.withKernelGsBase(v);
        } else if (msr == MSR_EFER) {
            r = r.withEfer(v | (r.efer() & Efer.LMA));
        } else {
            r = r.withMsr(msr, v);
        }
        ev.add(new Event.Primitive("hv: wrmsr", "MSR 0x" + Long.toHexString(msr) + " := 0x" + Long.toHexString(v)
                + " written for the guest"));
        return s.withCpu(c, cpu.withRegs(resume(r, len)));
    }

    /** LGDT/LIDT/SGDT/SIDT emulated by decoding the operand, as Bareflank's descriptor.cpp does. */
    private MachineState descriptorTable(MachineState s, int c, PlacedInstruction pi, int len, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        String m = pi.insn().mnemonic().name();
        Operand op = pi.insn().operands().isEmpty() ? null : pi.insn().operands().get(0);
        String what = m.toLowerCase() + " operand";
        if (op instanceof MemOp mo) {
            long ea = mo.disp() + (mo.base() == null ? 0 : operand(r, mo.base().gpr(), what))
                    + (mo.index() == null ? 0 : operand(r, mo.index().gpr(), what) * mo.scale());
            if (mo.ripRelative()) {
                ea = mo.disp();
            }
            KernelAccess k = machine.kernelAccess(s.mem(), cpu.eptp(), r);
            switch (m) {
                case "LGDT", "LIDT" -> {
                    int limit = (int) k.read(ea, 2);
                    long base = k.read(ea + 2, 8);
                    r = m.equals("LGDT") ? r.withGdtr(new DescriptorTableReg(base, limit))
                            : r.withIdtr(new DescriptorTableReg(base, limit));
                    ev.add(new Event.Primitive("hv: " + m.toLowerCase(), "base 0x" + Long.toHexString(base) + " limit 0x"
                            + Integer.toHexString(limit) + " emulated"));
                    return s.withCpu(c, cpu.withRegs(resume(r, len)));
                }
                case "SGDT", "SIDT" -> {
                    DescriptorTableReg d = m.equals("SGDT") ? r.gdtr() : r.idtr();
                    k.write(ea, 2, d.limit());
                    k.write(ea + 2, 8, d.base());
                    return s.withMem(k.memory()).withCpu(c, cpu.withRegs(resume(r, len)));
                }
                default -> {
                }
            }
        }
        if (m.equals("LTR") && op instanceof RegOp ro) {
            int sel = (int) (operand(r, ro.reg().gpr(), what) & 0xFFFF);
            ev.add(new Event.Primitive("hv: ltr", "selector 0x" + Integer.toHexString(sel) + " emulated"));
            KernelAccess k = machine.kernelAccess(s.mem(), cpu.eptp(), r);
            long lo = k.read(r.gdtr().base() + (sel & ~7), 8);
            long hi = k.read(r.gdtr().base() + (sel & ~7) + 8, 8);
            long base = (lo >>> 16 & 0xFFFFFF) | (lo >>> 56 & 0xFF) << 24 | (hi & 0xFFFFFFFFL) << 32;
            r = r.withTr(org.lvdcheck.emulator.cpu.Segment.tss64(sel, base, lo & 0xFFFF));
            return s.withCpu(c, cpu.withRegs(resume(r, len)));
        }
        return stop(s, c, ev, "descriptor-table exit for " + m.toLowerCase() + " with this operand is not emulated");
    }

    // ---- stop and kill -------------------------------------------------------------------

    MachineState stop(MachineState s, int c, List<Event> ev, String why) {
        ev.add(new Event.Stopped(why));
        return s.withCpu(c, s.cpu(c).withMode(CpuMode.STOPPED));
    }

    /**
     * Kills the domain this CPU is in (or, from the kernel, the one it entered): its EPTPs leave
     * every EPTP list (INVEPT everywhere: the model keeps no TLB), and this CPU resumes the
     * kernel caller at the gate's error return on the kernel stack the gate saved, interrupts
     * off, in-service vectors acknowledged and NMIs unblocked (DESIGN.md §2). Every other CPU
     * inside the domain is sent the kill IPI ({@link #killIpi}) and runs on in the domain until
     * it arrives. Without an error return in the gate code there is nowhere to resume: the vCPU
     * halts.
     */
    MachineState kill(MachineState s, int c, List<Event> ev, String why) {
        return kill(s, c, ev, why, -1);
    }

    /**
     * The view (1..) of the domain owning the frame that guest-physical {@code gpa} maps to in
     * CPU {@code c}'s kernel EPT, or -1 (not mapped, or not a domain's frame).
     */
    private int domainOwning(MachineState s, int c, long gpa) {
        var r = org.lvdcheck.emulator.ept.EptWalk.translate(s.mem(), system.eptps()[0][c], gpa,
                org.lvdcheck.emulator.ept.EptAccess.READ, system.caps());
        if (!(r instanceof org.lvdcheck.emulator.ept.EptResult.Ok ok)) {
            return -1;
        }
        for (org.lvdcheck.spec.lvd.Model.Region region : system.spec().regions()) {
            if (ok.hpa() >= region.hpa() && ok.hpa() < region.hpa() + region.size()) {
                int v = system.views().indexOf(region.owner());
                return v > 0 ? v : -1;
            }
        }
        return -1;
    }

    /**
     * Kills domain view {@code domain}, or (-1) the one this CPU is in; from the kernel's EPT, the
     * domain the running thread calls (its spec line's {@code domain=}), or with no thread the
     * first domain.
     */
    MachineState kill(MachineState s, int c, List<Event> ev, String why, int domain) {
        LvdSystem sys = system;
        int v = domain > 0 ? domain : machine.viewOf(s, c);
        if (v <= 0) {
            int t = s.cpu(c).thread();
            v = t >= 0 && t < sys.spec().threads().size() ? sys.views().indexOf(sys.spec().threads().get(t).domain()) : -1;
            if (v <= 0) {
                v = 1 < sys.views().size() ? 1 : -1;
            }
        }
        var errorReturn = sys.images().get("kernel").symbol("lvd_gate_error_return");
        if (v < 0 || errorReturn.isEmpty()) {
            return stop(s, c, ev, why + ": no kill path in this gate (no lvd_gate_error_return), the vCPU halts");
        }
        int slot = sys.viewSlots()[v];
        ev.add(new Event.Killed(sys.viewName(v), why));
        PhysMem.Editor e = s.mem().edit();
        for (int cpu = 0; cpu < sys.cpus(); cpu++) {
            e.write(sys.eptpLists()[cpu] + 8L * slot, 8, 0);
        }
        MachineState n = s.withMem(e.freeze()).withKilled(s.killedDomains() | 1L << slot);
        java.util.OptionalLong live = sys.spec().symbols().stream().filter(x -> x.name().equals("lvd_slot_live"))
                .mapToLong(org.lvdcheck.spec.lvd.Model.Symbol::value).findFirst();
        if (live.isPresent()) {
            KernelAccess k = machine.kernelAccess(n.mem(), sys.eptps()[0][c], n.cpu(c).regs());
            k.write(live.getAsLong() + 8L * slot, 8, 0);
            n = n.withMem(k.memory());
        }
        n = markThreadsInside(n, c, slot);
        n = resumeKernel(n, c, errorReturn.getAsLong());
        for (int cpu = 0; cpu < sys.cpus(); cpu++) {
            if (cpu != c && machine.viewOf(n, cpu) == v) {
                n = n.withKillIpi(cpu, true);
                ev.add(new Event.Primitive("hv: kill ipi", "sent to cpu" + cpu + ", inside " + sys.viewName(v)));
            }
        }
        return n;
    }

    /**
     * The kill IPI reaches CPU c (DESIGN.md §2: other CPUs inside the killed domain "are sent an
     * IPI and do the same"). It is an NMI, and with NMI exiting it exits (Vol. 3C 25.2); the
     * hypervisor knows it as its own and does not re-inject it. Still under a killed domain's EPT
     * (its EPTP for this CPU in the VMCS; a killed domain is never entered again, its slots being
     * zero), the CPU resumes the kernel as the killing CPU did; otherwise it left the domain
     * before the IPI arrived, and the guest resumes where it was.
     */
    MachineState killIpi(MachineState s, int c, List<Event> ev) {
        MachineState n = s.withKillIpi(c, false);
        int v = machine.viewOf(n, c);
        boolean inside = v > 0 && (n.killedDomains() & 1L << system.viewSlots()[v]) != 0;
        ev.add(new Event.VmExit(ExitReason.EXCEPTION_OR_NMI.number(), "exception-or-nmi", machine.origin(n, c).name().toLowerCase(),
                inside ? "resume-kernel" : "resume-guest", "the hypervisor's kill IPI"));
        ev.add(new Event.KillIpiTaken(v >= 0 ? system.viewName(v) : "?", inside));
        if (!inside) {
            return n;
        }
        long errorReturn = system.images().get("kernel").symbol("lvd_gate_error_return").orElseThrow(
                () -> new IllegalStateException("a kill IPI without a kill path"));
        return resumeKernel(n, c, errorReturn);
    }

    /**
     * Sets {@code TASK_lvd_killed} in every thread with a crossing into the domain of {@code slot}
     * (gate nesting above 0, {@code vmfunc_lcd} the slot), when the gate has that field: a thread
     * preempted inside the domain then unwinds on its way back instead of running VMFUNC into the
     * removed EPTP (HARDENING.md G16).
     */
    private MachineState markThreadsInside(MachineState s, int c, int slot) {
        var img = system.images().get("kernel");
        var killed = img.symbol("TASK_lvd_killed");
        var nested = img.symbol("TASK_nested_count");
        var lcd = img.symbol("TASK_vmfunc_lcd");
        if (killed.isEmpty() || nested.isEmpty() || lcd.isEmpty()) {
            return s;
        }
        KernelAccess k = machine.kernelAccess(s.mem(), system.eptps()[0][c], s.cpu(c).regs());
        boolean wrote = false;
        long[] tasks = system.layout().taskGva();
        for (int t = 0; t < s.threads().size() && t < tasks.length; t++) {
            long task = tasks[t];
            if (k.read(task + nested.getAsLong(), 4) != 0 && k.read(task + lcd.getAsLong(), 8) == slot) {
                k.write(task + killed.getAsLong(), 8, 1);
                wrote = true;
            }
        }
        return wrote ? s.withMem(k.memory()) : s;
    }

    private MachineState resumeKernel(MachineState s, int c, long errorReturn) {
        CpuState cpu = s.cpu(c);
        long kEptp = system.eptps()[0][c];
        ArchRegs r = cpu.regs().withCs(org.lvdcheck.emulator.cpu.Segment.code64(0x10))
                .withSs(org.lvdcheck.emulator.cpu.Segment.flatData(0x18))
                .withGsBase(system.layout().percpu()[c]);
        KernelAccess k = machine.kernelAccess(s.mem(), kEptp, r);
        long kernelEsp = k.read(system.layout().stateGva() + machine.constant("VMFUNC_kernel_esp"), 8);
        r = r.withRsp(kernelEsp).withRip(errorReturn).withRflags((r.rflags() & ~Rflags.IF) | Rflags.FIXED1)
                .withBlockingByNmi(false).withBlockingBySti(false).withBlockingByMovSs(false);
        Vmcs v = cpu.vmcs().withEptp(kEptp).withEptpIndex(0);
        org.lvdcheck.emulator.irq.Lapic l = cpu.lapic();
        while (!l.isr().isEmpty()) {
            l = l.eoi();
        }
        return s.withCpu(c, new CpuState(r, v, l, CpuMode.RUNNING, cpu.thread()));
    }

    private static String decision(Action a) {
        return a.name().toLowerCase().replace('_', '-');
    }
}
