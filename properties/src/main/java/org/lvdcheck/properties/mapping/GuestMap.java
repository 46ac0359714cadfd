package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.mem.PhysReader;
import org.lvdcheck.emulator.paging.Pte;

/**
 * Every translation of one guest page-table hierarchy (IA-32e 4-level paging, SDM Vol. 3A 4.5)
 * as one view sees it: the walk starts at the CR3 guest-physical address and reads every table
 * through the view's EPT, as the processor does (Vol. 3C 28.2.1) — which is why the kernel's CR3
 * reaches the domain's own page table under the domain's EPT. The result is the guest-virtual
 * ranges that translate all the way to host memory, with guest and EPT rights, and the tables the
 * walk reads (their guest- and host-physical addresses).
 *
 * <p>A table counts only if the EPT lets the processor read it as a paging structure (R, and W as
 * well when the EPTP enables A/D flags, 28.2.3.2); an entry counts only if present and free of
 * reserved bits (4.5, Tables 4-14 to 4-20). A guest leaf whose guest-physical run the EPT maps
 * only in part yields only the mapped parts. This is a second implementation of the rules of
 * {@code GuestPaging}, which answers one address at a time; GuestMapAgainstGuestPagingPropertyTest
 * checks that both agree.
 */
public final class GuestMap {
    /** Bit 7 (PS) of a PML4E is reserved. */
    private static final long PML4E_RESERVED = Pte.PS;
    /** Bits 29:13 of a 1 GiB PDPTE are reserved (bit 12 is PAT). */
    private static final long PDPTE_1G_RESERVED = ((1L << 30) - 1) & ~((1L << 13) - 1);
    /** Bits 20:13 of a 2 MiB PDE are reserved. */
    private static final long PDE_2M_RESERVED = ((1L << 21) - 1) & ~((1L << 13) - 1);

    /** A page-table frame the walk reads: where it is in guest-physical and host-physical memory, and its level. */
    public record Table(long gpa, long hpa, int level) {}

    private final long root;
    private final List<GuestRange> ranges;
    private final List<Table> tables;

    private GuestMap(long root, List<GuestRange> ranges, List<Table> tables) {
        this.root = root;
        this.ranges = ranges;
        this.tables = tables;
    }

    /**
     * Walks the tables rooted at CR3 {@code cr3} (its address bits; PCID and bit 63 ignored)
     * through {@code ept}, reading memory from {@code mem}; {@code nxe} is EFER.NXE, without
     * which the XD bit is reserved.
     */
    public static GuestMap of(PhysReader mem, EptMap ept, long cr3, CpuCaps caps, boolean nxe) {
        long addrMask = ((1L << caps.maxPhysAddr()) - 1) & ~0xFFFL;
        Walker w = new Walker(mem, ept, caps, nxe, addrMask);
        long root = cr3 & addrMask;
        w.walk(root, 4, 0, new GuestRights(true, true, true), true);
        return new GuestMap(root, Collections.unmodifiableList(w.out), Collections.unmodifiableList(w.tables));
    }

    /** The guest-physical address of the PML4 table. */
    public long root() {
        return root;
    }

    /** The translations, sorted by guest-virtual address (unsigned), disjoint, maximal. */
    public List<GuestRange> ranges() {
        return ranges;
    }

    /** The tables the walk reads, the PML4 first; empty when the EPT does not let the root be read. */
    public List<Table> tables() {
        return tables;
    }

    /** The range that translates {@code gva}, if any. */
    public Optional<GuestRange> lookup(long gva) {
        int lo = 0;
        int hi = ranges.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(ranges.get(mid).gvaLast(), gva) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < ranges.size() && ranges.get(lo).containsGva(gva) ? Optional.of(ranges.get(lo)) : Optional.empty();
    }

    private static final class Walker {
        final PhysReader mem;
        final EptMap ept;
        final CpuCaps caps;
        final boolean nxe;
        final long addrMask;
        final List<GuestRange> out = new ArrayList<>();
        final List<Table> tables = new ArrayList<>();

