package org.lvdcheck.emulator.ept;

import java.util.function.LongSupplier;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * Builds and edits one EPT in memory, the way the LXD microkernel and the hypervisor do: creates
 * the root, maps GPA ranges to HPA ranges with given rights at 4 KiB, 2 MiB or 1 GiB granularity,
 * unmaps and changes rights. A large leaf is split into 512 entries of the next size (same rights
 * and memory type) when an edit covers only part of it, as the hypervisor does for LVD's hypercall
 * 0x4BF00034 (split the 2 MiB identity entry, rewrite one PTE). Non-leaf entries get RWX = 111 so
 * that rights are decided by leaves. Freed tables are not reclaimed (the frame stays allocated).
 *
 * <p>Mutable: it writes through a {@link PhysMem.Editor}; the frame allocator returns the
 * host-physical address of a fresh 4 KiB frame each call (the builder zero-fills it).
 */
public final class EptBuilder {
    private final PhysMem.Editor mem;
    private final LongSupplier frameAllocator;
    private final CpuCaps caps;
    private final long root;

    private EptBuilder(PhysMem.Editor mem, LongSupplier frameAllocator, CpuCaps caps, long root) {
        this.mem = mem;
        this.frameAllocator = frameAllocator;
        this.caps = caps;
        this.root = root;
    }

    /** Allocates an empty PML4 table and returns a builder for it. */
    public static EptBuilder create(PhysMem.Editor mem, LongSupplier frameAllocator, CpuCaps caps) {
        long root = freshTable(mem, frameAllocator);
        return new EptBuilder(mem, frameAllocator, caps, root);
    }

    /** A builder over an existing EPT whose PML4 table is at {@code rootHpa}. */
    public static EptBuilder open(PhysMem.Editor mem, LongSupplier frameAllocator, CpuCaps caps, long rootHpa) {
        return new EptBuilder(mem, frameAllocator, caps, rootHpa);
    }

    /** Host-physical address of the PML4 table. */
    public long root() {
        return root;
    }

    /** The EPTP for this EPT: WB, walk length 4, A/D as given. */
    public long eptp(boolean adEnable) {
        return Eptp.make(root, adEnable);
    }

    /** Maps [gpa, gpa+size) to [hpa, hpa+size) with {@code rwx}, memory type WB. */
    public EptBuilder map(long gpa, long hpa, long size, int rwx, PageSize pageSize) {
        return map(gpa, hpa, size, rwx, pageSize, EptEntry.MT_WB);
    }

    /**
     * Maps [gpa, gpa+size) to [hpa, hpa+size) with rights {@code rwx} (not 000) using leaves of
     * {@code pageSize}; gpa, hpa and size must be multiples of the page size. Existing mappings
     * in the range are replaced; large leaves that straddle the range edge are split first.
     */
    public EptBuilder map(long gpa, long hpa, long size, int rwx, PageSize pageSize, int memType) {
        long bytes = pageSize.bytes();
        if (((gpa | hpa | size) & (bytes - 1)) != 0 || size <= 0) {
            throw new IllegalArgumentException(String.format(
                    "EPT map 0x%x->0x%x size 0x%x not aligned to %s", gpa, hpa, size, pageSize));
        }
        if ((rwx & ~EptEntry.RWX) != 0 || rwx == 0) {
            throw new IllegalArgumentException("EPT rights " + rwx + " (use unmap for not-present)");
        }
        if (pageSize == PageSize.SIZE_1G && !caps.pages1G() || pageSize == PageSize.SIZE_2M && !caps.pages2M()) {
            throw new IllegalArgumentException(pageSize + " pages not supported by this CPU model");
        }
        for (long off = 0; off < size; off += bytes) {
            long entryAddr = entryFor(gpa + off, pageSize.level());
            long leaf = ((hpa + off) & EptEntry.ADDRESS_MASK) | rwx | ((long) memType << EptEntry.MEMTYPE_SHIFT)
                    | (pageSize.level() > 1 ? EptEntry.LARGE : 0);
            mem.write(entryAddr, 8, leaf);
        }
        return this;
    }

    /** Remaps one 4 KiB GPA page, splitting a covering large page (hypercall 0x4BF00034). */
    public EptBuilder remap4k(long gpa, long hpa, int rwx) {
        return map(gpa, hpa, PageSize.SIZE_4K.bytes(), rwx, PageSize.SIZE_4K);
    }

    /** Makes [gpa, gpa+size) not present (4 KiB aligned), splitting large leaves at the edges. */
    public EptBuilder unmap(long gpa, long size) {
        edit(gpa, size, -1);
        return this;
    }

    /** Sets the rights of every present leaf in [gpa, gpa+size) to {@code rwx} (0 = unmap). */
    public EptBuilder protect(long gpa, long size, int rwx) {
        if ((rwx & ~EptEntry.RWX) != 0) {
            throw new IllegalArgumentException("EPT rights " + rwx);
        }
        edit(gpa, size, rwx);
        return this;
    }

    /**
     * The leaf entry mapping {@code gpa}, or 0 if the walk meets a not-present entry. For
     * inspection by tests and reports; translation proper goes through {@link EptWalk}.
     */
    public long leafEntry(long gpa) {
        return leafEntry(mem, root, gpa);
    }

    /** {@link #leafEntry(long)} over any memory and EPT root. */
    public static long leafEntry(PhysReader mem, long rootHpa, long gpa) {
        return leaf(mem, rootHpa, gpa, null);
    }

