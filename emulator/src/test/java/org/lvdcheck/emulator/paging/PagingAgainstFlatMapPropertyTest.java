package org.lvdcheck.emulator.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.testutil.Frames;

/**
 * Random layouts: guest mappings (4 KiB / 2 MiB / 1 GiB, random R/W, U/S, XD) in page tables and
 * EPT mappings (all three sizes, random valid rights) built with the builders, checked against a
 * flat reference — maps from page number to (target, rights), one per page size — for random
 * addresses (mapped, unmapped, non-canonical), access kinds, CPLs and control bits.
 */
class PagingAgainstFlatMapPropertyTest {
    static final int LAYOUTS = 1500;
    static final int PROBES = 60;
    static final long TABLE_GPA = 20L << 30;
    static final long TABLE_HPA = 0x70_0000_0000L;
    static final int[] EPT_RIGHTS = {EptEntry.R, EptEntry.R | EptEntry.W, EptEntry.R | EptEntry.X, EptEntry.RWX, EptEntry.X};

    record Target(long base, long flags) {
    }

    /** page → (target, rights), keyed per page size: the flat reference. */
    static final class FlatMap {
        final List<Map<Long, Target>> bySize = List.of(new HashMap<>(), new HashMap<>(), new HashMap<>());

        void put(long addr, PageSize size, long target, long flags) {
            bySize.get(size.level() - 1).put(addr >>> size.shift(), new Target(target, flags));
        }

        /** The mapping of addr: {resolved address, flags}, or null. */
        long[] lookup(long addr) {
            for (PageSize s : PageSize.values()) {
                Target t = bySize.get(s.level() - 1).get(addr >>> s.shift());
                if (t != null) {
                    return new long[] {t.base + (addr & (s.bytes() - 1)), t.flags};
                }
            }
            return null;
        }
    }

    static PageSize randomSize(SplittableRandom r) {
        int x = r.nextInt(10);
        return x < 6 ? PageSize.SIZE_4K : x < 9 ? PageSize.SIZE_2M : PageSize.SIZE_1G;
    }

    @Test
    void guestPagingAndEptAgreeWithAFlatReference() {
        long master = 0x5EED_0001L;
        SplittableRandom seeds = new SplittableRandom(master);
        Map<String, Integer> outcomes = new HashMap<>();
        for (int layout = 0; layout < LAYOUTS; layout++) {
            long seed = seeds.nextLong();
            try {
                checkLayout(seed, outcomes);
            } catch (AssertionError e) {
                throw new AssertionError("layout seed " + seed + " (master " + master + ", layout " + layout + "): " + e.getMessage(), e);
            }
        }
        // The generator must reach every kind of outcome often, or the agreement means little.
        for (String kind : List.of("OK", "PF", "EPT-VIOLATION", "GP", "SS")) {
            int n = outcomes.getOrDefault(kind, 0);
            assertTrue(n > LAYOUTS * PROBES / 200, kind + " outcomes: " + n + " of " + LAYOUTS * PROBES + " " + outcomes);
        }
    }

