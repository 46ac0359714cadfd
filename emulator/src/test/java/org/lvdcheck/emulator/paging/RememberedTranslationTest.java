package org.lvdcheck.emulator.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * Translations remembered by {@link EptGuestPhysical} (a walk given again while the
 * paging-structure frames it read are the same objects): they are given again, and never where a
 * walk would now give something else, set a flag, or see this step's own writes.
 */
class RememberedTranslationTest {
    static final long KVA = 0xFFFF_8880_0010_0000L;
    static final long DATA = 0x100_0000L;
    static final long ADDRESS = 0x000F_FFFF_FFFF_F000L;

    final PagingRig rig = new PagingRig();

    /** A reader over the same memory that remembers nothing: the walk as it was before. */
    static final class Plain implements GuestPhysical {
        final EptGuestPhysical in;

        Plain(PhysMem m, long eptp, CpuCaps caps) {
            in = new EptGuestPhysical(m, eptp, caps);
        }

        @Override
        public EptResult translate(long gpa, EptAccess access) {
            return in.translate(gpa, access);
        }

        @Override
        public long readHost(long hpa, int size) {
            return in.readHost(hpa, size);
        }

        @Override
        public void writeHost(long hpa, int size, long value, boolean tainted) {
            in.writeHost(hpa, size, value, tainted);
        }

        @Override
        public boolean readsTop(long hpa, int size) {
            return in.readsTop(hpa, size);
        }

        @Override
        public CpuCaps caps() {
            return in.caps();
        }
    }

    /** The host address of the entry at {@code level} of {@code linear}'s walk (the rig maps table GPAs 1:1). */
    static long entry(PhysMem m, long root, long linear, int level) {
        long table = root & ADDRESS;
        for (int l = 4; ; l--) {
            long a = table + 8 * ((linear >>> (12 + 9 * (l - 1))) & 0x1FF);
            if (l == level) {
                return a;
            }
            table = m.read(a, 8) & ADDRESS;
        }
    }

    PhysMem write(PhysMem m, long hpa, long value) {
        return m.apply(List.of(new MemWrite(hpa, 8, value, false)));
    }

    PagingResult translate(PhysMem m, PagingRegs regs, long linear, LinearAccess a) {
        return GuestPaging.translate(regs, linear, a, new EptGuestPhysical(m, rig.ept.eptp(false), rig.caps));
    }

    @Test
    void aWalkIsGivenAgainOnlyWhileTheFramesItReadAreTheSame() {
        rig.pt.map(KVA, DATA, 0x2000, Pte.RW, PageSize.SIZE_4K);
        PagingRegs regs = rig.kernel();
        EptGuestPhysical first = new EptGuestPhysical(rig.mem.freeze(), rig.ept.eptp(false), rig.caps);
        assertEquals(DATA + 8, ((PagingResult.Ok) GuestPaging.translate(regs, KVA + 8, LinearAccess.READ, first)).hpa());
        assertFalse(first.writes().isEmpty(), "the first walk sets the accessed flags");
        PhysMem m = first.memory();

        long given = EptGuestPhysical.rememberedOnThisThread();
        assertEquals(DATA + 0x10, ((PagingResult.Ok) translate(m, regs, KVA + 0x10, LinearAccess.READ)).hpa());
        assertEquals(given, EptGuestPhysical.rememberedOnThisThread(), "the walk that set flags was not remembered");
        assertEquals(DATA + 0x18, ((PagingResult.Ok) translate(m, regs, KVA + 0x18, LinearAccess.READ)).hpa());
        assertEquals(given + 1, EptGuestPhysical.rememberedOnThisThread(), "the walk without writes is given again");

        long pte = entry(m, regs.cr3(), KVA, 1);
        PhysMem moved = write(m, pte, (m.read(pte, 8) & ~ADDRESS) | (DATA + 0x5000));
        assertEquals(DATA + 0x5018, ((PagingResult.Ok) translate(moved, regs, KVA + 0x18, LinearAccess.READ)).hpa(),
                "a changed page table is walked again");
        assertEquals(given + 1, EptGuestPhysical.rememberedOnThisThread());
        assertEquals(DATA + 0x5020, ((PagingResult.Ok) translate(moved, regs, KVA + 0x20, LinearAccess.READ)).hpa());
        assertEquals(given + 2, EptGuestPhysical.rememberedOnThisThread());

        long eptLeaf = entry(moved, rig.ept.root(), DATA + 0x5000, 1);
        PhysMem refused = write(moved, eptLeaf, moved.read(eptLeaf, 8) & ~(long) EptEntry.RWX | EptEntry.X);
        PagingResult r = translate(refused, regs, KVA + 0x18, LinearAccess.READ);
        assertInstanceOf(EptResult.Violation.class, assertInstanceOf(PagingResult.EptExit.class, r).ept(),
                "a changed EPT is walked again");

        assertEquals(DATA + 0x28, ((PagingResult.Ok) translate(m, regs, KVA + 0x28, LinearAccess.READ)).hpa(),
                "the older memory keeps its own translation");
    }

