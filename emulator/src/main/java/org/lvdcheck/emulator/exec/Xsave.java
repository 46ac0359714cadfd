package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;

/**
 * XSAVE, XSAVEOPT, XSAVE64, XRSTOR and XRSTOR64 on the standard (non-compacted) XSAVE area
 * (SDM Vol. 1 13.4-13.8). The register file keeps one opaque 64-bit token per state component
 * (x87 = 0, SSE = 1, AVX = 2) instead of the registers themselves; each token lives at the start
 * of its component's place in the area, MXCSR at its real offset:
 * <pre>
 *   0   legacy region: 24 MXCSR (4 bytes), 28 MXCSR_MASK (4), 32 x87 token (ST0), 160 SSE token (XMM0)
 *   512 XSAVE header: XSTATE_BV (8), XCOMP_BV (8), reserved to 575
 *   576 AVX token (YMM_Hi128 of YMM0; CPUID.(EAX=0DH,ECX=2).EBX = 576)
 * </pre>
 * Simplifications: every component is taken to be in use (XINUSE = all ones), so XSAVE sets
 * XSTATE_BV[i] for every saved i, and XSAVEOPT behaves as XSAVE (it may always write); token 0
 * is the initial configuration XRSTOR loads for a component whose XSTATE_BV bit is 0; the
 * 64-byte alignment check uses the effective address (segment bases are ignored for it).
 */
final class Xsave {
    private Xsave() {
    }

    static final int MXCSR = 24;
    static final int MXCSR_MASK = 28;
    static final int X87_TOKEN = 32;
    static final int SSE_TOKEN = 160;
    static final int XSTATE_BV = 512;
    static final int XCOMP_BV = 520;
    static final int AVX_TOKEN = 576;
    /** MXCSR bits that exist (MXCSR_MASK reported as 0xFFFF); setting others makes XRSTOR #GP(0). */
    static final int MXCSR_MASK_VALUE = 0xFFFF;
    private static final int[] TOKEN_OFFSET = {X87_TOKEN, SSE_TOKEN, AVX_TOKEN};

    static void execute(Step s) {
        if ((s.regs.cr4() & Cr4.OSXSAVE) == 0) {
            throw Step.ud();
        }
        if ((s.regs.cr0() & Cr0.TS) != 0) {
            throw Step.abort(ExecOutcome.Fault.withoutCode(Vectors.NM));
        }
        MemOp m = (MemOp) s.insn.operand(0);
        long ea = s.effectiveAddress(m);
        boolean top = s.addressTainted(m);
        if (!top && (ea & 63) != 0) {
            throw Step.gp0();
        }
        if (s.gprTainted(ArchRegs.RDX) || s.gprTainted(ArchRegs.RAX)) {
            throw s.operandUse(s.insn.mnemonic() + " feature mask");
        }
        long requested = (s.gpr64(ArchRegs.RDX) << 32) | (s.gpr64(ArchRegs.RAX) & 0xFFFF_FFFFL);
        long rfbm = s.regs.xcr0() & requested;
        Mnemonic mn = s.insn.mnemonic();
        Area a = new Area(s, m, ea, top);
        if (mn == Mnemonic.XRSTOR || mn == Mnemonic.XRSTOR64) {
            restore(s, a, rfbm);
        } else {
            save(s, a, rfbm);
        }
    }

    /** The XSAVE area at {@code ea}; {@code top}: its address is ⊤ (confined code only gets this far). */
    private record Area(Step s, MemOp m, long ea, boolean top) {
        long read(int offset, int size) {
            return s.readMem(m, ea + offset, size, top);
        }

        void write(int offset, int size, long value, boolean tainted) {
            s.writeMem(m, ea + offset, size, value, tainted, top);
        }
    }

    private static boolean has(long rfbm, int component) {
        return (rfbm & (1L << component)) != 0;
    }

    private static void save(Step s, Area a, long rfbm) {
        long xstateBv = a.read(XSTATE_BV, 8);
        boolean bvTop = s.loadedTaint();
        for (int c = ArchRegs.XSTATE_X87; c <= ArchRegs.XSTATE_AVX; c++) {
            if (has(rfbm, c)) {
                a.write(TOKEN_OFFSET[c], 8, s.regs.xstate(c), s.regs.tainted(ArchRegs.tXstate(c)));
            }
        }
        if (has(rfbm, ArchRegs.XSTATE_SSE) || has(rfbm, ArchRegs.XSTATE_AVX)) {
            a.write(MXCSR, 4, s.regs.mxcsr(), s.regs.tainted(ArchRegs.T_MXCSR));
            a.write(MXCSR_MASK, 4, MXCSR_MASK_VALUE, false);
        }
        a.write(XSTATE_BV, 8, (xstateBv & ~rfbm) | (rfbm & 7), bvTop);
    }

    /**
     * XRSTOR, standard form: #GP(0) if XSTATE_BV has a bit not in XCR0, if header bytes 23:8
     * (XCOMP_BV and the next quadword) are not 0 (the compacted form is not supported), or if
     * the MXCSR image sets reserved bits. Then each requested component is loaded, or
     * initialised when its XSTATE_BV bit is 0; MXCSR is loaded when SSE or AVX is requested.
     * A ⊤ header or MXCSR image is the attacker's valid pick (a #GP from the driver is a move of
     * its own); with a ⊤ XSTATE_BV every requested component ends ⊤.
     */
    private static void restore(Step s, Area a, long rfbm) {
        long xstateBv = a.read(XSTATE_BV, 8);
        boolean bvTop = s.loadedTaint();
        long xcompBv = a.read(XCOMP_BV, 8);
        boolean compTop = s.loadedTaint();
        long reserved = a.read(XCOMP_BV + 8, 8);
        boolean resTop = s.loadedTaint();
        if (!bvTop && (xstateBv & ~s.regs.xcr0()) != 0 || !compTop && xcompBv != 0 || !resTop && reserved != 0) {
            throw Step.gp0();
        }
        ArchRegs r = s.regs;
        if (has(rfbm, ArchRegs.XSTATE_SSE) || has(rfbm, ArchRegs.XSTATE_AVX)) {
            long image = a.read(MXCSR, 4);
            boolean top = s.loadedTaint();
            if (!top && (image & ~MXCSR_MASK_VALUE) != 0) {
                throw Step.gp0();
            }
            r = r.withMxcsr((int) image).withTaint(ArchRegs.T_MXCSR, top);
        }
        for (int c = ArchRegs.XSTATE_X87; c <= ArchRegs.XSTATE_AVX; c++) {
            if (has(rfbm, c)) {
                long token = bvTop || has(xstateBv, c) ? a.read(TOKEN_OFFSET[c], 8) : 0;
                boolean top = bvTop || has(xstateBv, c) && s.loadedTaint();
                r = r.withXstate(c, token).withTaint(ArchRegs.tXstate(c), top);
            }
        }
        s.regs = r;
    }
}
