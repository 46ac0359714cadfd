package org.lvdcheck.emulator.paging;

import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptResult;

/**
 * IA-32e 4-level linear-address translation (SDM Vol. 3A 4.5) with the access rights of 4.6,
 * the page-fault error code of 4.7, the A/D flags of 4.8 and the canonical check of 3.3.7.1.
 * Every guest-physical access goes through {@link GuestPhysical}, i.e. through the current EPT.
 *
 * <p>Order, fixed for the model: canonical check; walk PML4E, PDPTE, PDE, PTE (each read is an
 * EPT-checked paging-structure read; the walk stops at a not-present entry or one with a reserved
 * bit set: #PF); access-rights check (#PF); then the accessed flags of every entry used and the
 * dirty flag of the leaf for a write, each an EPT-checked paging-structure write done only if the
 * flag is clear; finally the EPT check of the access itself. A/D flags are therefore set only by
 * accesses that pass the guest's rights; writes made before an EPT exit stay in the
 * {@link GuestPhysical} (the caller decides whether to keep them).
 */
public final class GuestPaging {
    private GuestPaging() {
    }

    /** Bits 7 (PS) of a PML4E is reserved (there are no 512 GiB pages). */
    private static final long PML4E_RESERVED = Pte.PS;
    /** Bits 29:13 of a 1 GiB PDPTE are reserved (bit 12 is PAT). */
    private static final long PDPTE_1G_RESERVED = ((1L << 30) - 1) & ~((1L << 13) - 1);
    /** Bits 20:13 of a 2 MiB PDE are reserved. */
    private static final long PDE_2M_RESERVED = ((1L << 21) - 1) & ~((1L << 13) - 1);

    /** Whether bits 63:47 of {@code linear} are all equal (4-level paging, 3.3.7.1). */
    public static boolean isCanonical(long linear) {
        return (linear >> 47) == 0 || (linear >> 47) == -1;
    }

    /** Translates {@code linear} for {@code access} under {@code regs}, through {@code gp}. */
    public static PagingResult translate(PagingRegs regs, long linear, LinearAccess access, GuestPhysical gp) {
        if (!isCanonical(linear)) {
            return access.stackSegment() ? new PagingResult.StackFault(0) : new PagingResult.GeneralProtection(0);
        }
        EptAccess finalAccess = EptAccess.linear(access.kind());
        if (!regs.paging()) {
            return finalAccess(gp, linear, linear, 0, finalAccess);
        }
        PagingResult known = gp.remembered(regs, linear, access);
        if (known != null) {
            return known;
        }
        gp.walkStarts();
        PagingResult r = walk(regs, linear, access, gp, finalAccess);
        gp.walkEnded(regs, linear, access, r);
        return r;
    }

