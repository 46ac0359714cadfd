package org.lvdcheck.properties.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptWalk;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.GuestPhysical;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PageTableBuilder;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.paging.Pte;
import org.lvdcheck.properties.mapping.AccessMode.Access;

/**
 * Seeded random layouts — guest page tables with every page size and random R/W, U/S, XD,
 * accessed and dirty flags (sometimes reserved bits), their tables mapped by the EPT with random
 * rights (read-only tables, execute-only tables, unmapped tables), data mapped by random EPT
 * ranges that cover guest pages only in part, EPT A/D on or off, and random CPL, CR0.WP,
 * CR4.SMEP/SMAP, RFLAGS.AC and EFER.NXE — enumerated by {@link GuestMap} and probed point by
 * point with the emulator's {@link GuestPaging#translate} through the EPT. Both must agree on
 * whether each read, write and fetch succeeds and where it lands, and every frame the point walk
 * reads (guest tables and EPT tables) must be one the enumeration read. The seed is in every message.
 */
class GuestMapAgainstGuestPagingPropertyTest {
    static final int LAYOUTS = 300;
    static final int PROBES = 50;
    static final long TABLES_GPA = 0x1_0000_0000L;
    static final long TABLES_HPA = 0x2_0000_0000L;
    static final long EPT_HPA = 0x3_0000_0000L;
    static final long DATA_GPA_LIMIT = 0x1_0000_0000L;

