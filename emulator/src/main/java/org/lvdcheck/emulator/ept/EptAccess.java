package org.lvdcheck.emulator.ept;

/**
 * One guest-physical access presented to the EPT: its kind, whether it is a processor access to
 * a guest paging-structure entry, whether a guest linear address is associated (exit
 * qualification bit 7), and whether it is part of an IRET that unblocked NMIs (bit 12).
 *
 * @param kind data read, data write or instruction fetch
 * @param pagingStructure access to a guest paging-structure entry during linear translation
 *        (reads of entries and the writes that set their A/D flags)
 * @param linearValid a guest linear address is associated (all IA-32e accesses; not PDPTE loads)
 * @param nmiUnblockingByIret the access is by an IRET that unblocked NMIs (qualification bit 12)
 */
public record EptAccess(Kind kind, boolean pagingStructure, boolean linearValid, boolean nmiUnblockingByIret) {
    public enum Kind { READ, WRITE, FETCH }

    /** Physical accesses with no linear address (e.g. by the model's own loaders). */
    public static final EptAccess READ = new EptAccess(Kind.READ, false, false, false);
    public static final EptAccess WRITE = new EptAccess(Kind.WRITE, false, false, false);
    public static final EptAccess FETCH = new EptAccess(Kind.FETCH, false, false, false);

    /** The access to the translation of a linear address (qualification bits 7 and 8 set). */
    public static final EptAccess LINEAR_READ = new EptAccess(Kind.READ, false, true, false);
    public static final EptAccess LINEAR_WRITE = new EptAccess(Kind.WRITE, false, true, false);
    public static final EptAccess LINEAR_FETCH = new EptAccess(Kind.FETCH, false, true, false);

    /** Guest paging-structure read / A-D update (qualification bit 7 set, bit 8 clear). */
    public static final EptAccess PAGING_READ = new EptAccess(Kind.READ, true, true, false);
    public static final EptAccess PAGING_WRITE = new EptAccess(Kind.WRITE, true, true, false);

    public static EptAccess linear(Kind kind) {
        switch (kind) {
            case READ: return LINEAR_READ;
            case WRITE: return LINEAR_WRITE;
            default: return LINEAR_FETCH;
        }
    }

    public EptAccess withNmiUnblockingByIret(boolean v) {
        return new EptAccess(kind, pagingStructure, linearValid, v);
    }
}
