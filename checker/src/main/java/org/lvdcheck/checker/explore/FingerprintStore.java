package org.lvdcheck.checker.explore;

/**
 * The seen set of 64-bit fingerprints (DESIGN.md §5), within the budget of 24 bytes per state.
 *
 * <p>Per id, in chunked columns: the fingerprint (8 bytes) and {@link IdColumns}' parent id and
 * action word (4 each), 16 bytes. An open-addressing index of {@code int} slots (id + 1; 0 is
 * empty) finds an id by fingerprint with linear probing; it grows by half when its load would exceed
 * 0.75, so its load stays between 0.5 and 0.75 once past its initial size, costing 5.3 to 8
 * bytes per state. Together: 21.3 to 24 bytes per state, plus at most one chunk per column
 * ({@link IntChunks#CHUNK} entries). Because the index holds ids and not fingerprints, every
 * fingerprint value, 0 included, is an ordinary key.
 *
 * <p>At most {@link #MAX_STATES} states; the explorer treats that as a state bound.
 */
final class FingerprintStore<S> extends IdColumns<S> {
    /** The most states the store holds (25 GiB of seen set). */
    static final int MAX_STATES = 1 << 30;
    static final int INITIAL_SLOTS = 1024;
    private static final int MAX_SLOTS = Integer.MAX_VALUE - 8;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final LongChunks fingerprints = new LongChunks();
    private int[] slots = new int[INITIAL_SLOTS];
    private int threshold = INITIAL_SLOTS / 4 * 3;
    private int size;

    @Override
    public int find(S state, long fingerprint) {
        int[] table = slots;
        int pos = home(fingerprint, table.length);
        while (true) {
            int entry = table[pos];
            if (entry == 0) {
                return -1;
            }
            if (fingerprints.get(entry - 1) == fingerprint) {
                return entry - 1;
            }
            pos = pos + 1 == table.length ? 0 : pos + 1;
        }
    }

    @Override
    public int insert(S state, long fingerprint, int parent, int action) {
        check(action);
        if (size >= MAX_STATES) {
            throw new IllegalStateException("seen set full: " + MAX_STATES + " states");
        }
        if (size >= threshold) {
            grow();
        }
        int[] table = slots;
        int pos = home(fingerprint, table.length);
        while (table[pos] != 0) {
            if (fingerprints.get(table[pos] - 1) == fingerprint) {
                return -1;
            }
            pos = pos + 1 == table.length ? 0 : pos + 1;
        }
        table[pos] = size + 1;
        fingerprints.add(fingerprint);
        append(parent, action);
        return size++;
    }

    /**
     * A lookup of the states stored so far that other threads may use while this thread goes on
     * inserting: it finds exactly the ids below its limit (the size now) and never a later one.
     * Inserts only fill empty slots of the index (or build a new index, leaving this one as it
     * is), so a probe chain of an id below the limit stays unbroken, and the fingerprints of those
     * ids are in the chunks as they are now; a slot an insert fills concurrently holds an id at or
     * above the limit, which the lookup steps over.
     */
    @Override
    public Lookup snapshot() {
        int[] table = slots;
        long[][] fps = fingerprints.chunksNow();
        int limit = size;
        return fingerprint -> {
            int pos = home(fingerprint, table.length);
            while (true) {
                int entry = table[pos];
                if (entry == 0) {
                    return -1;
                }
                if (entry - 1 < limit && LongChunks.get(fps, entry - 1) == fingerprint) {
                    return entry - 1;
                }
                pos = pos + 1 == table.length ? 0 : pos + 1;
            }
        };
    }

    /** Rebuilds the index 1.5 times larger, reading fingerprints in id order. */
    private void grow() {
        int capacity = (int) Math.min(MAX_SLOTS, (long) slots.length + (slots.length >> 1));
        int[] table = new int[capacity];
        for (int id = 0; id < size; id++) {
            int pos = home(fingerprints.get(id), capacity);
            while (table[pos] != 0) {
                pos = pos + 1 == capacity ? 0 : pos + 1;
            }
            table[pos] = id + 1;
        }
        slots = table;
        threshold = (int) ((long) capacity * 3 / 4);
    }

    /** The home slot: the high 32 bits of a multiplicative hash, scaled to the capacity. */
    private static int home(long fingerprint, int capacity) {
        long h = (fingerprint * GOLDEN) >>> 32;
        return (int) ((h * capacity) >>> 32);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean matches(int id, S state, long fingerprint) {
        return fingerprints.get(id) == fingerprint;
    }

    @Override
    public String describe(int id) {
        return String.format("fingerprint %016x", fingerprints.get(id));
    }

    @Override
    public boolean usesFingerprints() {
        return true;
    }

    @Override
    public long bytes() {
        return fingerprints.bytes() + columnBytes() + (long) slots.length * Integer.BYTES;
    }
}
