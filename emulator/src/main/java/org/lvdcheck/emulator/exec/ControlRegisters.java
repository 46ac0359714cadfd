package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.emulator.vmx.VmxExitRules;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegKind;
import org.lvdcheck.spec.asm.RegOp;

/**
 * MOV to and from CR0, CR2, CR3, CR4, CR8 and DR0-DR7 in VMX non-root operation (SDM Vol. 2A
 * "MOV-Move to/from Control Registers", "MOV-Move to/from Debug Registers"; Vol. 3C 25.1.3, 25.3).
 * Order of checks, as 25.1.1 ranks them: #UD and the CPL check (#GP(0) at CPL &gt; 0) come
 * before the VM exit; the reserved-bit #GP(0) checks of the architectural update come after it.
 */
final class ControlRegisters {
    private ControlRegisters() {
    }

    private static final int ACCESS_MOV_TO = 0;
    private static final int ACCESS_MOV_FROM = 1;

    /** CR0 bits the processor implements (Vol. 3A 2.5); other bits of 31:0 ignore writes. */
    private static final long CR0_DEFINED = Cr0.PE | Cr0.MP | Cr0.EM | Cr0.TS | Cr0.ET | Cr0.NE | Cr0.WP
            | Cr0.AM | Cr0.NW | Cr0.CD | Cr0.PG;

    /** CR4 bits the modelled processor supports; setting any other bit is #GP(0) (LA57 not supported). */
    static final long CR4_SUPPORTED = Cr4.VME | Cr4.PVI | Cr4.TSD | Cr4.DE | Cr4.PSE | Cr4.PAE | Cr4.MCE
            | Cr4.PGE | Cr4.PCE | Cr4.OSFXSR | Cr4.OSXMMEXCPT | Cr4.UMIP | Cr4.VMXE | Cr4.SMXE
            | Cr4.FSGSBASE | Cr4.PCIDE | Cr4.OSXSAVE | Cr4.SMEP | Cr4.SMAP | Cr4.PKE;

    static void mov(Step s) {
        Reg src = ((RegOp) s.insn.operand(0)).reg();
        Reg dst = ((RegOp) s.insn.operand(1)).reg();
        if (dst.kind() == RegKind.CONTROL) {
            movToCr(s, crNumber(dst), src.gpr());
        } else if (src.kind() == RegKind.CONTROL) {
            movFromCr(s, crNumber(src), dst.gpr());
        } else if (dst.kind() == RegKind.DEBUG) {
            movDr(s, drNumber(dst), src.gpr(), true);
        } else {
            movDr(s, drNumber(src), dst.gpr(), false);
        }
    }

    /** Exit qualification for control-register accesses (Vol. 3C 27.2.1, Table 27-3). */
    static long crQualification(int cr, int accessType, int gpr) {
        return cr | (accessType << 4) | ((long) gpr << 8);
    }

    private static void movToCr(Step s, int cr, int gpr) {
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        Vmcs vmcs = s.ctx.vmcs();
        boolean top = s.gprTainted(gpr);
        // A ⊤ value is the attacker's pick: one that exits whenever some value does (DESIGN.md §3).
        long v = top ? exitingValue(vmcs, cr) : s.gpr64(gpr);
        boolean exits = switch (cr) {
            case 0 -> VmxExitRules.movToCr0Exits(vmcs, v);
            case 3 -> VmxExitRules.movToCr3Exits(vmcs, v);
            case 4 -> VmxExitRules.movToCr4Exits(vmcs, v);
            case 8 -> VmxExitRules.movToCr8Exits(vmcs);
            default -> false;
        };
        if (exits) {
            throw s.exit(ExitReason.CONTROL_REGISTER_ACCESS, crQualification(cr, ACCESS_MOV_TO, gpr),
                    "MOV to CR" + cr);
        }
        if (top) {
            throw s.operandUse(ExecOutcome.UNEXITED_MOV_TO_CR + cr
                    + " without a VM exit");
        }
        switch (cr) {
            case 0 -> s.regs = s.regs.withCr0(newCr0(s, v, vmcs.cr0GuestHostMask()));
            case 2 -> s.regs = s.regs.withCr2(v);
            case 3 -> s.regs = s.regs.withCr3(newCr3(s, v));
            case 4 -> s.regs = s.regs.withCr4(newCr4(s, v, vmcs.cr4GuestHostMask()));
            case 8 -> {
                if ((v & ~0xFL) != 0) {
                    throw Step.gp0();
                }
                s.regs = s.regs.withCr8(v);
            }
            default -> throw new IllegalArgumentException("CR" + cr);
        }
    }

    /**
     * A value for MOV to CR{@code cr} that causes a VM exit if any value does: one differing from
     * the read shadow in every host-owned bit (CR0, CR4), or no CR3-target value (CR3).
     */
    private static long exitingValue(Vmcs vmcs, int cr) {
        return switch (cr) {
            case 0 -> ~vmcs.cr0ReadShadow();
            case 4 -> ~vmcs.cr4ReadShadow();
            case 3 -> {
                long v = 0x1000;
                for (int i = 0; i < vmcs.cr3TargetCount(); i++) {
                    if (vmcs.cr3Target(i) == v) {
                        v += 0x1000;
                        i = -1;
                    }
                }
                yield v;
            }
            default -> 0;
        };
    }