    /** The leaf entry mapping {@code gpa}, or 0; its level (1 for 4 KiB) in {@code level[0]} when given. */
    private static long leaf(PhysReader mem, long rootHpa, long gpa, int[] level) {
        long table = rootHpa;
        for (int l = 4; l >= 1; l--) {
            long e = mem.read(table + 8L * index(gpa, l), 8);
            if ((e & EptEntry.RWX) == 0) {
                return 0;
            }
            if (l == 1 || (l <= 3 && (e & EptEntry.LARGE) != 0)) {
                if (level != null) {
                    level[0] = l;
                }
                return e;
            }
            table = e & EptEntry.ADDRESS_MASK;
        }
        return 0;
    }

    /**
     * The translation of {@code gpa}'s 4 KiB page under the EPT at {@code rootHpa}, whatever the
     * size of the page that maps it: the page's host-physical address with the leaf's R/W/X bits in
     * bits 2:0, or 0 when not mapped.
     */
    public static long pageTranslation(PhysReader mem, long rootHpa, long gpa) {
        int[] level = new int[1];
        long e = leaf(mem, rootHpa, gpa, level);
        if (e == 0) {
            return 0;
        }
        long span = (1L << (12 + 9 * (level[0] - 1))) - 1;
        return (e & EptEntry.ADDRESS_MASK & ~span) | (gpa & span & ~0xFFFL) | (e & EptEntry.RWX);
    }

    /**
     * Whether changing a page's translation from {@code before} to {@code after} (both as
     * {@link #pageTranslation} gives them) removes or downgrades it: a processor may go on using
     * the old translation from its caches until an INVEPT (SDM Vol. 3C 28.4.3.1).
     */
    public static boolean removesOrDowngrades(long before, long after) {
        if ((before & EptEntry.RWX) == 0) {
            return false;
        }
        return (after & ~0xFFFL) != (before & ~0xFFFL) || (before & ~after & EptEntry.RWX) != 0;
    }

    /** Applies rwx (or unmap when rwx &lt; 0 or 0) to each 4 KiB-aligned piece of the range. */
    private void edit(long gpa, long size, int rwx) {
        if (((gpa | size) & 0xFFF) != 0 || size <= 0) {
            throw new IllegalArgumentException(String.format("EPT edit 0x%x size 0x%x not 4 KiB aligned", gpa, size));
        }
        long end = gpa + size;
        long cur = gpa;
        while (cur < end) {
            // Find the leaf (or hole) covering cur; if it lies wholly inside the range edit it whole,
            // otherwise split it and retry one level down.
            long table = root;
            int level = 4;
            while (true) {
                long entryAddr = table + 8L * index(cur, level);
                long e = mem.read(entryAddr, 8);
                long span = 1L << (12 + 9 * (level - 1));
                long start = cur & ~(span - 1);
                if ((e & EptEntry.RWX) == 0) {
                    cur = start + span;
                    break;
                }
                boolean leaf = level == 1 || (level <= 3 && (e & EptEntry.LARGE) != 0);
                if (leaf) {
                    if (start >= cur && start + span <= end) {
                        mem.write(entryAddr, 8, rwx <= 0 ? 0 : (e & ~(long) EptEntry.RWX) | rwx);
                        cur = start + span;
                        break;
                    }
                    split(entryAddr, e, level);
                    continue;
                }
                table = e & EptEntry.ADDRESS_MASK;
                level--;
            }
        }
    }

    /** Returns the address of the level-{@code level} entry for gpa, creating tables on the way. */
    private long entryFor(long gpa, int level) {
        long table = root;
        for (int l = 4; l > level; l--) {
            long entryAddr = table + 8L * index(gpa, l);
            long e = mem.read(entryAddr, 8);
            boolean present = (e & EptEntry.RWX) != 0;
            if (present && l <= 3 && (e & EptEntry.LARGE) != 0) {
                e = split(entryAddr, e, l);
            } else if (!present) {
                long t = freshTable(mem, frameAllocator);
                e = t | EptEntry.RWX;
                mem.write(entryAddr, 8, e);
            }
            table = e & EptEntry.ADDRESS_MASK;
        }
        return table + 8L * index(gpa, level);
    }

    /** Replaces a large leaf at {@code level} by a table of 512 next-level leaves; returns the new entry. */
    private long split(long entryAddr, long leaf, int level) {
        long t = freshTable(mem, frameAllocator);
        long childSpan = 1L << (12 + 9 * (level - 2));
        long base = leaf & EptEntry.ADDRESS_MASK & ~((1L << (12 + 9 * (level - 1))) - 1);
        long keep = leaf & (EptEntry.RWX | EptEntry.MEMTYPE_MASK | EptEntry.IGNORE_PAT);
        long childLarge = level - 1 > 1 ? EptEntry.LARGE : 0;
        for (int i = 0; i < 512; i++) {
            mem.write(t + 8L * i, 8, (base + i * childSpan) | keep | childLarge);
        }
        long e = t | EptEntry.RWX;
        mem.write(entryAddr, 8, e);
        return e;
    }

    private static long freshTable(PhysMem.Editor mem, LongSupplier frameAllocator) {
        long t = frameAllocator.getAsLong();
        if ((t & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("frame allocator returned unaligned 0x%x", t));
        }
        mem.allocateFrame(t >>> PhysMem.FRAME_SHIFT);
        for (int i = 0; i < 512; i++) {
            mem.write(t + 8L * i, 8, 0);
        }
        return t;
    }

    private static int index(long gpa, int level) {
        return (int) ((gpa >>> (12 + 9 * (level - 1))) & 0x1FF);
    }
}