    static LongStream seeds() {
        return LongStream.range(0, LAYOUTS);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void enumerationAgreesWithPointTranslations(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        CpuCaps caps = new CpuCaps(rnd.nextBoolean() ? 39 : 46, rnd.nextBoolean(), rnd.nextBoolean(), false,
                rnd.nextBoolean(), true, 4, true, true);
        PhysMem.Editor e = PhysMem.empty(caps.maxPhysAddr()).edit();
        EptBuilder ept = EptBuilder.create(e, EptMapAgainstEptWalkPropertyTest.frames(EPT_HPA), caps);
        PageTableBuilder pt = PageTableBuilder.create(e, g -> g - TABLES_GPA + TABLES_HPA,
                EptMapAgainstEptWalkPropertyTest.frames(TABLES_GPA), caps);
        pt.tableFlags(Pte.P | (rnd.nextInt(4) > 0 ? Pte.RW : 0) | (rnd.nextInt(3) > 0 ? Pte.US : 0)
                | (rnd.nextBoolean() ? Pte.A | Pte.D : 0));
        List<Long> interesting = new ArrayList<>();
        List<long[]> dataLeaves = new ArrayList<>();
        for (int i = 1 + rnd.nextInt(8); i > 0; i--) {
            guestMapping(pt, rnd, caps, interesting, dataLeaves);
        }
        long tablesEnd = TABLES_GPA + 0x40_0000L;
        for (long g = TABLES_GPA; g < tablesEnd; g += 4096) {
            int r = new int[] {1, 3, 3, 5, 7, 7, 0}[rnd.nextInt(7)];
            if (r != 0) {
                ept.map(g, g - TABLES_GPA + TABLES_HPA, 4096, r, PageSize.SIZE_4K);
            }
        }
        for (long[] leaf : dataLeaves) {
            for (int i = rnd.nextInt(4); i > 0; i--) {
                PageSize ps = PageSize.values()[rnd.nextInt(2)];
                long size = (1 + rnd.nextInt(ps == PageSize.SIZE_4K ? 64 : 4)) * ps.bytes();
                long gpa = (leaf[0] + rnd.nextLong(leaf[1])) & ~(ps.bytes() - 1);
                if (gpa + size <= DATA_GPA_LIMIT) {
                    ept.map(gpa, (0x10_0000_0000L + rnd.nextLong(1L << 30)) & ~(ps.bytes() - 1), size,
                            EptMapAgainstEptWalkPropertyTest.rights(rnd, caps), ps);
                }
            }
        }
        if (rnd.nextInt(3) == 0) {
            corruptGuest(pt, interesting.get(rnd.nextInt(interesting.size())), rnd, caps);
        }
        PhysMem mem = e.freeze();
        long eptp = ept.eptp(caps.eptAccessedDirty() && rnd.nextBoolean());
        PagingRegs regs = new PagingRegs(Cr0.PE | Cr0.PG | (rnd.nextInt(4) > 0 ? Cr0.WP : 0), pt.root(),
                Cr4.PAE | (rnd.nextBoolean() ? Cr4.SMEP : 0) | (rnd.nextBoolean() ? Cr4.SMAP : 0),
                Efer.LME | Efer.LMA | (rnd.nextInt(4) > 0 ? Efer.NXE : 0), Rflags.FIXED1 | (rnd.nextBoolean() ? Rflags.AC : 0),
                rnd.nextInt(3) == 0 ? 3 : 0);
        EptMap eptMap = EptMap.of(mem, eptp, caps);
        GuestMap map = GuestMap.of(mem, eptMap, regs.cr3(), caps, regs.nxe());
        TreeSet<Long> read = new TreeSet<>();
        for (long f : eptMap.tableFrames()) {
            read.add(f >>> 12);
        }
        map.tables().forEach(t -> read.add(t.hpa() >>> 12));
        for (GuestRange g : map.ranges()) {
            interesting.add(g.gva());
            interesting.add(g.gvaLast());
            interesting.add(g.gvaLast() + 1);
        }
        for (int p = 0; p < PROBES; p++) {
            long gva = p % 4 == 3 ? canonical(rnd.nextLong()) : interesting.get(rnd.nextInt(interesting.size()));
            probe(mem, eptp, caps, regs, map, read, gva, seed);
        }
    }

    private static void probe(PhysMem mem, long eptp, CpuCaps caps, PagingRegs regs, GuestMap map, TreeSet<Long> read,
            long gva, long seed) {
        Optional<GuestRange> m = map.lookup(gva);
        AccessMode mode = AccessMode.of(regs);
        for (Access a : Access.values()) {
            LinearAccess la = a == Access.READ ? LinearAccess.READ : a == Access.WRITE ? LinearAccess.WRITE : LinearAccess.FETCH;
            Recording gp = new Recording(mem, eptp, caps);
            PagingResult r = GuestPaging.translate(regs, gva, la, gp);
            String where = "seed " + seed + ", GVA 0x" + Long.toHexString(gva) + ", " + a + ", " + mode + ", map " + m;
            assertEquals(m.isPresent() && m.get().allows(a, mode), r instanceof PagingResult.Ok, where + ", walk " + r);
            if (r instanceof PagingResult.Ok ok) {
                assertEquals(m.get().hpa() + (gva - m.get().gva()), ok.hpa(), where);
                assertEquals(m.get().gpa() + (gva - m.get().gva()), ok.gpa(), where);
            }
            assertTrue(read.containsAll(gp.reader.frames), where + ": the walk read frames " + gp.reader.frames
                    + " outside the enumeration's " + read);
        }
    }

    /** Maps a random guest range; records its probes and its guest-physical run {gpa, size}. */
    private static void guestMapping(PageTableBuilder pt, SplittableRandom rnd, CpuCaps caps, List<Long> interesting,
            List<long[]> dataLeaves) {
        PageSize ps = PageSize.values()[rnd.nextInt(caps.pages1G() ? 3 : 2)];
        long count = 1 + rnd.nextInt(ps == PageSize.SIZE_4K ? 32 : 2);
        long size = count * ps.bytes();
        long linear = canonical(rnd.nextLong(1L << 48) & ~(ps.bytes() - 1));
        if (Long.compareUnsigned(linear + size - 1, linear) < 0 || (linear >> 47) != ((linear + size - 1) >> 47)) {
            return;
        }
        long gpa = rnd.nextLong(DATA_GPA_LIMIT - size) & ~(ps.bytes() - 1);
        long flags = (rnd.nextBoolean() ? Pte.RW : 0) | (rnd.nextBoolean() ? Pte.US : 0) | (rnd.nextBoolean() ? Pte.XD : 0)
                | (rnd.nextInt(3) > 0 ? Pte.A : 0) | (rnd.nextBoolean() ? Pte.D : 0);
        pt.map(linear, gpa, size, flags, ps);
        dataLeaves.add(new long[] {gpa, size});
        interesting.add(linear);
        interesting.add(linear + size - 1);
        interesting.add(linear + rnd.nextLong(size));
    }

    /**
     * Sets a reserved bit in one entry on the walk to {@code linear}: an address bit at or above
     * MAXPHYADDR, PS in a PML4E, or a bit between PAT and the frame address of a large leaf.
     */
    private static void corruptGuest(PageTableBuilder pt, long linear, SplittableRandom rnd, CpuCaps caps) {
        long table = pt.root();
        int stop = 1 + rnd.nextInt(4);
        for (int level = 4; level >= stop; level--) {
            long eGpa = table + 8L * ((linear >>> (12 + 9 * (level - 1))) & 0x1FF);
            long entry = pt.read(eGpa);
            boolean leaf = level == 1 || (level <= 3 && (entry & Pte.PS) != 0);
            if (level == stop || leaf || (entry & Pte.P) == 0) {
                long bit = 1L << (caps.maxPhysAddr() + rnd.nextInt(4));
                if (level == 4 && rnd.nextBoolean()) {
                    bit = Pte.PS;
                } else if (leaf && level > 1 && rnd.nextBoolean()) {
                    bit = 1L << (13 + rnd.nextInt(level == 2 ? 8 : 17));
                }
                pt.write(eGpa, entry | bit);
                return;
            }
            table = entry & Pte.ADDRESS_MASK & ((1L << caps.maxPhysAddr()) - 1);
        }
    }

    private static long canonical(long v) {
        return (v << 16) >> 16;
    }

    /** Guest-physical memory through one EPT that records every frame read (EPT tables and guest tables). */
    private static final class Recording implements GuestPhysical {
        final RecordingReader reader;
        final long eptp;
        final CpuCaps caps;
        final PhysMem.Editor edits;

        Recording(PhysMem mem, long eptp, CpuCaps caps) {
            this.edits = mem.edit();
            this.reader = new RecordingReader(edits);
            this.eptp = eptp;
            this.caps = caps;
        }

        @Override
        public EptResult translate(long gpa, EptAccess access) {
            EptResult r = EptWalk.translate(reader, eptp, gpa, access, caps);
            if (r instanceof EptResult.Ok ok) {
                for (MemWrite w : ok.adWrites()) {
                    edits.write(w.hpa(), w.size(), w.value());
                }
            }
            return r;
        }

        @Override
        public long readHost(long hpa, int size) {
            return reader.read(hpa, size);
        }

        @Override
        public void writeHost(long hpa, int size, long value, boolean tainted) {
            edits.write(hpa, size, value, tainted);
        }

        @Override
        public boolean readsTop(long hpa, int size) {
            return reader.isTainted(hpa, size);
        }

        @Override
        public CpuCaps caps() {
            return caps;
        }
    }
}