    private void checkLayout(long seed, Map<String, Integer> outcomes) {
        SplittableRandom r = new SplittableRandom(seed);
        CpuCaps caps = CpuCaps.skylake();
        PhysMem.Editor mem = PhysMem.empty(caps.maxPhysAddr()).edit();
        EptBuilder ept = EptBuilder.create(mem, new Frames(0x7F_0000_0000L), caps);
        ept.map(TABLE_GPA, TABLE_HPA, 2L << 20, EptEntry.RWX, PageSize.SIZE_2M);
        FlatMap eptRef = new FlatMap();
        List<long[]> eptRanges = new ArrayList<>();
        boolean[] usedGpaSlot = new boolean[16];
        int eptMappings = 1 + r.nextInt(6);
        for (int i = 0; i < eptMappings; i++) {
            int slot = r.nextInt(16);
            if (usedGpaSlot[slot]) {
                continue;
            }
            usedGpaSlot[slot] = true;
            PageSize size = randomSize(r);
            int count = size == PageSize.SIZE_1G ? 1 : 1 + r.nextInt(size == PageSize.SIZE_4K ? 8 : 3);
            long offsetPages = size == PageSize.SIZE_1G ? 0 : r.nextLong((1L << 30) / size.bytes() - count);
            long gpa = ((long) slot << 30) + offsetPages * size.bytes();
            long hpa = (r.nextLong(1L << (40 - size.shift()))) << size.shift();
            int rwx = EPT_RIGHTS[r.nextInt(EPT_RIGHTS.length)];
            ept.map(gpa, hpa, count * size.bytes(), rwx, size);
            for (int p = 0; p < count; p++) {
                eptRef.put(gpa + p * size.bytes(), size, hpa + p * size.bytes(), rwx);
            }
            eptRanges.add(new long[] {gpa, count * size.bytes()});
        }

        PageTableBuilder pt = PageTableBuilder.create(mem, g -> g - TABLE_GPA + TABLE_HPA, new Frames(TABLE_GPA), caps);
        FlatMap guestRef = new FlatMap();
        List<long[]> guestRanges = new ArrayList<>();
        boolean[] usedLinearSlot = new boolean[64];
        int guestMappings = 1 + r.nextInt(8);
        for (int i = 0; i < guestMappings; i++) {
            int slot = r.nextInt(64);
            if (usedLinearSlot[slot]) {
                continue;
            }
            usedLinearSlot[slot] = true;
            // Slots 0..31 in the lower half, 32..63 in the upper (kernel) half.
            long slotBase = slot < 32 ? ((long) slot << 30) * 17 : 0xFFFF_8000_0000_0000L + ((long) (slot - 32) << 30) * 29;
            slotBase &= ~((1L << 30) - 1);
            PageSize size = randomSize(r);
            int count = size == PageSize.SIZE_1G ? 1 : 1 + r.nextInt(size == PageSize.SIZE_4K ? 6 : 2);
            long offsetPages = size == PageSize.SIZE_1G ? 0 : r.nextLong((1L << 30) / size.bytes() - count);
            long linear = slotBase + offsetPages * size.bytes();
            long target;
            if (!eptRanges.isEmpty() && r.nextInt(10) < 7) {
                long[] range = eptRanges.get(r.nextInt(eptRanges.size()));
                target = (range[0] + r.nextLong(range[1])) & ~(size.bytes() - 1);
            } else {
                target = (r.nextLong(16L << 30)) & ~(size.bytes() - 1);
            }
            long flags = (r.nextBoolean() ? Pte.RW : 0) | (r.nextBoolean() ? Pte.US : 0) | (r.nextInt(4) == 0 ? Pte.XD : 0);
            pt.map(linear, target, count * size.bytes(), flags, size);
            for (int p = 0; p < count; p++) {
                guestRef.put(linear + p * size.bytes(), size, target + p * size.bytes(), flags);
            }
            guestRanges.add(new long[] {linear, count * size.bytes()});
        }
        PhysMem frozen = mem.freeze();
        boolean ad = r.nextBoolean();
        long eptp = ept.eptp(ad);

        for (int probe = 0; probe < PROBES; probe++) {
            long linear;
            int pick = r.nextInt(10);
            if (pick < 7 && !guestRanges.isEmpty()) {
                long[] range = guestRanges.get(r.nextInt(guestRanges.size()));
                linear = range[0] + r.nextLong(range[1]);
            } else if (pick < 9) {
                linear = r.nextBoolean() ? r.nextLong(1L << 47) : 0xFFFF_8000_0000_0000L | r.nextLong(1L << 47);
            } else {
                linear = r.nextLong() | (1L << 50);
                if ((linear >>> 63) != 0) {
                    linear &= ~(1L << 49);
                }
            }
            EptAccess.Kind kind = EptAccess.Kind.values()[r.nextInt(3)];
            LinearAccess access = new LinearAccess(kind, r.nextInt(5) == 0, r.nextInt(5) == 0);
            int cpl = r.nextBoolean() ? 0 : 3;
            long cr0 = Cr0.PE | Cr0.PG | (r.nextBoolean() ? Cr0.WP : 0);
            long cr4 = Cr4.PAE | (r.nextBoolean() ? Cr4.SMEP : 0) | (r.nextBoolean() ? Cr4.SMAP : 0);
            long efer = Efer.LME | Efer.LMA | (r.nextInt(4) != 0 ? Efer.NXE : 0);
            long rflags = Rflags.FIXED1 | (r.nextBoolean() ? Rflags.AC : 0);
            PagingRegs regs = new PagingRegs(cr0, pt.root(), cr4, efer, rflags, cpl);
            PagingResult actual = GuestPaging.translate(regs, linear, access, new EptGuestPhysical(frozen, eptp, caps));
            String expected = expected(regs, linear, access, guestRef, eptRef);
            String what = String.format("probe %d linear=0x%x %s cpl=%d cr0=%x cr4=%x efer=%x rflags=%x",
                    probe, linear, access, cpl, cr0, cr4, efer, rflags);
            assertEquals(expected, describe(actual), what);
            outcomes.merge(expected.split(" ")[0], 1, Integer::sum);
        }
    }