    /** KVA mapped to DATA (4 KiB), after a first read walk set its accessed flags, and a second that is remembered. */
    PhysMem walkedOnce(PagingRegs regs) {
        rig.pt.map(KVA, DATA, 0x1000, Pte.RW, PageSize.SIZE_4K);
        EptGuestPhysical first = new EptGuestPhysical(rig.mem.freeze(), rig.ept.eptp(false), rig.caps);
        GuestPaging.translate(regs, KVA, LinearAccess.READ, first);
        PhysMem m = first.memory();
        translate(m, regs, KVA, LinearAccess.READ);
        return m;
    }

    @Test
    void aStepsOwnWriteToAPageTableIsSeen() {
        PagingRegs regs = rig.kernel();
        PhysMem m = walkedOnce(regs);
        long given = EptGuestPhysical.rememberedOnThisThread();
        translate(m, regs, KVA, LinearAccess.READ);
        assertEquals(given + 1, EptGuestPhysical.rememberedOnThisThread());

        EptGuestPhysical step = new EptGuestPhysical(m, rig.ept.eptp(false), rig.caps);
        long pte = entry(m, regs.cr3(), KVA, 1);
        step.writeHost(pte, 8, (m.read(pte, 8) & ~ADDRESS) | (DATA + 0x7000));
        assertEquals(DATA + 0x7000, ((PagingResult.Ok) GuestPaging.translate(regs, KVA, LinearAccess.READ, step)).hpa());
        assertEquals(given + 1, EptGuestPhysical.rememberedOnThisThread());
    }

    @Test
    void aWriteStillSetsTheDirtyFlagAfterAReadWasRemembered() {
        PagingRegs regs = rig.kernel();
        PhysMem m = walkedOnce(regs);
        translate(m, regs, KVA, LinearAccess.READ);
        EptGuestPhysical w = new EptGuestPhysical(m, rig.ept.eptp(false), rig.caps);
        assertInstanceOf(PagingResult.Ok.class, GuestPaging.translate(regs, KVA, LinearAccess.WRITE, w));
        long pte = entry(m, regs.cr3(), KVA, 1);
        assertEquals(List.of(new MemWrite(pte, 8, m.read(pte, 8) | Pte.D, false)), w.writes());
    }

    static final LinearAccess[] ACCESSES = {LinearAccess.READ, LinearAccess.WRITE, LinearAccess.FETCH,
        LinearAccess.STACK_WRITE, LinearAccess.SUPERVISOR_READ, LinearAccess.SUPERVISOR_STACK_WRITE};
    static final long[] BITS = {Pte.P, Pte.RW, Pte.US, Pte.A, Pte.D, Pte.XD, Pte.PS, 1L << 13, 1L << 21};