        Walker(PhysReader mem, EptMap ept, CpuCaps caps, boolean nxe, long addrMask) {
            this.mem = mem;
            this.ept = ept;
            this.caps = caps;
            this.nxe = nxe;
            this.addrMask = addrMask;
        }

        /**
         * @param rights the rights the entries above grant together
         * @param accessedOk every entry above with a clear accessed flag lies in a writable table
         */
        void walk(long tableGpa, int level, long gvaBase, GuestRights rights, boolean accessedOk) {
            Optional<EptRange> at = ept.lookup(tableGpa);
            int need = ept.accessedDirtyEnabled() ? EptEntry.R | EptEntry.W : EptEntry.R;
            if (at.isEmpty() || (at.get().rwx() & need) != need) {
                return;
            }
            long tableHpa = at.get().hpaOf(tableGpa);
            boolean tableWritable = at.get().writable();
            tables.add(new Table(tableGpa, tableHpa, level));
            int shift = 12 + 9 * (level - 1);
            for (int i = 0; i < 512; i++) {
                long e = mem.read(tableHpa + 8L * i, 8);
                if ((e & Pte.P) == 0) {
                    continue;
                }
                boolean ps = (e & Pte.PS) != 0;
                if (reserved(e, level, ps)) {
                    continue;
                }
                long gva = gvaBase | ((long) i << shift);
                if (level == 4 && i >= 256) {
                    gva |= 0xFFFF_0000_0000_0000L;
                }
                GuestRights r = new GuestRights(rights.write() && (e & Pte.RW) != 0, rights.user() && (e & Pte.US) != 0,
                        rights.execute() && !(nxe && (e & Pte.XD) != 0));
                boolean aOk = accessedOk && ((e & Pte.A) != 0 || tableWritable);
                if (level == 1 || (ps && level <= 3)) {
                    long size = 1L << shift;
                    boolean dOk = (e & Pte.D) != 0 || tableWritable;
                    emit(gva, size, e & addrMask & ~(size - 1), r, aOk, dOk);
                } else {
                    walk(e & addrMask, level - 1, gva, r, aOk);
                }
            }
        }

        /** The parts of one guest leaf that the EPT maps, merged onto the previous range where contiguous. */
        void emit(long gva, long size, long gpa, GuestRights r, boolean aOk, boolean dOk) {
            for (EptRange er : ept.overlapping(gpa, size)) {
                long lo = Math.max(gpa, er.gpa());
                long hi = Math.min(gpa + size, er.gpaEnd());
                add(new GuestRange(gva + (lo - gpa), hi - lo, lo, er.hpaOf(lo), r, er.rwx(), aOk, dOk));
            }
        }

        void add(GuestRange g) {
            int n = out.size();
            if (n > 0) {
                GuestRange p = out.get(n - 1);
                if (p.gva() + p.size() == g.gva() && p.gpa() + p.size() == g.gpa() && p.hpa() + p.size() == g.hpa()
                        && p.guest().equals(g.guest()) && p.eptRwx() == g.eptRwx()
                        && p.accessedSettable() == g.accessedSettable() && p.dirtySettable() == g.dirtySettable()) {
                    out.set(n - 1, new GuestRange(p.gva(), p.size() + g.size(), p.gpa(), p.hpa(), p.guest(), p.eptRwx(),
                            p.accessedSettable(), p.dirtySettable()));
                    return;
                }
            }
            out.add(g);
        }

        /** Reserved bits of a present entry (SDM Vol. 3A 4.5, Tables 4-14 to 4-20). */
        boolean reserved(long e, int level, boolean ps) {
            if ((e & caps.reservedAddressMask()) != 0 || (!nxe && (e & Pte.XD) != 0)) {
                return true;
            }
            switch (level) {
                case 4:
                    return (e & PML4E_RESERVED) != 0;
                case 3:
                    return ps && (!caps.pages1G() || (e & PDPTE_1G_RESERVED) != 0);
                case 2:
                    return ps && (e & PDE_2M_RESERVED) != 0;
                default:
                    return false;
            }
        }
    }
}
