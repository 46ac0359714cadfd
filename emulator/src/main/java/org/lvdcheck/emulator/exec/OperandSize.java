package org.lvdcheck.emulator.exec;

/**
 * Operand-size arithmetic on values held in a {@code long}: truncation, sign bit and sign
 * extension for operand sizes of 1, 2, 4 and 8 bytes (SDM Vol. 1 4.2, 3.4.1.1).
 */
public final class OperandSize {
    private OperandSize() {
    }

    /** The all-ones mask of an operand of {@code bytes} bytes. */
    public static long mask(int bytes) {
        return switch (bytes) {
            case 1 -> 0xFFL;
            case 2 -> 0xFFFFL;
            case 4 -> 0xFFFF_FFFFL;
            case 8 -> -1L;
            default -> throw new IllegalArgumentException("operand size " + bytes);
        };
    }

    /** The most significant bit of an operand of {@code bytes} bytes. */
    public static long signBit(int bytes) {
        return 1L << (bytes * 8 - 1);
    }

    public static int bits(int bytes) {
        mask(bytes);
        return bytes * 8;
    }

    /** {@code value} truncated to {@code bytes} bytes, zero-extended. */
    public static long truncate(long value, int bytes) {
        return value & mask(bytes);
    }

    /** The low {@code bytes} bytes of {@code value} sign-extended to 64 bits. */
    public static long signExtend(long value, int bytes) {
        int shift = 64 - bytes * 8;
        return (value << shift) >> shift;
    }
}
