package org.lvdcheck.emulator.vmx;

import java.util.Arrays;
import org.lvdcheck.emulator.mem.Hash64;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * The four MSR bitmaps of the VMCS (SDM Vol. 3C 24.6.9) as an immutable value: read-low
 * (MSRs 0..1FFFH), read-high (C0000000H..C0001FFFH), write-low, write-high, one bit per MSR;
 * a set bit makes RDMSR/WRMSR of that MSR exit. MSRs outside both ranges always exit (25.1.3),
 * whatever the bitmap.
 */
public final class MsrBitmap {
    private static final int LONGS_PER_MAP = 8192 / 64;
    private static final int READ_LOW = 0;
    private static final int READ_HIGH = 1;
    private static final int WRITE_LOW = 2;
    private static final int WRITE_HIGH = 3;

    /** No MSR in the two ranges exits. */
    public static final MsrBitmap NO_EXITS = new MsrBitmap(new long[4 * LONGS_PER_MAP]);
    /** Every MSR exits (as if bitmaps were off). */
    public static final MsrBitmap ALL_EXIT;

    static {
        long[] all = new long[4 * LONGS_PER_MAP];
        Arrays.fill(all, -1L);
        ALL_EXIT = new MsrBitmap(all);
    }

    private final long[] bits;

    private MsrBitmap(long[] bits) {
        this.bits = bits;
    }

    /** Whether {@code msr} (an ECX value) is covered by the bitmaps. */
    public static boolean inRange(long msr) {
        long m = msr & 0xFFFFFFFFL;
        return m <= 0x1FFF || (m >= 0xC0000000L && m <= 0xC0001FFFL);
    }

    /** Whether RDMSR ({@code write} false) or WRMSR of {@code msr} exits under these bitmaps. */
    public boolean exits(long msr, boolean write) {
        int bit = bitIndex(msr, write);
        return bit < 0 || (bits[bit >>> 6] & (1L << bit)) != 0;
    }

    /** A copy with the bit for (msr, read|write) set to {@code exits}; msr must be in range. */
    public MsrBitmap withExit(long msr, boolean write, boolean exits) {
        int bit = bitIndex(msr, write);
        if (bit < 0) {
            throw new IllegalArgumentException(String.format("MSR 0x%x is outside the bitmap ranges", msr));
        }
        long[] copy = bits.clone();
        if (exits) {
            copy[bit >>> 6] |= 1L << bit;
        } else {
            copy[bit >>> 6] &= ~(1L << bit);
        }
        return new MsrBitmap(copy);
    }

    /** Reads the 4 KiB bitmap page the VMCS points to (read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072). */
    public static MsrBitmap fromPage(PhysReader mem, long hpa) {
        long[] b = new long[4 * LONGS_PER_MAP];
        for (int i = 0; i < b.length; i++) {
            b[i] = mem.read(hpa + 8L * i, 8);
        }
        return new MsrBitmap(b);
    }

    private static int bitIndex(long msr, boolean write) {
        long m = msr & 0xFFFFFFFFL;
        int map;
        if (m <= 0x1FFF) {
            map = write ? WRITE_LOW : READ_LOW;
        } else if (m >= 0xC0000000L && m <= 0xC0001FFFL) {
            map = write ? WRITE_HIGH : READ_HIGH;
        } else {
            return -1;
        }
        return map * 8192 + (int) (m & 0x1FFF);
    }

    /** Cached {@link #contentHash()}: the bitmap is immutable (0 until computed). */
    private volatile long hash;

    long contentHash() {
        long c = hash;
        if (c != 0) {
            return c;
        }
        long h = 0x4D5352L;
        for (int i = 0; i < bits.length; i++) {
            if (bits[i] != 0) {
                h = Hash64.combine(h, bits[i] + i);
            }
        }
        h = Hash64.mix(h);
        hash = h == 0 ? 1 : h;
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof MsrBitmap m && Arrays.equals(bits, m.bits));
    }

    @Override
    public int hashCode() {
        return Long.hashCode(contentHash());
    }

    @Override
    public String toString() {
        int n = 0;
        for (long b : bits) {
            n += Long.bitCount(b);
        }
        return "MsrBitmap[" + n + " exiting (msr, access) pairs]";
    }
}
