package org.lvdcheck.checker.explore;

import java.util.Arrays;

/**
 * A growable array of ints in fixed-size chunks: appending never copies the elements and wastes
 * at most one chunk, so the seen set's per-state cost stays at 4 bytes per column.
 */
final class IntChunks {
    static final int CHUNK_BITS = 13;
    static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    private int[][] chunks = new int[8][];
    private int size;

    void add(int value) {
        int c = size >>> CHUNK_BITS;
        if (c == chunks.length) {
            chunks = Arrays.copyOf(chunks, c * 2);
        }
        if (chunks[c] == null) {
            chunks[c] = new int[CHUNK];
        }
        chunks[c][size & MASK] = value;
        size++;
    }

    int get(int i) {
        return chunks[i >>> CHUNK_BITS][i & MASK];
    }

    void set(int i, int value) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        chunks[i >>> CHUNK_BITS][i & MASK] = value;
    }

    /** Bytes allocated: the chunks in use and the chunk directory. */
    long bytes() {
        long used = (size + MASK) >>> CHUNK_BITS;
        return used * CHUNK * Integer.BYTES + (long) chunks.length * Long.BYTES;
    }
}
