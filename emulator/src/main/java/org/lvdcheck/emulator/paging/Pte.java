package org.lvdcheck.emulator.paging;

/** Bits of IA-32e paging-structure entries (SDM Vol. 3A 4.5, Tables 4-14 to 4-20). */
public final class Pte {
    private Pte() {
    }

    public static final long P = 1L << 0;
    public static final long RW = 1L << 1;
    public static final long US = 1L << 2;
    public static final long PWT = 1L << 3;
    public static final long PCD = 1L << 4;
    public static final long A = 1L << 5;
    public static final long D = 1L << 6;
    /** Page size in a PDPTE (1 GiB) or PDE (2 MiB); reserved in a PML4E; PAT in a PTE. */
    public static final long PS = 1L << 7;
    public static final long G = 1L << 8;
    /** PAT bit of a 1 GiB or 2 MiB leaf. */
    public static final long PAT_LARGE = 1L << 12;
    public static final long XD = 1L << 63;
    /** Bits 51:12: physical address (bits at or above MAXPHYADDR are reserved). */
    public static final long ADDRESS_MASK = ((1L << 52) - 1) & ~0xFFFL;
}
