package org.lvdcheck.emulator.lxd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.lvdcheck.emulator.ept.EptLeaves;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * Which host frames the domains can write, from their EPTs in memory (DESIGN.md §3, "havoc
 * memory"): every EPTP in every CPU's EPTP list except slot 0 (the kernel's) is walked, and a
 * frame is domain-writable when some leaf maps it readable and writable.
 *
 * <ul>
 *   <li><b>Havoc</b> frames are writable through the domain views of two or more CPUs: a
 *       driver running on another CPU may change them at any moment, so a trusted reader (kernel
 *       code, transition code, hardware) sees ⊤ and their contents never matter to it.</li>
 *   <li><b>Tracked</b> frames are writable through the domain views of exactly one CPU (a
 *       per-CPU IST stack mapped into that CPU's EPT only): the driver can write them only while
 *       that CPU runs driver code, so the model keeps their contents concretely and the
 *       driver's write is a move of its own ({@link PhysMem.Editor#domainWrite}).</li>
 * </ul>
 *
 * <p>Computed once at build. The runtime EPT changes of the built-in specs (remap_cr3, which
 * maps the CR3 GPA to a frame the view already maps with the same rights; a kill, which only
 * removes EPTPs) add no writable frame, so the sets stay an over-approximation.
 */
public final class DomainWrites {
    private final long[] havocStart;
    private final long[] havocEnd;
    private final long[] trackedStart;
    private final long[] trackedEnd;
    private final int[] trackedCpu;
    /** [view][cpu]: the tracked frames that view writes on that CPU, ascending. */
    private final long[][][] trackedByView;

    private DomainWrites(long[][] havoc, long[][] tracked, int[] trackedCpu, long[][][] trackedByView) {
        this.havocStart = havoc[0];
        this.havocEnd = havoc[1];
        this.trackedStart = tracked[0];
        this.trackedEnd = tracked[1];
        this.trackedCpu = trackedCpu;
        this.trackedByView = trackedByView;
    }

    /**
     * Walks the EPTs of every nonzero EPTP-list slot ≥ 1 of every CPU.
     *
     * @param viewSlots the EPTP-list slot of each view (index 0 the kernel)
     */
    public static DomainWrites compute(PhysReader mem, long[] eptpLists, int[] viewSlots, int maxPhysAddr) {
        int cpus = eptpLists.length;
        // frame -> bit set of CPUs whose domain views write it; per (slot, cpu) the frames.
        TreeMap<Long, Long> writers = new TreeMap<>();
        long[][] bySlot = new long[512 * cpus][];
        for (int c = 0; c < cpus; c++) {
            for (int slot = 1; slot < 512; slot++) {
                long eptp = mem.read(eptpLists[c] + 8L * slot, 8);
                if (eptp == 0) {
                    continue;
                }
                List<Long> frames = new ArrayList<>();
                int cpu = c;
                EptLeaves.forEach(mem, eptp, maxPhysAddr, leaf -> {
                    if (leaf.writable()) {
                        for (long f = leaf.hpa() >>> PhysMem.FRAME_SHIFT; f < (leaf.hpa() + leaf.size()) >>> PhysMem.FRAME_SHIFT; f++) {
                            writers.merge(f, 1L << cpu, (a, b) -> a | b);
                            frames.add(f);
                        }
                    }
                });
                bySlot[512 * c + slot] = frames.stream().mapToLong(Long::longValue).sorted().distinct().toArray();
            }
        }
        List<long[]> havoc = new ArrayList<>();
        List<long[]> tracked = new ArrayList<>();
        List<Integer> trackedCpus = new ArrayList<>();
        for (var e : writers.entrySet()) {
            long f = e.getKey();
            long cpusMask = e.getValue();
            if (Long.bitCount(cpusMask) >= 2) {
                extend(havoc, f, null, -1);
            } else {
                extend(tracked, f, trackedCpus, Long.numberOfTrailingZeros(cpusMask));
            }
        }
        DomainWrites partial = new DomainWrites(toArrays(havoc), toArrays(tracked),
                trackedCpus.stream().mapToInt(Integer::intValue).toArray(), null);
        long[][][] byView = new long[viewSlots.length][cpus][];
        for (int v = 0; v < viewSlots.length; v++) {
            for (int c = 0; c < cpus; c++) {
                long[] frames = v == 0 ? null : bySlot[512 * c + viewSlots[v]];
                byView[v][c] = frames == null ? new long[0]
                        : Arrays.stream(frames).filter(f -> partial.trackedCpu(f) >= 0).toArray();
            }
        }
        return new DomainWrites(toArrays(havoc), toArrays(tracked), partial.trackedCpu, byView);
    }

    private static void extend(List<long[]> ranges, long frame, List<Integer> cpus, int cpu) {
        long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
        if (last != null && last[1] == frame && (cpus == null || cpus.get(cpus.size() - 1) == cpu)) {
            last[1] = frame + 1;
            return;
        }
        ranges.add(new long[] {frame, frame + 1});
        if (cpus != null) {
            cpus.add(cpu);
        }
    }

    private static long[][] toArrays(List<long[]> ranges) {
        long[][] r = new long[2][ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            r[0][i] = ranges.get(i)[0];
            r[1][i] = ranges.get(i)[1];
        }
        return r;
    }

    private static int find(long[] start, long[] end, long frame) {
        int i = Arrays.binarySearch(start, frame);
        int k = i >= 0 ? i : -i - 2;
        return k >= 0 && frame < end[k] ? k : -1;
    }

    /** Whether a trusted reader sees frame {@code frame} as ⊤: domains on two or more CPUs can write it. */
    public boolean havoc(long frame) {
        return find(havocStart, havocEnd, frame) >= 0;
    }

    /** The one CPU whose domain views can write frame {@code frame}, or -1 if it is not tracked. */
    public int trackedCpu(long frame) {
        int k = find(trackedStart, trackedEnd, frame);
        return k < 0 ? -1 : trackedCpu[k];
    }

    /** Whether any domain can write frame {@code frame}. */
    public boolean domainWritable(long frame) {
        return havoc(frame) || trackedCpu(frame) >= 0;
    }

    /** The tracked frames view {@code view} writes on CPU {@code cpu}, ascending (a copy). */
    public long[] trackedWritable(int view, int cpu) {
        return view < 0 ? new long[0] : trackedByView[view][cpu].clone();
    }

    /** Number of havoc frames, for reports. */
    public long havocFrameCount() {
        long n = 0;
        for (int i = 0; i < havocStart.length; i++) {
            n += havocEnd[i] - havocStart[i];
        }
        return n;
    }
}
