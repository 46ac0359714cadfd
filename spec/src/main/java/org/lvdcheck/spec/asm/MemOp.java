package org.lvdcheck.spec.asm;

/**
 * A memory operand {@code [%seg:]disp(base,index,scale)}. With {@code ripRelative} the
 * displacement has been resolved to the absolute target address (SDM Vol. 2A 2.2.1.6:
 * RIP-relative addressing is relative to the next instruction; link has done that sum).
 * {@code width} is the number of bytes accessed: the operand size for ordinary operands,
 * the source width for MOVZX/MOVSX, 10 for LGDT/LIDT/SGDT/SIDT, 0 where the operand is
 * only an address (LEA) or its size is not fixed by the instruction (XSAVE family).
 *
 * @param segment segment override, null for the default segment
 * @param base base register (64-bit GPR) or null
 * @param index index register (64-bit GPR, never RSP) or null
 * @param scale 1, 2, 4 or 8 (1 when there is no index)
 */
public record MemOp(Reg segment, long disp, Reg base, Reg index, int scale, boolean ripRelative, int width)
        implements Operand {
    public MemOp {
        if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("scale " + scale);
        }
        if (ripRelative && (base != null || index != null)) {
            throw new IllegalArgumentException("RIP-relative operand with base or index");
        }
    }

    /** The same operand with another access width. */
    public MemOp withWidth(int newWidth) {
        return new MemOp(segment, disp, base, index, scale, ripRelative, newWidth);
    }
}
