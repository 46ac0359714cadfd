package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * Every translation of one EPT, found by walking its whole 4-level structure in memory from the
 * EPTP (SDM Vol. 3C 28.2.2): each leaf (4 KiB PTE, 2 MiB PDE or 1 GiB PDPTE) that a walk can
 * use, as guest-physical ranges with their host-physical target and effective rights, adjacent
 * pages with equal rights and memory type merged; and every frame that holds one of its tables.
 *
 * <p>A leaf counts only if a walk to it succeeds: no entry on the way is not present (RWX = 000)
 * or misconfigured (28.2.3.1: W without R, X-only without support, reserved bits, a large page
 * where the CPU has none, a leaf memory type of 2, 3 or 7), and the AND of the rights is not
 * 000. This is a second implementation of the rules of {@code EptWalk}, which answers one
 * address at a time; EptMapAgainstEptWalkPropertyTest checks that both agree.
 *
 * <p>The table frames are those a walk reads: the PML4 table and every table a present,
 * well-configured non-leaf entry references.
 */
public final class EptMap {
    /** Bits 7:3 of a non-leaf entry (and of every PML4E) are reserved. */
    private static final long NONLEAF_RESERVED = 0x1FL << 3;
    /** Bits 29:12 of a PDPTE that maps a 1 GiB page are reserved. */
    private static final long LEAF_1G_RESERVED = ((1L << 30) - 1) & ~0xFFFL;
    /** Bits 20:12 of a PDE that maps a 2 MiB page are reserved. */
    private static final long LEAF_2M_RESERVED = ((1L << 21) - 1) & ~0xFFFL;

    private final long eptp;
    private final List<EptRange> ranges;
    private final long[] tableFrames;
    private final int[] tableLevels;

    private EptMap(long eptp, List<EptRange> ranges, long[] tableFrames, int[] tableLevels) {
        this.eptp = eptp;
        this.ranges = ranges;
        this.tableFrames = tableFrames;
        this.tableLevels = tableLevels;
    }

    /** Walks the EPT that {@code eptp} points to, reading its tables from {@code mem}. */
    public static EptMap of(PhysReader mem, long eptp, CpuCaps caps) {
        Walker w = new Walker(mem, caps);
        w.walk(Eptp.pml4Address(eptp, caps.maxPhysAddr()), 4, 0, EptEntry.RWX);
        long[] frames = new long[w.tables.size()];
        int[] levels = new int[frames.length];
        int i = 0;
        for (long[] t : w.tables) {
            frames[i] = t[0];
            levels[i++] = (int) t[1];
        }
        return new EptMap(eptp, Collections.unmodifiableList(w.out), frames, levels);
    }

    public long eptp() {
        return eptp;
    }

    /** Whether the EPTP enables accessed/dirty flags (bit 6): guest paging-structure reads then need W. */
    public boolean accessedDirtyEnabled() {
        return Eptp.adEnabled(eptp);
    }

    /** The translations, sorted by guest-physical address, disjoint, maximal. */
    public List<EptRange> ranges() {
        return ranges;
    }

    /** Host-physical addresses of every table frame of this EPT, ascending. */
    public long[] tableFrames() {
        return tableFrames.clone();
    }

    /** The level (4 = PML4 .. 1 = PT) of {@code tableFrames()[i]}; a frame used at two levels appears twice. */
    public int tableLevel(int i) {
        return tableLevels[i];
    }

    /** The range that maps {@code gpa}, if any. */
    public Optional<EptRange> lookup(long gpa) {
        int i = indexAtOrAfter(gpa);
        if (i < ranges.size() && ranges.get(i).containsGpa(gpa)) {
            return Optional.of(ranges.get(i));
        }
        return Optional.empty();
    }

    /** The ranges that intersect {@code [gpa, gpa + size)}, in order. */
    public List<EptRange> overlapping(long gpa, long size) {
        List<EptRange> r = new ArrayList<>();
        long end = gpa + size;
        for (int i = indexAtOrAfter(gpa); i < ranges.size() && ranges.get(i).gpa() < end; i++) {
            r.add(ranges.get(i));
        }
        return r;
    }

    /** Index of the first range whose end lies above {@code gpa}. */
    private int indexAtOrAfter(long gpa) {
        int lo = 0;
        int hi = ranges.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges.get(mid).gpaEnd() <= gpa) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Depth-first over the tables in index order, so ranges come out sorted by GPA. */
    private static final class Walker {
        final PhysReader mem;
        final CpuCaps caps;
        final List<EptRange> out = new ArrayList<>();
        final TreeSet<long[]> tables = new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
                : Long.compare(a[1], b[1]));

        Walker(PhysReader mem, CpuCaps caps) {
            this.mem = mem;
            this.caps = caps;
        }

        void walk(long table, int level, long gpaBase, int rwxAbove) {
            tables.add(new long[] {table, level});
            int shift = 12 + 9 * (level - 1);
            for (int i = 0; i < 512; i++) {
                long e = mem.read(table + 8L * i, 8);
                int rwx = (int) (e & EptEntry.RWX);
                if (rwx == 0) {
                    continue;
                }
                long gpa = gpaBase | ((long) i << shift);
                boolean large = (e & EptEntry.LARGE) != 0;
                boolean leaf = level == 1 || (large && level <= 3);
                if (misconfigured(e, level, large)) {
                    continue;
                }
                int and = rwxAbove & rwx;
                if (leaf) {
                    if (and != 0) {
                        long size = 1L << shift;
                        add(new EptRange(gpa, e & EptEntry.ADDRESS_MASK & ~(size - 1), size, and, EptEntry.memoryType(e)));
                    }
                } else {
                    walk(e & EptEntry.ADDRESS_MASK, level - 1, gpa, and);
                }
            }
        }

        void add(EptRange r) {
            int n = out.size();
            if (n > 0) {
                EptRange p = out.get(n - 1);
                if (p.gpaEnd() == r.gpa() && p.hpa() + p.size() == r.hpa() && p.rwx() == r.rwx()
                        && p.memoryType() == r.memoryType()) {
                    out.set(n - 1, new EptRange(p.gpa(), p.hpa(), p.size() + r.size(), p.rwx(), p.memoryType()));
                    return;
                }
            }
            out.add(r);
        }

        /** SDM Vol. 3C 28.2.3.1, entry by entry. */
        boolean misconfigured(long e, int level, boolean large) {
            int rwx = (int) (e & EptEntry.RWX);
            if ((rwx & EptEntry.W) != 0 && (rwx & EptEntry.R) == 0) {
                return true;
            }
            if (rwx == EptEntry.X && !caps.eptExecuteOnly()) {
                return true;
            }
            if ((e & caps.reservedAddressMask()) != 0) {
                return true;
            }
            long reserved;
            if (level == 4) {
                reserved = NONLEAF_RESERVED;
            } else if (level == 3 && large) {
                if (!caps.pages1G()) {
                    return true;
                }
                reserved = LEAF_1G_RESERVED;
            } else if (level == 2 && large) {
                if (!caps.pages2M()) {
                    return true;
                }
                reserved = LEAF_2M_RESERVED;
            } else {
                reserved = level == 1 ? 0 : NONLEAF_RESERVED;
            }
            if ((e & reserved) != 0) {
                return true;
            }
            boolean leaf = level == 1 || (large && level <= 3);
            int mt = EptEntry.memoryType(e);
            return leaf && (mt == 2 || mt == 3 || mt == 7);
        }
    }
}
