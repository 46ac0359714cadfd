package org.lvdcheck.emulator.paging;

import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * Builds IA-32e guest page tables in memory, the way a kernel (or LXD for a domain) would. Tables
 * live at guest-physical addresses; {@code gpaToHpa} says where each table GPA is in host memory
 * (the EPT of the view the tables are meant for). Intermediate entries get {@link #tableFlags}
 * (P|RW|US by default) so rights are decided by leaves unless a test changes them; large leaves
 * straddling an edited range are split into 512 entries of the next size with the same flags.
 */
public final class PageTableBuilder {
    private final PhysMem.Editor mem;
    private final LongUnaryOperator gpaToHpa;
    private final LongSupplier tableAllocator;
    private final CpuCaps caps;
    private final long root;
    private long tableFlags = Pte.P | Pte.RW | Pte.US;

    private PageTableBuilder(PhysMem.Editor mem, LongUnaryOperator gpaToHpa, LongSupplier tableAllocator, CpuCaps caps, long root) {
        this.mem = mem;
        this.gpaToHpa = gpaToHpa;
        this.tableAllocator = tableAllocator;
        this.caps = caps;
        this.root = root;
    }

    /**
     * Allocates a PML4 table. {@code tableAllocator} returns the GPA of a fresh 4 KiB table frame
     * each call; the builder zero-fills it at {@code gpaToHpa(gpa)}.
     */
    public static PageTableBuilder create(PhysMem.Editor mem, LongUnaryOperator gpaToHpa, LongSupplier tableAllocator, CpuCaps caps) {
        PageTableBuilder b = new PageTableBuilder(mem, gpaToHpa, tableAllocator, caps, 0);
        return new PageTableBuilder(mem, gpaToHpa, tableAllocator, caps, b.freshTable());
    }

    /** A builder over existing tables with the PML4 at {@code rootGpa}. */
    public static PageTableBuilder open(PhysMem.Editor mem, LongUnaryOperator gpaToHpa, LongSupplier tableAllocator, CpuCaps caps, long rootGpa) {
        return new PageTableBuilder(mem, gpaToHpa, tableAllocator, caps, rootGpa);
    }

    /** GPA of the PML4 table: the value for CR3 (plus PCID bits if wanted). */
    public long root() {
        return root;
    }

    /** Flags for intermediate entries created from now on. */
    public PageTableBuilder tableFlags(long flags) {
        this.tableFlags = flags | Pte.P;
        return this;
    }

    /**
     * Maps [linear, linear+size) to [gpa, gpa+size) with leaf {@code flags} (P is added; PS is
     * added for large pages; A/D only if given). Addresses and size must be page-aligned.
     */
    public PageTableBuilder map(long linear, long gpa, long size, long flags, PageSize pageSize) {
        long bytes = pageSize.bytes();
        if (((linear | gpa | size) & (bytes - 1)) != 0 || size <= 0) {
            throw new IllegalArgumentException(String.format(
                    "page-table map 0x%x->0x%x size 0x%x not aligned to %s", linear, gpa, size, pageSize));
        }
        if (pageSize == PageSize.SIZE_1G && !caps.pages1G()) {
            throw new IllegalArgumentException("1 GiB pages not supported by this CPU model");
        }
        long leafFlags = (flags | Pte.P) & ~Pte.ADDRESS_MASK;
        if (pageSize.level() > 1) {
            leafFlags |= Pte.PS;
        }
        for (long off = 0; off < size; off += bytes) {
            long eGpa = entryFor(linear + off, pageSize.level());
            write(eGpa, ((gpa + off) & Pte.ADDRESS_MASK) | leafFlags);
        }
        return this;
    }

    /** Clears the leaves covering [linear, linear+size) (4 KiB aligned), splitting at the edges. */
    public PageTableBuilder unmap(long linear, long size) {
        if (((linear | size) & 0xFFF) != 0 || size <= 0) {
            throw new IllegalArgumentException("unmap range not 4 KiB aligned");
        }
        long end = linear + size;
        long cur = linear;
        while (cur < end) {
            long table = root;
            int level = 4;
            while (true) {
                long eGpa = table + 8L * index(cur, level);
                long e = read(eGpa);
                long span = 1L << (12 + 9 * (level - 1));
                long start = cur & ~(span - 1);
                if ((e & Pte.P) == 0) {
                    cur = start + span;
                    break;
                }
                boolean leaf = level == 1 || (level <= 3 && (e & Pte.PS) != 0);
                if (leaf) {
                    if (start >= cur && start + span <= end) {
                        write(eGpa, 0);
                        cur = start + span;
                        break;
                    }
                    split(eGpa, e, level);
                    continue;
                }
                table = e & Pte.ADDRESS_MASK;
                level--;
            }
        }
        return this;
    }

    /** GPA of the level-{@code level} entry for {@code linear} (1 = PTE .. 4 = PML4E), creating tables. */
    public long entryGpa(long linear, int level) {
        return entryFor(linear, level);
    }

    /** Reads the entry at a GPA (through gpaToHpa). */
    public long read(long entryGpa) {
        return mem.read(gpaToHpa.applyAsLong(entryGpa), 8);
    }

    /** Writes an entry at a GPA (through gpaToHpa): lets tests set any bit pattern. */
    public void write(long entryGpa, long value) {
        mem.write(gpaToHpa.applyAsLong(entryGpa), 8, value);
    }

    private long entryFor(long linear, int level) {
        long table = root;
        for (int l = 4; l > level; l--) {
            long eGpa = table + 8L * index(linear, l);
            long e = read(eGpa);
            boolean present = (e & Pte.P) != 0;
            if (present && l <= 3 && (e & Pte.PS) != 0) {
                e = split(eGpa, e, l);
            } else if (!present) {
                e = freshTable() | tableFlags;
                write(eGpa, e);
            }
            table = e & Pte.ADDRESS_MASK;
        }
        return table + 8L * index(linear, level);
    }

    private long split(long eGpa, long leaf, int level) {
        long t = freshTable();
        long span = 1L << (12 + 9 * (level - 1));
        long childSpan = span >>> 9;
        long base = leaf & Pte.ADDRESS_MASK & ~(span - 1);
        long keep = leaf & (Pte.P | Pte.RW | Pte.US | Pte.PWT | Pte.PCD | Pte.A | Pte.D | Pte.G | Pte.XD);
        long childPs = level - 1 > 1 ? Pte.PS : 0;
        for (int i = 0; i < 512; i++) {
            write(t + 8L * i, (base + i * childSpan) | keep | childPs);
        }
        long e = t | tableFlags;
        write(eGpa, e);
        return e;
    }

    private long freshTable() {
        long t = tableAllocator.getAsLong();
        if ((t & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("table allocator returned unaligned 0x%x", t));
        }
        long hpa = gpaToHpa.applyAsLong(t);
        mem.allocateFrame(hpa >>> PhysMem.FRAME_SHIFT);
        for (int i = 0; i < 512; i++) {
            mem.write(hpa + 8L * i, 8, 0);
        }
        return t;
    }

    private static int index(long linear, int level) {
        return (int) ((linear >>> (12 + 9 * (level - 1))) & 0x1FF);
    }
}
