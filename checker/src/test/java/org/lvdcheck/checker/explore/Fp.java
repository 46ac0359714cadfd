package org.lvdcheck.checker.explore;

/** A seeded 64-bit fingerprint of a tuple of ints, for the toy systems of the tests. */
final class Fp {
    private Fp() {
    }

    static long of(long seed, int... values) {
        long h = seed ^ 0x6A09E667F3BCC909L;
        for (int v : values) {
            h ^= v;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        h *= 0x94D049BB133111EBL;
        return h ^ (h >>> 29);
    }
}