    /** The reference outcome, computed from the flat maps with the rules written out plainly. */
    private static String expected(PagingRegs regs, long linear, LinearAccess access, FlatMap guest, FlatMap ept) {
        long top = linear >> 47;
        if (top != 0 && top != -1) {
            return access.stackSegment() ? "SS" : "GP";
        }
        boolean user = regs.cpl() == 3 && !access.implicitSupervisor();
        boolean write = access.kind() == EptAccess.Kind.WRITE;
        boolean fetch = access.kind() == EptAccess.Kind.FETCH;
        long err = (write ? 2 : 0) | (user ? 4 : 0) | (fetch && (regs.nxe() || regs.smep()) ? 16 : 0);
        long[] g = guest.lookup(linear);
        if (g == null) {
            return "PF " + err;
        }
        long flags = g[1];
        if ((flags & Pte.XD) != 0 && !regs.nxe()) {
            return "PF " + (err | 1 | 8);
        }
        boolean userPage = (flags & Pte.US) != 0;
        boolean writable = (flags & Pte.RW) != 0;
        boolean xd = (flags & Pte.XD) != 0 && regs.nxe();
        boolean smapApplies = regs.smap() && userPage && !user && (access.implicitSupervisor() || !regs.ac());
        boolean ok;
        if (fetch) {
            ok = !xd && (user ? userPage : !(userPage && regs.smep()));
        } else if (user) {
            ok = userPage && (!write || writable);
        } else {
            ok = !smapApplies && (!write || !regs.wp() || writable);
        }
        if (!ok) {
            return "PF " + (err | 1);
        }
        long gpa = g[0];
        long[] e = ept.lookup(gpa);
        int rights = e == null ? 0 : (int) e[1];
        int need = fetch ? EptEntry.X : write ? EptEntry.W : EptEntry.R;
        if ((rights & need) == 0) {
            long q = (fetch ? 4 : write ? 2 : 1) | ((long) rights << 3) | (1 << 7) | (1 << 8);
            return String.format("EPT-VIOLATION gpa=%x q=%x", gpa, q);
        }
        return String.format("OK gpa=%x hpa=%x", gpa, e[0]);
    }

    private static String describe(PagingResult r) {
        if (r instanceof PagingResult.Ok ok) {
            return String.format("OK gpa=%x hpa=%x", ok.gpa(), ok.hpa());
        } else if (r instanceof PagingResult.PageFault pf) {
            return "PF " + pf.errorCode();
        } else if (r instanceof PagingResult.GeneralProtection) {
            return "GP";
        } else if (r instanceof PagingResult.StackFault) {
            return "SS";
        } else if (r instanceof PagingResult.EptExit x && x.ept() instanceof EptResult.Violation v) {
            return String.format("EPT-VIOLATION gpa=%x q=%x", v.gpa(), v.exitQualification());
        }
        fail("unexpected " + r);
        return null;
    }
}
