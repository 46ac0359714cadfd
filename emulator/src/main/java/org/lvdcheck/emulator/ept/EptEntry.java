package org.lvdcheck.emulator.ept;

/**
 * Bits of EPT paging-structure entries (SDM Vol. 3C 28.2.2, Tables 28-1 to 28-6) and the EPT
 * memory types (28.2.6.1).
 */
public final class EptEntry {
    private EptEntry() {
    }

    public static final int R = 1;
    public static final int W = 2;
    public static final int X = 4;
    public static final int RWX = 7;
    public static final int MEMTYPE_SHIFT = 3;
    public static final long MEMTYPE_MASK = 7L << MEMTYPE_SHIFT;
    public static final long IGNORE_PAT = 1L << 6;
    /** Bit 7: maps a page (PDPTE: 1 GiB, PDE: 2 MiB); reserved in a PML4E; ignored in a PTE. */
    public static final long LARGE = 1L << 7;
    public static final long ACCESSED = 1L << 8;
    /** Dirty flag, only in entries that map a page. */
    public static final long DIRTY = 1L << 9;

    public static final int MT_UC = 0;
    public static final int MT_WC = 1;
    public static final int MT_WT = 4;
    public static final int MT_WP = 5;
    public static final int MT_WB = 6;

    /** Bits 51:12 of an entry: the physical address it references (reserved bits checked apart). */
    public static final long ADDRESS_MASK = ((1L << 52) - 1) & ~0xFFFL;

    public static int rwx(long entry) {
        return (int) (entry & RWX);
    }

    public static int memoryType(long entry) {
        return (int) ((entry >>> MEMTYPE_SHIFT) & 7);
    }

    /** Renders rights as "rwx" with dashes, for messages and traces. */
    public static String rightsString(int rwx) {
        return ((rwx & R) != 0 ? "r" : "-") + ((rwx & W) != 0 ? "w" : "-") + ((rwx & X) != 0 ? "x" : "-");
    }
}
