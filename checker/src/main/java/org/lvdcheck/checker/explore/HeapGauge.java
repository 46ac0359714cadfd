package org.lvdcheck.checker.explore;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/**
 * Whether the heap is exhausted: the old generation still holds at least {@link #FULL} of its
 * maximum right after a collection of it (what the collector could not free is live: the seen
 * set and the states kept to expand). A breadth-first run past that point spends its time in
 * full collections and then fails; the explorer stops it, inconclusive, while it can still
 * report ({@link Inconclusive#MEMORY_BOUND}).
 */
public final class HeapGauge {
    /** The share of the old generation's maximum that, in use after a collection, counts as exhausted. */
    public static final double FULL = 0.95;

    /** The gauge of this JVM's old generation (never exhausted when the collector names none). */
    public static final HeapGauge OLD_GENERATION = new HeapGauge(oldGeneration());

    private final MemoryPoolMXBean pool;

    private HeapGauge(MemoryPoolMXBean pool) {
        this.pool = pool;
    }

    /** The heap pool of the old generation, or null: the one whose usage after a collection is kept and whose name says old or tenured. */
    private static MemoryPoolMXBean oldGeneration() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = p.getName().toLowerCase(java.util.Locale.ROOT);
            if (p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()
                    && (name.contains("old") || name.contains("tenured"))) {
                return p;
            }
        }
        return null;
    }

    /** The name of the pool watched, or null when there is none. */
    public String poolName() {
        return pool == null ? null : pool.getName();
    }

    /** Whether the old generation held {@link #FULL} of its maximum or more after its last collection. */
    public boolean exhausted() {
        if (pool == null) {
            return false;
        }
        MemoryUsage after = pool.getCollectionUsage();
        return after != null && exhausted(after.getUsed(), after.getMax());
    }

    /** The share of the old generation's maximum in use now, garbage included (0 when unknown). */
    public double usedShare() {
        if (pool == null) {
            return 0;
        }
        MemoryUsage now = pool.getUsage();
        return now == null || now.getMax() <= 0 ? 0 : (double) now.getUsed() / now.getMax();
    }

    /** Whether {@code used} bytes of a pool of at most {@code max} (-1: undefined) count as exhausted. */
    static boolean exhausted(long used, long max) {
        return max > 0 && used >= FULL * max;
    }
}
