package org.lvdcheck.properties.mapping;

/**
 * What a paging-structure frame is used as: a table of an EPT, an EPTP-list page, or a guest
 * page table as one view walks it on one CPU. A frame may have several roles (one page table is
 * reached from several CR3 values, on several CPUs).
 *
 * @param view the view whose EPT or walk it belongs to ("" for an EPTP list)
 * @param level 4 (PML4) to 1 (PT) for tables, 0 for an EPTP list
 * @param detail the root a guest table is reached from ("pgd net.pgd"), or how an EPTP list is used
 */
public record FrameRole(Kind kind, String view, int cpu, int level, String detail) {
    public enum Kind { EPT_TABLE, EPTP_LIST, GUEST_TABLE }

    /** "the root (PML4) of the EPT of view net on cpu0", "a level-2 page table of pgd net.pgd as view net walks it on cpu1". */
    public String describe() {
        switch (kind) {
            case EPT_TABLE:
                return (level == 4 ? "the root (PML4)" : "a level-" + level + " table") + " of the EPT of view " + view
                        + " on cpu" + cpu;
            case EPTP_LIST:
                return "the EPTP list of cpu" + cpu + " (" + detail + ")";
            default:
                return (level == 4 ? "the root (PML4)" : "a level-" + level + " page table") + " of " + detail
                        + " as view " + view + " walks it on cpu" + cpu;
        }
    }
}