    /**
     * MOV to CR0: bits 63:32 set, PG without PE, NW without CD, or clearing PG in IA-32e mode are
     * #GP(0); undefined bits of 31:0 are ignored and ET reads 1. Bits owned by the host (set in
     * the CR0 guest/host mask) keep their value (Vol. 3C 25.3).
     */
    private static long newCr0(Step s, long v, long hostOwned) {
        if ((v >>> 32) != 0 || ((v & Cr0.PG) != 0 && (v & Cr0.PE) == 0)
                || ((v & Cr0.NW) != 0 && (v & Cr0.CD) == 0) || (v & Cr0.PG) == 0) {
            throw Step.gp0();
        }
        long requested = (v & CR0_DEFINED) | Cr0.ET;
        long old = s.regs.cr0();
        return (old & hostOwned) | (requested & ~hostOwned);
    }

    /**
     * MOV to CR4: unsupported bits, clearing PAE in IA-32e mode, or setting PCIDE while CR3[11:0]
     * is not 0 are #GP(0); host-owned bits keep their value.
     */
    private static long newCr4(Step s, long v, long hostOwned) {
        long old = s.regs.cr4();
        if ((v & ~CR4_SUPPORTED) != 0 || (v & Cr4.PAE) == 0
                || ((v & Cr4.PCIDE) != 0 && (old & Cr4.PCIDE) == 0 && (s.regs.cr3() & 0xFFF) != 0)) {
            throw Step.gp0();
        }
        return (old & hostOwned) | (v & ~hostOwned);
    }

    /**
     * MOV to CR3: bits 62:MAXPHYADDR must be 0 (#GP(0)); bit 63 must be 0 unless CR4.PCIDE = 1,
     * where it only says "do not invalidate" and is not stored.
     */
    private static long newCr3(Step s, long v) {
        boolean pcide = (s.regs.cr4() & Cr4.PCIDE) != 0;
        long reserved = ~((1L << s.ctx.caps().maxPhysAddr()) - 1) & ~(pcide ? Long.MIN_VALUE : 0);
        if ((v & reserved) != 0) {
            throw Step.gp0();
        }
        return v & Long.MAX_VALUE;
    }

    private static void movFromCr(Step s, int cr, int gpr) {
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        Vmcs vmcs = s.ctx.vmcs();
        boolean exits = switch (cr) {
            case 3 -> VmxExitRules.movFromCr3Exits(vmcs);
            case 8 -> VmxExitRules.movFromCr8Exits(vmcs);
            default -> false;
        };
        if (exits) {
            throw s.exit(ExitReason.CONTROL_REGISTER_ACCESS, crQualification(cr, ACCESS_MOV_FROM, gpr),
                    "MOV from CR" + cr);
        }
        // Host-owned bits of CR0 and CR4 read from the read shadow (25.3).
        long v = switch (cr) {
            case 0 -> (s.regs.cr0() & ~vmcs.cr0GuestHostMask()) | (vmcs.cr0ReadShadow() & vmcs.cr0GuestHostMask());
            case 2 -> s.regs.cr2();
            case 3 -> s.regs.cr3();
            case 4 -> (s.regs.cr4() & ~vmcs.cr4GuestHostMask()) | (vmcs.cr4ReadShadow() & vmcs.cr4GuestHostMask());
            case 8 -> s.regs.cr8();
            default -> throw new IllegalArgumentException("CR" + cr);
        };
        s.setGpr64(gpr, v, false);
    }

    /**
     * MOV to/from DRn: #GP(0) at CPL &gt; 0; DR4/DR5 are #UD with CR4.DE = 1 and alias DR6/DR7
     * otherwise; MOV-DR exiting (reason 29, qualification Table 27-4); writing a 1 to bits 63:32
     * of DR6 or DR7 is #GP(0). Reserved bits of DR6/DR7 take their fixed values. General-detect
     * (DR7.GD) #DB is not modelled.
     */
    private static void movDr(Step s, int dr, int gpr, boolean toDr) {
        if (s.cpl() > 0) {
            throw Step.gp0();
        }
        if (dr == 4 || dr == 5) {
            if ((s.regs.cr4() & Cr4.DE) != 0) {
                throw Step.ud();
            }
        }
        if (VmxExitRules.movDrExits(s.ctx.vmcs())) {
            long qualification = dr | (toDr ? 0 : 1L << 4) | ((long) gpr << 8);
            throw s.exit(ExitReason.MOV_DR, qualification, (toDr ? "MOV to DR" : "MOV from DR") + dr);
        }
        int n = dr == 4 ? 6 : dr == 5 ? 7 : dr;
        if (!toDr) {
            s.setGpr64(gpr, s.regs.dr(n), s.regs.tainted(ArchRegs.T_DR));
            return;
        }
        if (s.gprTainted(gpr)) {
            s.regs = s.regs.withTaint(ArchRegs.T_DR, true);
            return;
        }
        long v = s.gpr64(gpr);
        if ((n == 6 || n == 7) && (v >>> 32) != 0) {
            throw Step.gp0();
        }
        if (n == 6) {
            v |= 0xFFFF0FF0L;
        } else if (n == 7) {
            v = (v | 0x400) & ~0xD800L;
        }
        s.regs = s.regs.withDr(n, v);
    }

    static int crNumber(Reg r) {
        return switch (r) {
            case CR0 -> 0;
            case CR2 -> 2;
            case CR3 -> 3;
            case CR4 -> 4;
            case CR8 -> 8;
            default -> throw new IllegalArgumentException("not a control register: " + r);
        };
    }

    static int drNumber(Reg r) {
        return r.ordinal() - Reg.DR0.ordinal();
    }
}
