package org.lvdcheck.emulator.lxd;

import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.Model.Region;

/**
 * Hands out the frames of one spec region in order, as the microkernel's page allocator
 * would. Running out is the spec's mistake (the region is too small), reported at its line.
 */
final class FramePool {
    private final Region region;
    private long next;

    FramePool(Region region) {
        this.region = region;
        this.next = region.hpa();
    }

    long allocate() throws InputError {
        if (next >= region.hpa() + region.size()) {
            throw new InputError(region.pos(), "region '" + region.name() + "' is too small: it ran out of frames for "
                    + "the tables lvdcheck builds in it (" + region.size() / 4096 + " frames)");
        }
        long f = next;
        next += 4096;
        return f;
    }

    /** An allocator for builders that cannot throw checked exceptions; rethrown by {@link SystemBuilder}. */
    java.util.function.LongSupplier asSupplier() {
        return () -> {
            try {
                return allocate();
            } catch (InputError e) {
                throw new PoolExhausted(e);
            }
        };
    }

    static final class PoolExhausted extends RuntimeException {
        final InputError error;

        PoolExhausted(InputError error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }
}