    private static PagingResult walk(PagingRegs regs, long linear, LinearAccess access, GuestPhysical gp,
            EptAccess finalAccess) {
        int maxPhys = gp.caps().maxPhysAddr();
        long addrMask = ((1L << maxPhys) - 1) & ~0xFFFL;
        long reservedAddr = gp.caps().reservedAddressMask();
        boolean nxe = regs.nxe();
        boolean user = regs.cpl() == 3 && !access.implicitSupervisor();
        long errBase = (access.kind() == EptAccess.Kind.WRITE ? PagingResult.PageFault.W : 0)
                | (user ? PagingResult.PageFault.U : 0)
                | (access.kind() == EptAccess.Kind.FETCH && (nxe || regs.smep()) ? PagingResult.PageFault.I : 0);

        long[] entryGpa = new long[4];
        long[] entry = new long[4];
        int used = 0;
        long table = regs.cr3() & addrMask;
        boolean userPage = true;
        boolean writable = true;
        boolean executeDisabled = false;
        int leafLevel = 0;
        long gpa = 0;
        for (int level = 4; level >= 1; level--) {
            long eGpa = table + 8L * ((linear >>> (12 + 9 * (level - 1))) & 0x1FF);
            EptResult r = gp.translate(eGpa, EptAccess.PAGING_READ);
            if (!(r instanceof EptResult.Ok ok)) {
                return new PagingResult.EptExit(r, linear);
            }
            long e = gp.readHost(ok.hpa(), 8);
            if ((e & Pte.P) == 0) {
                return new PagingResult.PageFault(errBase, linear);
            }
            boolean ps = (e & Pte.PS) != 0;
            if (reservedBitSet(e, level, ps, nxe, reservedAddr, gp.caps().pages1G())) {
                return new PagingResult.PageFault(errBase | PagingResult.PageFault.P | PagingResult.PageFault.RSVD, linear);
            }
            entryGpa[used] = eGpa;
            entry[used++] = e;
            userPage &= (e & Pte.US) != 0;
            writable &= (e & Pte.RW) != 0;
            executeDisabled |= nxe && (e & Pte.XD) != 0;
            if (level == 1 || (ps && level <= 3)) {
                int shift = 12 + 9 * (level - 1);
                gpa = (e & addrMask & ~((1L << shift) - 1)) | (linear & ((1L << shift) - 1));
                leafLevel = level;
                break;
            }
            table = e & addrMask;
        }
        if (!allowed(regs, access, user, userPage, writable, executeDisabled)) {
            return new PagingResult.PageFault(errBase | PagingResult.PageFault.P, linear);
        }
        for (int i = 0; i < used; i++) {
            long e = entry[i];
            long updated = e | Pte.A;
            if (i == used - 1 && access.kind() == EptAccess.Kind.WRITE) {
                updated |= Pte.D;
            }
            if (updated != e) {
                EptResult r = gp.translate(entryGpa[i], EptAccess.PAGING_WRITE);
                if (!(r instanceof EptResult.Ok ok)) {
                    return new PagingResult.EptExit(r, linear);
                }
                gp.writeHost(ok.hpa(), 8, updated);
            }
        }
        return finalAccess(gp, linear, gpa, leafLevel, finalAccess);
    }

    private static PagingResult finalAccess(GuestPhysical gp, long linear, long gpa, int level, EptAccess a) {
        EptResult r = gp.translate(gpa, a);
        if (r instanceof EptResult.Ok ok) {
            return new PagingResult.Ok(gpa, ok.hpa(), level);
        }
        return new PagingResult.EptExit(r, linear);
    }

    /** Reserved bits of a present entry (4.5, Tables 4-14 to 4-20). */
    private static boolean reservedBitSet(long e, int level, boolean ps, boolean nxe, long reservedAddr, boolean pages1G) {
        if ((e & reservedAddr) != 0) {
            return true;
        }
        if (!nxe && (e & Pte.XD) != 0) {
            return true;
        }
        switch (level) {
            case 4:
                return (e & PML4E_RESERVED) != 0;
            case 3:
                return ps && (!pages1G || (e & PDPTE_1G_RESERVED) != 0);
            case 2:
                return ps && (e & PDE_2M_RESERVED) != 0;
            default:
                return false;
        }
    }

    /** Access rights of 4.6.1 for 4-level paging (protection keys are not modelled). */
    private static boolean allowed(PagingRegs regs, LinearAccess access, boolean user, boolean userPage,
            boolean writable, boolean executeDisabled) {
        // SMAP blocks supervisor data accesses to user pages: implicit ones always, explicit
        // ones unless RFLAGS.AC = 1.
        boolean smapBlocks = !user && userPage && regs.smap() && (access.implicitSupervisor() || !regs.ac());
        switch (access.kind()) {
            case READ:
                return user ? userPage : !smapBlocks;
            case WRITE:
                if (user) {
                    return userPage && writable;
                }
                return !smapBlocks && (!regs.wp() || writable);
            default:
                if (executeDisabled) {
                    return false;
                }
                return user ? userPage : !(userPage && regs.smep());
        }
    }
}
