package org.lvdcheck.emulator.irq;

/** An immutable set of the 256 interrupt vectors, as four 64-bit words (the LAPIC's IRR/ISR). */
public record VectorSet(long w0, long w1, long w2, long w3) {
    public static final VectorSet EMPTY = new VectorSet(0, 0, 0, 0);

    public boolean contains(int v) {
        return (word(v >>> 6) & (1L << v)) != 0;
    }

    public VectorSet with(int v) {
        return set(v >>> 6, word(v >>> 6) | (1L << v));
    }

    public VectorSet without(int v) {
        return set(v >>> 6, word(v >>> 6) & ~(1L << v));
    }

    public boolean isEmpty() {
        return (w0 | w1 | w2 | w3) == 0;
    }

    /** The highest vector in the set, or -1. */
    public int highest() {
        for (int i = 3; i >= 0; i--) {
            long w = word(i);
            if (w != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(w);
            }
        }
        return -1;
    }

    private long word(int i) {
        switch (i) {
            case 0: return w0;
            case 1: return w1;
            case 2: return w2;
            case 3: return w3;
            default: throw new IllegalArgumentException("vector word " + i);
        }
    }

    private VectorSet set(int i, long w) {
        switch (i) {
            case 0: return new VectorSet(w, w1, w2, w3);
            case 1: return new VectorSet(w0, w, w2, w3);
            case 2: return new VectorSet(w0, w1, w, w3);
            default: return new VectorSet(w0, w1, w2, w);
        }
    }
}
