package org.lvdcheck.emulator.ept;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * The 4-level EPT walk over guest-physical bits 47:0 (SDM Vol. 3C 28.2.2), its misconfigurations
 * (28.2.3.1), violations (28.2.3.2), exit qualification (27.2.1, Table 27-7) and EPT A/D flags
 * (28.2.4).
 *
 * <p>Order of checks, as the SDM defines precedence: the walk stops at the first entry that is
 * not present (RWX = 000, a violation) or misconfigured (a misconfiguration, whatever the rights
 * seen so far); only a walk that reaches a valid leaf is then checked for rights, which are the
 * AND of every entry's R/W/X. A/D flags are set only when the access succeeds: the accessed flag
 * in every entry used, the dirty flag in the leaf for writes. With EPTP bit 6 set, accesses to
 * guest paging-structure entries count as writes (need W, set D, and set qualification bits 0
 * and 1 on a violation).
 */
public final class EptWalk {
    private EptWalk() {
    }

    /** Bits 7:3 of a non-leaf entry (and of every PML4E) are reserved. */
    private static final long NONLEAF_RESERVED = 0x1FL << 3;
    /** Bits 29:12 of a PDPTE that maps a 1 GiB page are reserved. */
    private static final long LEAF_1G_RESERVED = ((1L << 30) - 1) & ~0xFFFL;
    /** Bits 20:12 of a PDE that maps a 2 MiB page are reserved. */
    private static final long LEAF_2M_RESERVED = ((1L << 21) - 1) & ~0xFFFL;

    /**
     * Translates {@code gpa} for {@code access} through the EPT rooted at {@code eptp}'s PML4
     * address, reading entries from {@code mem}. Never writes: A/D updates are returned in
     * {@link EptResult.Ok#adWrites()}.
     */
    public static EptResult translate(PhysReader mem, long eptp, long gpa, EptAccess access, CpuCaps caps) {
        boolean ad = Eptp.adEnabled(eptp);
        boolean treatedAsWrite = access.kind() == EptAccess.Kind.WRITE || (ad && access.pagingStructure());
        long reservedAddr = caps.reservedAddressMask();
        long table = Eptp.pml4Address(eptp, caps.maxPhysAddr());
        int rwxAnd = EptEntry.RWX;
        long[] entryAddrs = ad ? new long[4] : null;
        long[] entries = ad ? new long[4] : null;
        int used = 0;
        for (int level = 4; level >= 1; level--) {
            int index = (int) ((gpa >>> (12 + 9 * (level - 1))) & 0x1FF);
            long entryAddr = table + 8L * index;
            long e = mem.read(entryAddr, 8);
            int rwx = (int) (e & EptEntry.RWX);
            rwxAnd &= rwx;
            if (rwx == 0) {
                return violation(access, ad, 0, gpa);
            }
            boolean large = (e & EptEntry.LARGE) != 0;
            boolean leaf = level == 1 || (large && level <= 3);
            if (misconfigured(e, level, large, caps, reservedAddr)) {
                return new EptResult.Misconfig(gpa);
            }
            if (ad) {
                entryAddrs[used] = entryAddr;
                entries[used] = e;
            }
            used++;
            if (leaf) {
                int required = required(access, ad);
                if ((rwxAnd & required) != required) {
                    return violation(access, ad, rwxAnd, gpa);
                }
                int shift = 12 + 9 * (level - 1);
                long pageBase = e & EptEntry.ADDRESS_MASK & ~((1L << shift) - 1);
                long hpa = pageBase | (gpa & ((1L << shift) - 1));
                List<MemWrite> writes = ad ? adWrites(entryAddrs, entries, used, treatedAsWrite) : List.of();
                return new EptResult.Ok(hpa, rwxAnd, level, EptEntry.memoryType(e), writes);
            }
            table = e & EptEntry.ADDRESS_MASK;
        }
        throw new AssertionError("EPT walk ended without a leaf");
    }

    /** 28.2.3.1: W without R, X-only without support, reserved bits, reserved leaf memory type. */
    private static boolean misconfigured(long e, int level, boolean large, CpuCaps caps, long reservedAddr) {
        int rwx = (int) (e & EptEntry.RWX);
        if ((rwx & EptEntry.R) == 0 && (rwx & EptEntry.W) != 0) {
            return true;
        }
        if (rwx == EptEntry.X && !caps.eptExecuteOnly()) {
            return true;
        }
        if ((e & reservedAddr) != 0) {
            return true;
        }
        boolean leaf;
        long reserved;
        switch (level) {
            case 4:
                // Bit 7 (and the rest of 7:3) is reserved in a PML4E: there are no 512 GiB pages.
                leaf = false;
                reserved = NONLEAF_RESERVED;
                break;
            case 3:
                if (large && !caps.pages1G()) {
                    return true;
                }
                leaf = large;
                reserved = large ? LEAF_1G_RESERVED : NONLEAF_RESERVED;
                break;
            case 2:
                if (large && !caps.pages2M()) {
                    return true;
                }
                leaf = large;
                reserved = large ? LEAF_2M_RESERVED : NONLEAF_RESERVED;
                break;
            default:
                leaf = true;
                reserved = 0;
                break;
        }
        if ((e & reserved) != 0) {
            return true;
        }
        if (leaf) {
            int mt = EptEntry.memoryType(e);
            return mt == 2 || mt == 3 || mt == 7;
        }
        return false;
    }

    private static int required(EptAccess access, boolean ad) {
        switch (access.kind()) {
            case READ:
                return ad && access.pagingStructure() ? EptEntry.R | EptEntry.W : EptEntry.R;
            case WRITE:
                return EptEntry.W;
            default:
                return EptEntry.X;
        }
    }

    /** Exit qualification of 27.2.1, Table 27-7. */
    private static EptResult.Violation violation(EptAccess access, boolean ad, int rwxAnd, long gpa) {
        long q = 0;
        switch (access.kind()) {
            case READ:
                q |= 1;
                break;
            case WRITE:
                q |= 2;
                break;
            default:
                q |= 4;
                break;
        }
        if (ad && access.pagingStructure()) {
            // Footnote to Table 27-7: such accesses are treated as writes and set both bits 0 and 1.
            q |= 3;
        }
        q |= (long) rwxAnd << 3;
        if (access.linearValid()) {
            q |= 1L << 7;
            if (!access.pagingStructure()) {
                q |= 1L << 8;
            }
        }
        if (access.nmiUnblockingByIret()) {
            q |= 1L << 12;
        }
        return new EptResult.Violation(q, gpa);
    }

    private static List<MemWrite> adWrites(long[] addrs, long[] entries, int used, boolean write) {
        List<MemWrite> out = null;
        for (int i = 0; i < used; i++) {
            long e = entries[i];
            long updated = e | EptEntry.ACCESSED;
            if (i == used - 1 && write) {
                updated |= EptEntry.DIRTY;
            }
            if (updated != e) {
                if (out == null) {
                    out = new ArrayList<>(used);
                }
                out.add(new MemWrite(addrs[i], 8, updated));
            }
        }
        return out == null ? List.of() : List.copyOf(out);
    }
}
