package org.lvdcheck.properties.mapping;

import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.paging.PagingRegs;

/**
 * The processor settings that decide what a guest page's flags allow (SDM Vol. 3A 4.6.1): the
 * CPL, CR0.WP, CR4.SMEP, CR4.SMAP and RFLAGS.AC. Only explicit accesses are modelled here
 * (implicit supervisor accesses such as descriptor-table reads are not mappings a domain uses).
 */
public record AccessMode(int cpl, boolean wp, boolean smep, boolean smap, boolean ac) {

    /**
     * Ring 0 as Linux runs it and as the domains run (the LXD microkernel starts every CPU this
     * way): CPL 0, CR0.WP = 1, CR4.SMEP = 1, no SMAP. The rights the address invariants report.
     */
    public static final AccessMode RING0 = new AccessMode(0, true, true, false, false);

    /** The mode {@code regs} describe. */
    public static AccessMode of(PagingRegs regs) {
        return new AccessMode(regs.cpl(), (regs.cr0() & Cr0.WP) != 0, (regs.cr4() & Cr4.SMEP) != 0,
                (regs.cr4() & Cr4.SMAP) != 0, (regs.rflags() & Rflags.AC) != 0);
    }

    /** Whether a page with these accumulated guest rights allows an explicit access of {@code kind}. */
    public boolean allows(GuestRights g, Access kind) {
        boolean user = cpl == 3;
        boolean smapBlocks = !user && g.user() && smap && !ac;
        switch (kind) {
            case READ:
                return user ? g.user() : !smapBlocks;
            case WRITE:
                return user ? g.user() && g.write() : !smapBlocks && (!wp || g.write());
            default:
                if (!g.execute()) {
                    return false;
                }
                return user ? g.user() : !(g.user() && smep);
        }
    }

    /** The three kinds of access, in the order of the R, W and X bits. */
    public enum Access {
        READ(1), WRITE(2), FETCH(4);

        private final int bit;

        Access(int bit) {
            this.bit = bit;
        }

        /** The EPT right (R = 1, W = 2, X = 4) this access needs. */
        public int bit() {
            return bit;
        }
    }
}
