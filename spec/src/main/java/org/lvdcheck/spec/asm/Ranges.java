package org.lvdcheck.spec.asm;

/** Field-width arithmetic shared by the checker, the encoder and link. */
final class Ranges {
    private Ranges() {
    }

    static boolean fitsS8(long v) {
        return v >= -128 && v <= 127;
    }

    static boolean fitsS32(long v) {
        return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
    }

    /** Whether {@code v} can be written as an immediate of an instruction of {@code size} bytes. */
    static boolean fitsImmediate(long v, int size, boolean imm64Allowed) {
        return switch (size) {
            case 1 -> v >= -128 && v <= 0xff;
            case 2 -> v >= -32768 && v <= 0xffff;
            case 4 -> v >= Integer.MIN_VALUE && v <= 0xffffffffL;
            default -> imm64Allowed || fitsS32(v);
        };
    }

    /** Sign-extends the low {@code size} bytes of v (the canonical immediate form). */
    static long signExtend(long v, int size) {
        return switch (size) {
            case 1 -> (byte) v;
            case 2 -> (short) v;
            case 4 -> (int) v;
            default -> v;
        };
    }
}
