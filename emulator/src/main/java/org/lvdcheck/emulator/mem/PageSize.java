package org.lvdcheck.emulator.mem;

/** Translation granularity shared by EPT and guest paging: the level whose entry maps the page. */
public enum PageSize {
    SIZE_4K(1, 12), SIZE_2M(2, 21), SIZE_1G(3, 30);

    private final int level;
    private final int shift;

    PageSize(int level, int shift) {
        this.level = level;
        this.shift = shift;
    }

    /** Paging level of the mapping entry: 1 = PTE, 2 = PDE, 3 = PDPTE. */
    public int level() {
        return level;
    }

    public int shift() {
        return shift;
    }

    public long bytes() {
        return 1L << shift;
    }

    public static PageSize ofLevel(int level) {
        switch (level) {
            case 1: return SIZE_4K;
            case 2: return SIZE_2M;
            case 3: return SIZE_1G;
            default: throw new IllegalArgumentException("page level " + level);
        }
    }
}
