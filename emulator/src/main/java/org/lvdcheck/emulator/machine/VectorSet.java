package org.lvdcheck.emulator.machine;

/** An immutable set of interrupt vectors 0..255 (pending or in-service requests of a LAPIC). */
public record VectorSet(long w0, long w1, long w2, long w3) {
    public static final VectorSet EMPTY = new VectorSet(0, 0, 0, 0);

    public boolean contains(int v) {
        return (word(v >>> 6) >>> (v & 63) & 1) != 0;
    }

    public VectorSet with(int v) {
        return set(v, true);
    }

    public VectorSet without(int v) {
        return set(v, false);
    }

    public boolean isEmpty() {
        return (w0 | w1 | w2 | w3) == 0;
    }

    /** The highest vector in the set (the one the LAPIC would present first), or -1. */
    public int highest() {
        long[] w = {w0, w1, w2, w3};
        for (int i = 3; i >= 0; i--) {
            if (w[i] != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(w[i]);
            }
        }
        return -1;
    }

    private long word(int i) {
        return switch (i) {
            case 0 -> w0;
            case 1 -> w1;
            case 2 -> w2;
            default -> w3;
        };
    }

    private VectorSet set(int v, boolean on) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("vector " + v);
        }
        long bit = 1L << (v & 63);
        long[] w = {w0, w1, w2, w3};
        w[v >>> 6] = on ? w[v >>> 6] | bit : w[v >>> 6] & ~bit;
        return new VectorSet(w[0], w[1], w[2], w[3]);
    }
}
