package org.lvdcheck.emulator.testutil;

import java.util.function.LongSupplier;

/** A bump allocator of 4 KiB frames for building tables in tests. */
public final class Frames implements LongSupplier {
    private long next;

    public Frames(long firstHpa) {
        this.next = firstHpa;
    }

    @Override
    public long getAsLong() {
        long f = next;
        next += 0x1000;
        return f;
    }
}
