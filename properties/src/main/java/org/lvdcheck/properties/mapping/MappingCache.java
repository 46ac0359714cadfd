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
    /** Every frame an analysis of this cache read, ascending; replaced, never changed in place. */
    private volatile long[] framesSeen = new long[0];
    private long hits;
    private long misses;

    public MappingCache(LvdSystem system, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.system = system;
        this.capacity = capacity;
    }

    /**
     * Whether the analysis of {@code after} may differ from the analysis of {@code before}, decided
     * cheaply for an explorer's every step (DESIGN.md §6): a scalar input changed
     * ({@link MappingInputs#sameScalars}), or a frame that some analysis of this cache read was
     * written. The analysis is a pure function of those, so "false" means {@code after} has
     * {@code before}'s analysis. Sound when the frames {@code before}'s analysis reads are among
     * those this cache has seen: {@code before} was analysed here, or it has the analysis of a
     * state that was (the explorer analyses the initial state, then each step's target unless
     * this method says it has its source's analysis).
     */
    public boolean mayDiffer(MachineState before, MachineState after) {
        return !MappingInputs.sameScalars(system, before, after) || after.mem().mayDifferIn(before.mem(), framesSeen);
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
            see(a.framesRead());
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

    /**
     * Adds {@code frames} (ascending) to the frames {@link #mayDiffer} watches: a check whose result
     * also depends on other frames than the analysis reads (ENTRY decodes code) shares the one pass.
     */
    public synchronized void watch(long[] frames) {
        see(frames);
    }

    /** Adds {@code frames} (ascending) to {@link #framesSeen}, a new array so readers never see it change. */
    private void see(long[] frames) {
        long[] seen = framesSeen;
        long[] merged = new long[seen.length + frames.length];
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < seen.length || j < frames.length) {
            long next = j >= frames.length || i < seen.length && seen[i] <= frames[j] ? seen[i] : frames[j];
            i += i < seen.length && seen[i] == next ? 1 : 0;
            j += j < frames.length && frames[j] == next ? 1 : 0;
            merged[n++] = next;
        }
        framesSeen = java.util.Arrays.copyOf(merged, n);
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
