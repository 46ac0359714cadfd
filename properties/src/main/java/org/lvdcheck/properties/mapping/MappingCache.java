package org.lvdcheck.properties.mapping;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.MachineState;

/**
 * Memoizes {@link MappingAnalysis} for an explorer (DESIGN.md §6: recomputed when a
 * paging-structure frame changes). An analysis is reused for a state when its scalar inputs are
 * equal ({@link MappingInputs#quickKey}) and every frame it read has the same content hash
 * ({@link MappingAnalysis#framesUnchangedIn});
 * most steps write no paging structure, so one analysis serves long runs of states. At most
 * {@code capacity} analyses are kept, the oldest dropped first. Safe for concurrent workers.
 */
public final class MappingCache {
    private final LvdSystem system;
    private final int capacity;
    private final Map<Long, Deque<MappingAnalysis>> byInputs = new HashMap<>();
    private final Deque<MappingAnalysis> order = new ArrayDeque<>();
    private long hits;
    private long misses;

    public MappingCache(LvdSystem system, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.system = system;
        this.capacity = capacity;
    }

    /** The analysis of {@code s}: a cached one that is valid for it, else a new one. */
    public MappingAnalysis analysisOf(MachineState s) {
        long inputs = MappingInputs.quickKey(system, s);
        synchronized (this) {
            for (MappingAnalysis a : byInputs.getOrDefault(inputs, new ArrayDeque<>())) {
                if (a.framesUnchangedIn(s.mem())) {
                    hits++;
                    return a;
                }
            }
            misses++;
        }
        MappingAnalysis a = MappingAnalysis.of(system, s);
        synchronized (this) {
            byInputs.computeIfAbsent(inputs, k -> new ArrayDeque<>()).addFirst(a);
            order.addLast(a);
            while (order.size() > capacity) {
                MappingAnalysis old = order.removeFirst();
                byInputs.values().forEach(d -> d.remove(old));
                byInputs.values().removeIf(Deque::isEmpty);
            }
        }
        return a;
    }

    /** Lookups answered from the cache. */
    public synchronized long hits() {
        return hits;
    }

    /** Lookups that computed a new analysis. */
    public synchronized long misses() {
        return misses;
    }
}
