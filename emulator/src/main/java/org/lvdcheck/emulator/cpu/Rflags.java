package org.lvdcheck.emulator.cpu;

/** RFLAGS bits (SDM Vol. 1 3.4.3, Vol. 3A 2.3). */
public final class Rflags {
    private Rflags() {
    }

    public static final long CF = 1L << 0;
    /** Bit 1 is reserved and always reads 1. */
    public static final long FIXED1 = 1L << 1;
    public static final long PF = 1L << 2;
    public static final long AF = 1L << 4;
    public static final long ZF = 1L << 6;
    public static final long SF = 1L << 7;
    public static final long TF = 1L << 8;
    public static final long IF = 1L << 9;
    public static final long DF = 1L << 10;
    public static final long OF = 1L << 11;
    public static final long IOPL = 3L << 12;
    public static final long NT = 1L << 14;
    public static final long RF = 1L << 16;
    public static final long VM = 1L << 17;
    public static final long AC = 1L << 18;
    public static final long VIF = 1L << 19;
    public static final long VIP = 1L << 20;
    public static final long ID = 1L << 21;

    /**
     * Bit 63, reserved in RFLAGS and 0 in every image the hardware saves: set alone among the
     * reserved bits 63:22 of a saved image (an event frame, PUSHF) it records that the status
     * flags were ⊤ when it was saved (DESIGN.md §3), so the image stays clean for its control
     * flags and IRET or POPF restores the status flags as ⊤. A word the driver chose is ⊤ as a
     * whole instead.
     */
    public static final long STATUS_TOP = 1L << 63;
    private static final long RESERVED_HIGH = -1L << 22;

    /** The image of {@code rflags} to save, with the mark when the status flags are ⊤. */
    public static long image(long rflags, boolean statusTop) {
        return statusTop ? rflags | STATUS_TOP : rflags;
    }

    /** Whether a saved image has the mark of ⊤ status flags. */
    public static boolean statusTop(long image) {
        return (image & RESERVED_HIGH) == STATUS_TOP;
    }

    /** IOPL field value (0..3). */
    public static int iopl(long rflags) {
        return (int) ((rflags >>> 12) & 3);
    }
}
