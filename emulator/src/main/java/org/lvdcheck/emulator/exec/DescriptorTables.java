package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.vmx.DescriptorTableInstruction;
import org.lvdcheck.emulator.vmx.VmxExitRules;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.RegOp;

/**
 * LGDT, LIDT, SGDT, SIDT, LLDT and LTR (SDM Vol. 2A/2B; Vol. 3A 2.4, 7.2.3). The CPL check
 * (#GP(0) at CPL &gt; 0; for SGDT/SIDT only with CR4.UMIP) precedes the descriptor-table exit
 * (reasons 46, 47; Vol. 3C 25.1.3), which precedes the memory access. The exit reports the
 * operand's displacement as its qualification and describes the operand in the VM-exit
 * instruction-information field (Tables 27-10, 27-11).
 */
final class DescriptorTables {
    private DescriptorTables() {
    }

    static void execute(Step s) {
        Mnemonic m = s.insn.mnemonic();
        DescriptorTableInstruction which = DescriptorTableInstruction.valueOf(m.name());
        boolean store = m == Mnemonic.SGDT || m == Mnemonic.SIDT;
        if (s.cpl() > 0 && (!store || (s.regs.cr4() & Cr4.UMIP) != 0)) {
            throw Step.gp0();
        }
        Operand op = s.insn.operand(0);
        if (VmxExitRules.descriptorTableExits(s.ctx.vmcs(), which)) {
            long qualification = op instanceof MemOp mem ? displacement(s, mem) : 0;
            throw s.exit(which.exitReason(), qualification, instructionInfo(which, op), m.name());
        }
        switch (m) {
            case LGDT, LIDT -> load(s, (MemOp) op, m == Mnemonic.LGDT);
            case SGDT, SIDT -> store(s, (MemOp) op, m == Mnemonic.SGDT);
            case LLDT -> lldt(s, selector(s, op));
            case LTR -> ltr(s, selector(s, op));
            default -> throw new IllegalArgumentException(m.toString());
        }
    }

    /** LGDT/LIDT m16&64: a 2-byte limit followed by an 8-byte base; a ⊤ one is a use of ⊤ (DESIGN.md §3). */
    private static void load(Step s, MemOp m, boolean gdt) {
        int limit = (int) s.readMem(m, 0, 2);
        boolean top = s.loadedTaint();
        long base = s.readMem(m, 2, 8);
        if (top || s.loadedTaint()) {
            throw s.operandUse((gdt ? "LGDT" : "LIDT") + " operand");
        }
        DescriptorTableReg r = new DescriptorTableReg(base, limit);
        s.regs = gdt ? s.regs.withGdtr(r) : s.regs.withIdtr(r);
    }

    private static void store(Step s, MemOp m, boolean gdt) {
        DescriptorTableReg r = gdt ? s.regs.gdtr() : s.regs.idtr();
        s.writeMem(m, 0, 2, r.limit(), false);
        s.writeMem(m, 2, 8, r.base(), false);
    }

    private static int selector(Step s, Operand op) {
        int sel = (int) (s.readOperand(op, 2) & 0xFFFF);
        if (s.loadedTaint()) {
            throw s.operandUse(s.insn.mnemonic() + " selector");
        }
        return sel;
    }

    /** The two quadwords of a 16-byte system descriptor (LDT or TSS) in the 64-bit GDT (Vol. 3A 7.2.3, Figure 7-4). */
    private static long[] systemDescriptor(Step s, int selector) {
        long address = Segments.descriptorAddress(s, selector);
        if ((selector | 15) > s.start.gdtr().limit()) {
            throw Segments.selectorFault(Vectors.GP, selector);
        }
        return new long[] {address, Segments.readDescriptor(s, address), Segments.readDescriptor(s, address + 8)};
    }

    /** The segment a system descriptor describes, base 63:32 from the second quadword; type and presence checked. */
    private static Segment systemSegment(int selector, long low, long high, int wantedType) {
        Segment seg = Segment.fromDescriptor(selector, low);
        if ((seg.accessRights() & Segment.AR_S) != 0 || seg.type() != wantedType) {
            throw Segments.selectorFault(Vectors.GP, selector);
        }
        if (!seg.present()) {
            throw Segments.selectorFault(Vectors.NP, selector);
        }
        return seg.withBase(seg.base() | (high << 32));
    }

    /** LLDT: a null selector leaves LDTR unusable; otherwise an LDT descriptor (type 2) from the GDT. */
    private static void lldt(Step s, int selector) {
        if (Segments.isNull(selector)) {
            s.regs = s.regs.withLdtr(Segment.nullSelector(0));
            return;
        }
        long[] d = systemDescriptor(s, selector);
        s.regs = s.regs.withLdtr(systemSegment(selector, d[1], d[2], 2));
    }

    /**
     * LTR: the selector must name an available 64-bit TSS (type 9) in the GDT (#GP(0) for null,
     * #GP(sel), #NP(sel)); the descriptor is marked busy (type 11) in memory and in TR.
     */
    private static void ltr(Step s, int selector) {
        if (Segments.isNull(selector)) {
            throw Step.gp0();
        }
        long[] d = systemDescriptor(s, selector);
        Segment tss = systemSegment(selector, d[1], d[2], 9);
        long typeByte = ((d[1] >>> 40) & 0xFF) | 2;
        s.write(ExecContext.NO_SEGMENT, d[0] + 5, 1, typeByte, AccessKind.SUPERVISOR_WRITE);
        s.regs = s.regs.withTr(tss.withAccessRights(tss.accessRights() | 2));
    }

    /** The displacement as the instruction encodes it: RIP-relative operands count from the next instruction. */
    private static long displacement(Step s, MemOp m) {
        return m.ripRelative() ? m.disp() - s.placed.end() : m.disp();
    }

    /**
     * The VM-exit instruction-information field (Vol. 3C 27.2.4, Tables 27-10 and 27-11): scaling
     * 1:0, register 6:3 (LLDT/LTR register form), address size 9:7 (2 = 64-bit), memory/register
     * 10, operand size 11 (1 = 32-bit, SGDT group), segment 17:15, index 21:18 with "invalid" 22,
     * base 26:23 with "invalid" 27, instruction identity 29:28.
     */
    static long instructionInfo(DescriptorTableInstruction which, Operand op) {
        long identity = switch (which) {
            case SGDT, SLDT -> 0;
            case SIDT, STR -> 1;
            case LGDT, LLDT -> 2;
            case LIDT, LTR -> 3;
        };
        boolean gdtGroup = which == DescriptorTableInstruction.LGDT || which == DescriptorTableInstruction.LIDT
                || which == DescriptorTableInstruction.SGDT || which == DescriptorTableInstruction.SIDT;
        long info = identity << 28;
        if (gdtGroup) {
            info |= 1L << 11;
        }
        if (op instanceof RegOp r) {
            return info | (1L << 10) | ((long) r.reg().gpr() << 3);
        }
        MemOp m = (MemOp) op;
        info |= 2L << 7;
        info |= (long) Integer.numberOfTrailingZeros(m.scale());
        info |= (long) Step.segmentOf(m) << 15;
        info |= m.index() != null ? (long) m.index().gpr() << 18 : 1L << 22;
        info |= m.base() != null ? (long) m.base().gpr() << 23 : 1L << 27;
        return info;
    }
}
