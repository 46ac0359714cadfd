package org.lvdcheck.checker.explore;

import java.util.Arrays;

/**
 * A growable array of longs in fixed-size chunks: appending never copies the elements and wastes
 * at most one chunk, so the seen set's per-state cost stays at 8 bytes per column.
 */
final class LongChunks {
    static final int CHUNK_BITS = 13;
    static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    private long[][] chunks = new long[8][];
    private int size;

    void add(long value) {
        int c = size >>> CHUNK_BITS;
        if (c == chunks.length) {
            chunks = Arrays.copyOf(chunks, c * 2);
        }
        if (chunks[c] == null) {
            chunks[c] = new long[CHUNK];
        }
        chunks[c][size & MASK] = value;
        size++;
    }

    long get(int i) {
        return get(chunks, i);
    }

    /**
     * The chunk array as it is now: it holds every value added so far (later additions may go to
     * a new array), for a reader of those values on another thread ({@link FingerprintStore#snapshot}).
     */
    long[][] chunksNow() {
        return chunks;
    }

    /** Value {@code i} of a chunk array from {@link #chunksNow()}. */
    static long get(long[][] chunks, int i) {
        return chunks[i >>> CHUNK_BITS][i & MASK];
    }

    /** Bytes allocated: the chunks in use and the chunk directory. */
    long bytes() {
        long used = (size + MASK) >>> CHUNK_BITS;
        return used * CHUNK * Long.BYTES + (long) chunks.length * Long.BYTES;
    }
}
