package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.irq.ArrivalRules;

/**
 * Instructions on RFLAGS: CLI, STI, CLD, STD, CLAC, STAC, PUSHF, POPF (SDM Vol. 2). Virtual
 * interrupt flags (CR4.PVI/VME) are not modelled: CLI/STI with CPL &gt; IOPL is #GP(0).
 */
final class FlagControl {
    private FlagControl() {
    }

    /** CLI: IF = 0 when CPL &le; IOPL, else #GP(0). Never exits in VMX non-root operation. */
    static void cli(Step s) {
        requireIopl(s);
        s.setRflags(s.rflags() & ~Rflags.IF);
    }

    /**
     * STI: IF = 1 when CPL &le; IOPL, else #GP(0). If IF was 0, interrupts stay blocked until the
     * end of the next instruction (blocking by STI, Vol. 3A 6.8.3).
     */
    static void sti(Step s) {
        requireIopl(s);
        s.regs = ArrivalRules.afterSti(s.regs);
        if (s.regs.blockingBySti()) {
            s.setStiShadow();
        }
    }

    private static void requireIopl(Step s) {
        if (s.cpl() > Rflags.iopl(s.rflags())) {
            throw Step.gp0();
        }
    }

    static void cld(Step s) {
        s.setRflags(s.rflags() & ~Rflags.DF);
    }

    static void std(Step s) {
        s.setRflags(s.rflags() | Rflags.DF);
    }

    /** CLAC/STAC: AC = 0 / 1; #UD at CPL &gt; 0 (Vol. 2A CLAC, Vol. 2B STAC). */
    static void clac(Step s) {
        requireCpl0ElseUd(s);
        s.setRflags(s.rflags() & ~Rflags.AC);
    }

    static void stac(Step s) {
        requireCpl0ElseUd(s);
        s.setRflags(s.rflags() | Rflags.AC);
    }

    private static void requireCpl0ElseUd(Step s) {
        if (s.cpl() > 0) {
            throw Step.ud();
        }
    }

    /**
     * PUSHFQ / PUSHFW: RFLAGS with VM and RF cleared (Vol. 2B PUSHF); the 16-bit form pushes FLAGS.
     * ⊤ status flags mark the 64-bit image ({@link Rflags#STATUS_TOP}); the 16-bit one is ⊤.
     */
    static void pushf(Step s) {
        int size = s.insn.opSize();
        long image = s.rflags() & ~(Rflags.VM | Rflags.RF);
        if (size == 8) {
            s.push(Rflags.image(image, s.flagsTainted()), size, false);
        } else {
            s.push(image, size, s.flagsTainted());
        }
    }

    /**
     * POPFQ / POPFW (Vol. 2B POPF): at CPL 0 every flag but RF, VIP, VIF, VM and the reserved bits
     * may change (IOPL and IF included); at CPL &gt; 0 IOPL is unchanged and IF changes only when
     * CPL &le; IOPL. RF ends cleared. Bit 1 stays 1, the other reserved bits 0. A ⊤ image would
     * set IF, DF, AC and TF to the attacker's choice: a use of ⊤ (DESIGN.md §3).
     */
    static void popf(Step s) {
        int size = s.insn.opSize();
        long old = s.rflags();
        long popped = s.pop(size);
        if (s.loadedTaint()) {
            throw s.operandUse("popf of a ⊤ RFLAGS image");
        }
        long mask = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.TF | Rflags.DF
                | Rflags.OF | Rflags.NT | Rflags.AC | Rflags.ID;
        if (s.cpl() == 0) {
            mask |= Rflags.IOPL | Rflags.IF;
        } else if (s.cpl() <= Rflags.iopl(old)) {
            mask |= Rflags.IF;
        }
        if (size == 2) {
            mask &= 0xFFFF;
        }
        s.setRflags((old & ~mask) | (popped & mask), size == 8 && Rflags.statusTop(popped));
    }
}
