package org.lvdcheck.properties.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptWalk;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * Seeded random EPTs — mappings of every page size, rights and memory type, partial unmaps and
 * rights changes that split large pages, and entries corrupted into every kind of
 * misconfiguration — enumerated by {@link EptMap} and probed point by point with the emulator's
 * {@link EptWalk}: both must agree on every probe (mapped or not, rights, host address, memory
 * type), and every frame a point walk reads must be one of the map's table frames (what a cached
 * analysis relies on). The seed is in every message.
 */
class EptMapAgainstEptWalkPropertyTest {
    static final int LAYOUTS = 300;
    static final int PROBES = 60;
    static final long TABLES_HPA = 0x7_0000_0000L;

    static LongStream seeds() {
        return LongStream.range(0, LAYOUTS);
    }

    static LongSupplier frames(long first) {
        long[] next = {first};
        return () -> {
            long f = next[0];
            next[0] += 4096;
            return f;
        };
    }

    static CpuCaps caps(SplittableRandom rnd) {
        return new CpuCaps(new int[] {39, 40, 46}[rnd.nextInt(3)], rnd.nextBoolean(), rnd.nextBoolean(), false,
                rnd.nextBoolean(), true, 4, true, true);
    }

    static int rights(SplittableRandom rnd, CpuCaps caps) {
        int[] valid = caps.eptExecuteOnly() ? new int[] {1, 3, 5, 7, 4} : new int[] {1, 3, 5, 7};
        return valid[rnd.nextInt(valid.length)];
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void enumerationAgreesWithPointWalks(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        CpuCaps caps = caps(rnd);
        PhysMem.Editor e = PhysMem.empty(caps.maxPhysAddr()).edit();
        EptBuilder b = EptBuilder.create(e, frames(TABLES_HPA), caps);
        List<Long> interesting = new ArrayList<>();
        int n = 1 + rnd.nextInt(10);
        for (int i = 0; i < n; i++) {
            PageSize ps = PageSize.values()[rnd.nextInt(caps.pages1G() ? 3 : 2)];
            long count = 1 + rnd.nextInt(ps == PageSize.SIZE_4K ? 40 : 3);
            long size = count * ps.bytes();
            long gpa = (rnd.nextLong(1L << 40) & ~(ps.bytes() - 1));
            long hpa = rnd.nextLong((1L << caps.maxPhysAddr()) - size) & ~(ps.bytes() - 1);
            b.map(gpa, hpa, size, rights(rnd, caps), ps, rnd.nextBoolean() ? EptEntry.MT_WB : EptEntry.MT_UC);
            interesting.add(gpa);
            interesting.add(gpa + size - 1);
            if (rnd.nextInt(3) == 0) {
                long off = rnd.nextLong(size) & ~0xFFFL;
                long len = Math.min(size - off, 4096L * (1 + rnd.nextInt(600)));
                if (rnd.nextBoolean()) {
                    b.unmap(gpa + off, len);
                } else {
                    b.protect(gpa + off, len, rnd.nextInt(8));
                }
                interesting.add(gpa + off);
                interesting.add(gpa + off - 1);
                interesting.add(gpa + off + len);
            }
        }
        for (int k = rnd.nextInt(4); k > 0; k--) {
            corrupt(e, b.root(), interesting.get(rnd.nextInt(interesting.size())), rnd, caps);
        }
        PhysMem mem = e.freeze();
        long eptp = b.eptp(caps.eptAccessedDirty() && rnd.nextBoolean());
        EptMap map = EptMap.of(mem, eptp, caps);
        checkShape(map, seed);
        for (EptRange r : map.ranges()) {
            interesting.add(r.gpa());
            interesting.add(r.gpaEnd() - 1);
            interesting.add(r.gpaEnd());
        }
        for (int p = 0; p < PROBES; p++) {
            long gpa = p % 3 == 2 ? rnd.nextLong(1L << 48) : interesting.get(rnd.nextInt(interesting.size()));
            gpa = Math.floorMod(gpa, 1L << 48);
            probe(mem, eptp, caps, map, gpa, seed);
        }
    }

    private static void probe(PhysMem mem, long eptp, CpuCaps caps, EptMap map, long gpa, long seed) {
        Optional<EptRange> m = map.lookup(gpa);
        for (EptAccess a : new EptAccess[] {EptAccess.READ, EptAccess.WRITE, EptAccess.FETCH}) {
            RecordingReader rr = new RecordingReader(mem);
            EptResult r = EptWalk.translate(rr, eptp, gpa, a, caps);
            int bit = a.kind() == EptAccess.Kind.READ ? EptEntry.R : a.kind() == EptAccess.Kind.WRITE ? EptEntry.W : EptEntry.X;
            String where = "seed " + seed + ", GPA 0x" + Long.toHexString(gpa) + ", " + a.kind() + ", map " + m;
            assertEquals(m.isPresent() && (m.get().rwx() & bit) != 0, r instanceof EptResult.Ok, where + ", walk " + r);
            if (r instanceof EptResult.Ok ok) {
                assertEquals(m.get().hpaOf(gpa), ok.hpa(), where);
                assertEquals(m.get().rwx(), ok.rwx(), where);
                assertEquals(m.get().memoryType(), ok.memoryType(), where);
            }
            List<Long> tables = new ArrayList<>();
            for (long f : map.tableFrames()) {
                tables.add(f >>> 12);
            }
            assertTrue(tables.containsAll(rr.frames), where + ": the walk read frames " + rr.frames
                    + " outside the map's tables " + tables);
        }
    }

    /** Sorted, disjoint, and maximal: no two neighbours could have been merged. */
    private static void checkShape(EptMap map, long seed) {
        List<EptRange> r = map.ranges();
        for (int i = 1; i < r.size(); i++) {
            EptRange p = r.get(i - 1);
            EptRange q = r.get(i);
            assertTrue(p.gpaEnd() <= q.gpa(), "seed " + seed + ": overlap " + p + " " + q);
            boolean mergeable = p.gpaEnd() == q.gpa() && p.hpa() + p.size() == q.hpa() && p.rwx() == q.rwx()
                    && p.memoryType() == q.memoryType();
            assertTrue(!mergeable, "seed " + seed + ": not merged " + p + " " + q);
        }
    }

    /** Breaks one entry on the walk to {@code gpa} in one of the ways SDM 28.2.3.1 names, or unmaps it. */
    private static void corrupt(PhysMem.Editor e, long root, long gpa, SplittableRandom rnd, CpuCaps caps) {
        int level = 4 - rnd.nextInt(4);
        long table = root;
        long addr = 0;
        for (int l = 4; l >= level; l--) {
            addr = table + 8L * ((gpa >>> (12 + 9 * (l - 1))) & 0x1FF);
            long entry = e.read(addr, 8);
            boolean leaf = l == 1 || (l <= 3 && (entry & EptEntry.LARGE) != 0);
            if ((entry & EptEntry.RWX) == 0 || leaf || (entry & caps.reservedAddressMask()) != 0) {
                break;
            }
            table = entry & EptEntry.ADDRESS_MASK;
        }
        long entry = e.read(addr, 8);
        long bad;
        switch (rnd.nextInt(8)) {
            case 0 -> bad = (entry & ~7L) | EptEntry.W;
            case 1 -> bad = (entry & ~7L) | EptEntry.X;
            case 2 -> bad = entry | (1L << (3 + rnd.nextInt(5)));
            case 3 -> bad = entry | (1L << caps.maxPhysAddr());
            case 4 -> bad = (entry & ~EptEntry.MEMTYPE_MASK) | ((long) new int[] {2, 3, 7}[rnd.nextInt(3)] << 3);
            case 5 -> bad = entry | (1L << (12 + rnd.nextInt(9)));
            case 6 -> bad = entry & ~7L;
            default -> bad = (entry & ~7L) | (1 + rnd.nextInt(7));
        }
        e.write(addr, 8, bad);
    }
}
