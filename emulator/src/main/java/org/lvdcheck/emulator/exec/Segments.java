package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.irq.Vectors;

/**
 * Segment-descriptor loads from the GDT (SDM Vol. 3A 3.4.5, 5.5-5.8, Vol. 2B MOV/POP "protected
 * mode" segment loads, IRET). Descriptors are read, and their accessed bit set, by implicit
 * supervisor accesses. Selectors with TI = 1 (the LDT) are refused with #GP(selector): the model
 * keeps every segment in the GDT.
 */
final class Segments {
    private Segments() {
    }

    private static final int TYPE_CODE = 8;
    private static final int TYPE_CONFORMING = 4;
    private static final int TYPE_READABLE = 2;

    static boolean isNull(int selector) {
        return (selector & ~3) == 0;
    }

    /** The error code of a selector fault: the selector without its RPL (EXT = 0). */
    static long errorCode(int selector) {
        return selector & 0xFFFC;
    }

    static Abort selectorFault(int vector, int selector) {
        return Step.abort(ExecOutcome.Fault.withCode(vector, errorCode(selector)));
    }

    /** The linear address of the 8-byte GDT descriptor {@code selector} names, after the limit check. */
    static long descriptorAddress(Step s, int selector) {
        if ((selector & 4) != 0 || (selector | 7) > s.start.gdtr().limit()) {
            throw selectorFault(Vectors.GP, selector);
        }
        return s.start.gdtr().base() + (selector & ~7);
    }

    static long readDescriptor(Step s, long address) {
        long d = s.read(ExecContext.NO_SEGMENT, address, 8, AccessKind.SUPERVISOR_READ);
        if (s.loadedTaint()) {
            throw s.operandUse("a ⊤ descriptor at 0x" + Long.toHexString(address));
        }
        return d;
    }

    /** Sets the accessed bit of a code or data descriptor that lacks it (Vol. 3A 3.4.5.1). */
    static Segment markAccessed(Step s, long address, long descriptor, Segment seg) {
        if ((seg.accessRights() & Segment.AR_ACCESSED) != 0) {
            return seg;
        }
        long typeByte = ((descriptor >>> 40) & 0xFF) | 1;
        s.write(ExecContext.NO_SEGMENT, address + 5, 1, typeByte, AccessKind.SUPERVISOR_WRITE);
        return seg.withAccessRights(seg.accessRights() | Segment.AR_ACCESSED);
    }

    /**
     * Loads DS, ES, FS or GS (MOV/POP to a segment register in 64-bit mode). A null selector
     * makes the register unusable; for FS and GS it also clears the base, as Intel processors do.
     * Otherwise the descriptor must be a data or readable code segment (#GP(sel)) whose DPL is at
     * least CPL and RPL unless it is conforming code (#GP(sel)), and present (#NP(sel)). In 64-bit
     * mode FS and GS take the descriptor's 32-bit base.
     */
    static void loadDataSegment(Step s, int sreg, int selector) {
        if (isNull(selector)) {
            Segment old = s.regs.seg(sreg);
            long base = sreg == ArchRegs.FS || sreg == ArchRegs.GS ? 0 : old.base();
            s.regs = s.regs.withSeg(sreg, new Segment(selector, base, 0, Segment.AR_UNUSABLE));
            return;
        }
        long address = descriptorAddress(s, selector);
        long d = readDescriptor(s, address);
        Segment seg = Segment.fromDescriptor(selector, d);
        int type = seg.type();
        boolean code = (type & TYPE_CODE) != 0;
        if ((seg.accessRights() & Segment.AR_S) == 0 || (code && (type & TYPE_READABLE) == 0)) {
            throw selectorFault(Vectors.GP, selector);
        }
        boolean conformingCode = code && (type & TYPE_CONFORMING) != 0;
        if (!conformingCode && (seg.rpl() > seg.dpl() || s.cpl() > seg.dpl())) {
            throw selectorFault(Vectors.GP, selector);
        }
        if (!seg.present()) {
            throw selectorFault(Vectors.NP, selector);
        }
        s.regs = s.regs.withSeg(sreg, markAccessed(s, address, d, seg));
    }
}