    /**
     * Random page tables, random edits of their entries and of the EPT's, random registers and
     * accesses, translations on older and newer memories and within a step after its own writes:
     * every translation and every write equal to the walk of a reader that remembers nothing.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void agreesWithTheWalkEverywhere(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] pages = new long[12];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = (rnd.nextBoolean() ? KVA : 0x0000_7000_0000_0000L) + ((long) rnd.nextInt(8) << 21) + ((long) rnd.nextInt(4) << 12);
            long flags = Pte.RW * rnd.nextInt(2) | Pte.US * rnd.nextInt(2) | (rnd.nextInt(4) == 0 ? Pte.XD : 0);
            try {
                rig.pt.map(pages[i], DATA + ((long) i << 12), 0x1000, flags, PageSize.SIZE_4K);
            } catch (RuntimeException alreadyMapped) {
                // two picks of one page: the first mapping stays
            }
        }
        long eptp = rig.ept.eptp(false);
        List<PhysMem> memories = new ArrayList<>(List.of(rig.mem.freeze()));
        long given = EptGuestPhysical.rememberedOnThisThread();
        for (int op = 0; op < 1000; op++) {
            PhysMem m = memories.get(rnd.nextInt(4) == 0 ? rnd.nextInt(memories.size()) : memories.size() - 1);
            // Mostly one register set and three accesses, so that walks repeat and are given again.
            PagingRegs regs = rig.kernel();
            if (rnd.nextInt(4) == 0) {
                long cr4 = (rnd.nextBoolean() ? Cr4.SMEP : 0) | (rnd.nextBoolean() ? Cr4.SMAP : 0);
                regs = new PagingRegs(Cr0.PE | Cr0.PG | (rnd.nextBoolean() ? Cr0.WP : 0), rig.pt.root(), cr4,
                        Efer.LME | Efer.LMA | (rnd.nextBoolean() ? Efer.NXE : 0), Rflags.FIXED1 | (rnd.nextBoolean() ? Rflags.AC : 0),
                        rnd.nextInt(4) == 0 ? 3 : 0);
            }
            long linear = pages[rnd.nextInt(pages.length)] + rnd.nextInt(0x1000);
            LinearAccess a = ACCESSES[rnd.nextInt(4) == 0 ? rnd.nextInt(ACCESSES.length) : rnd.nextInt(3)];
            int kind = rnd.nextInt(40);
            if (kind < 37) {
                EptGuestPhysical remembering = new EptGuestPhysical(m, eptp, rig.caps);
                Plain plain = new Plain(m, eptp, rig.caps);
                PagingResult expected = GuestPaging.translate(regs, linear, a, plain);
                assertEquals(expected, GuestPaging.translate(regs, linear, a, remembering), "op " + op);
                assertEquals(plain.in.writes(), remembering.writes(), "op " + op);
                if (!remembering.writes().isEmpty()) {
                    memories.add(remembering.memory());
                }
            } else {
                long hpa = rnd.nextInt(3) == 0
                        ? entry(m, rig.ept.root(), DATA + ((long) rnd.nextInt(pages.length) << 12), 1 + rnd.nextInt(2))
                        : entry(m, regs.cr3(), linear, 1 + rnd.nextInt(4));
                long changed = m.read(hpa, 8) ^ BITS[rnd.nextInt(BITS.length)];
                if (kind < 39) {
                    memories.add(write(m, hpa, changed));
                } else {
                    EptGuestPhysical remembering = new EptGuestPhysical(m, eptp, rig.caps);
                    Plain plain = new Plain(m, eptp, rig.caps);
                    remembering.writeHost(hpa, 8, changed);
                    plain.writeHost(hpa, 8, changed);
                    assertEquals(GuestPaging.translate(regs, linear, a, plain), GuestPaging.translate(regs, linear, a, remembering),
                            "op " + op + ", after the step's own write");
                }
            }
        }
        assertTrue(EptGuestPhysical.rememberedOnThisThread() > given, "some translations were given from remembered walks");
    }
}
