package org.lvdcheck.emulator.paging;

/**
 * {@link LinearMemory} over {@link GuestPaging} and a {@link GuestPhysical} (normally an
 * {@link EptGuestPhysical} for the current EPTP): every access, and every paging-structure access
 * it needs, goes through the EPT. Writes land in the GuestPhysical's overlay.
 */
public final class PagedLinearMemory implements LinearMemory {
    private final PagingRegs regs;
    private final GuestPhysical gp;
    private final Footprint footprint;

    /** Told the host-physical bytes of every data access that completes (not the paging-structure accesses). */
    public interface Footprint {
        void accessed(long hpa, int size, boolean write);
    }

    public PagedLinearMemory(PagingRegs regs, GuestPhysical gp) {
        this(regs, gp, null);
    }

    /** With {@code footprint} (or null) told where each data access landed. */
    public PagedLinearMemory(PagingRegs regs, GuestPhysical gp, Footprint footprint) {
        this.regs = regs;
        this.gp = gp;
        this.footprint = footprint;
    }

    private void record(long hpa, int size, boolean write) {
        if (footprint != null) {
            footprint.accessed(hpa, size, write);
        }
    }

    public GuestPhysical guestPhysical() {
        return gp;
    }

    @Override
    public LinearResult read(long linear, int size, LinearAccess access) {
        int first = firstPart(linear, size);
        PagingResult a = GuestPaging.translate(regs, linear, access, gp);
        if (!(a instanceof PagingResult.Ok okA)) {
            return new LinearResult.Fault((PagingResult.Failure) a);
        }
        if (first == size) {
            record(okA.hpa(), size, false);
            return value(gp.readHost(okA.hpa(), size), gp.readsTop(okA.hpa(), size));
        }
        PagingResult b = GuestPaging.translate(regs, linear + first, access, gp);
        if (!(b instanceof PagingResult.Ok okB)) {
            return new LinearResult.Fault((PagingResult.Failure) b);
        }
        record(okA.hpa(), first, false);
        record(okB.hpa(), size - first, false);
        long v = 0;
        boolean top = false;
        for (int i = 0; i < size; i++) {
            long hpa = i < first ? okA.hpa() + i : okB.hpa() + (i - first);
            v |= (gp.readHost(hpa, 1) & 0xFF) << (8 * i);
            top |= gp.readsTop(hpa, 1);
        }
        return value(v, top);
    }

    /** A value read; ⊤ reads as the canonical 0 (DESIGN.md §3). */
    private static LinearResult value(long v, boolean top) {
        return new LinearResult.Value(top ? 0 : v, top);
    }

    @Override
    public LinearResult write(long linear, int size, long value, boolean tainted, LinearAccess access) {
        int first = firstPart(linear, size);
        PagingResult a = GuestPaging.translate(regs, linear, access, gp);
        if (!(a instanceof PagingResult.Ok okA)) {
            return new LinearResult.Fault((PagingResult.Failure) a);
        }
        if (first == size) {
            record(okA.hpa(), size, true);
            gp.writeHost(okA.hpa(), size, value, tainted);
            return new LinearResult.Value(value, tainted);
        }
        PagingResult b = GuestPaging.translate(regs, linear + first, access, gp);
        if (!(b instanceof PagingResult.Ok okB)) {
            return new LinearResult.Fault((PagingResult.Failure) b);
        }
        record(okA.hpa(), first, true);
        record(okB.hpa(), size - first, true);
        for (int i = 0; i < size; i++) {
            long hpa = i < first ? okA.hpa() + i : okB.hpa() + (i - first);
            gp.writeHost(hpa, 1, value >>> (8 * i), tainted);
        }
        return new LinearResult.Value(value, tainted);
    }

    /** Bytes of the access that fall in the first page. */
    private static int firstPart(long linear, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size " + size);
        }
        long room = 0x1000 - (linear & 0xFFF);
        return (int) Math.min(room, size);
    }
}
