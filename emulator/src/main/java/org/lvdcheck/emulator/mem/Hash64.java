package org.lvdcheck.emulator.mem;

/** The 64-bit mixing used by state fingerprints (the splitmix64 finalizer constants). */
public final class Hash64 {
    private Hash64() {
    }

    /** A bijective avalanche mix of 64 bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * A content hash computed for one seed, kept by an immutable object so that a state that
     * shares it with its predecessor is not hashed again ({@code null} until first asked).
     */
    public record Seeded(long seed, long value) {
        public static boolean holds(Seeded c, long seed) {
            return c != null && c.seed == seed;
        }
    }

    /** Combines a running hash with one more value, order-sensitive. */
    public static long combine(long acc, long value) {
        return mix(acc * 0x9E3779B97F4A7C15L + value + 0x632BE59BD9B4E019L);
    }
}
