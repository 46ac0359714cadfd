package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.spec.lvd.Model;

/**
 * The dead-stack reduction (DESIGN.md §5; argued in docs/MODEL.md, "Dead stack memory"). The
 * stacks of the spec — IST and irq stacks per CPU, each thread's kernel stack, the domains'
 * stack pools — hold data only from the lowest address anything still points at up to their
 * top. Everything below is dead: the step after an interrupt returned differs from the step
 * before it only by the frame left below the stack pointer, and without this reduction every
 * instruction boundary an interrupt can hit would start its own copy of the rest of the state
 * space.
 *
 * <p>A stack's live bound is the lowest value into it of any root: every GPR and RSP of every
 * CPU and of every thread's saved context, every 8-byte word of memory outside the stacks, and
 * every word of the stacks' live parts (to a fixpoint). A value equal to a stack's top marks that
 * stack empty (the TSS's IST pointers) and keeps nothing of the stack above it. Bytes below the
 * bound are marked as holding no value ({@link PhysMem.Editor#forget}) when the bound rises past
 * them, and in the initial state. The reduction is checked, not assumed: a read of such a byte
 * throws {@link PhysMem.DeadRead}, which ends the exploration as inconclusive
 * ({@link Forgotten}).
 */
public final class DeadStacks {
    /**
     * One stack: its name, its GVA range [lo, hi), the host frame of each of its pages, and whether
     * a page of it no one has written is forgotten too (every stack but a thread's kernel stack).
     */
    record Region(String name, long lo, long hi, long[] pageHpa, boolean forgetsUnwritten) {}

    /** A step read a byte the reduction had forgotten: the reduction does not apply to this spec or code. */
    public static final class Forgotten extends RuntimeException {
        Forgotten(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Region[] regions;
    private final long[] los;
    private final long minLo;
    private final long maxHi;
    /** The host frames of the stacks, ascending (looked up for every frame whose memory roots are computed). */
    private final long[] stackFrames;

    private DeadStacks(List<Region> rs) {
        rs.sort(Comparator.comparingLong(Region::lo));
        this.regions = rs.toArray(Region[]::new);
        this.los = rs.stream().mapToLong(Region::lo).toArray();
        this.minLo = rs.isEmpty() ? 0 : rs.get(0).lo();
        this.maxHi = rs.stream().mapToLong(Region::hi).max().orElse(0);
        this.stackFrames = rs.stream().flatMapToLong(r -> Arrays.stream(r.pageHpa())).filter(h -> h >= 0)
                .map(h -> h >>> PhysMem.FRAME_SHIFT).distinct().sorted().toArray();
    }

    /** The stacks of the machine's spec whose pages map to one host frame each in every view and CPU that maps them. */
    static DeadStacks of(Machine machine) {
        LvdSystem system = machine.system();
        List<Stack> stacks = new ArrayList<>();
        for (Model.KernelObject o : system.spec().objects()) {
            if (o.kind() == Model.ObjectKind.IST || o.kind() == Model.ObjectKind.IRQ_STACK) {
                stacks.add(new Stack(o.kind().name().toLowerCase() + (o.kind() == Model.ObjectKind.IST ? o.index() : "")
                        + " cpu" + o.cpu(), o.gva(), o.gva() + o.size(), true));
            }
        }
        for (Model.Thread t : system.spec().threads()) {
            long lo = t.stackTop() - THREAD_STACK;
            for (long below : new long[] {t.taskGva(), t.argGva(), t.xsaveGva()}) {
                if (below < t.stackTop()) {
                    lo = Math.max(lo, (below & ~0xFFFL) + 0x1000);
                }
            }
            if (lo < t.stackTop()) {
                // IRQ compares the live words of an interrupted thread's stack, from RSP up, with the
                // unreduced search's values: a word the thread moved RSP over without writing holds
                // its build value there, zero, which a forgotten word would not.
                stacks.add(new Stack("kernel stack of " + t.name(), lo, t.stackTop(), false));
            }
        }
        for (Model.StackPool p : system.spec().stackPools()) {
            for (int c = 0; c < system.cpus(); c++) {
                for (int i = 0; i < p.perCpu(); i++) {
                    long lo = p.gva() + (long) (c * p.perCpu() + i) * p.size();
                    stacks.add(new Stack(p.domain() + " stack " + i + " cpu" + c, lo, lo + p.size(), true));
                }
            }
        }
        List<Region> rs = new ArrayList<>();
        for (Stack st : stacks) {
            long[] hpa = pages(machine, st.lo(), st.hi());
            if (hpa != null && (st.lo() & 7) == 0 && (st.hi() & 7) == 0) {
                rs.add(new Region(st.name(), st.lo(), st.hi(), hpa, st.forgetsUnwritten()));
            }
        }
        return new DeadStacks(disjoint(rs));
    }

    /** A stack the spec declares, before its pages are looked up ({@link Region}). */
    private record Stack(String name, long lo, long hi, boolean forgetsUnwritten) {}

    /** Linux's THREAD_SIZE on x86-64 with KASAN off: the most a thread stack spans below its top. */
    static final long THREAD_STACK = 16 * 1024;

    /** Host address of each page of [lo, hi) (-1 unmapped), or null if two views or CPUs disagree. */
    private static long[] pages(Machine machine, long lo, long hi) {
        LvdSystem system = machine.system();
        long first = lo & ~0xFFFL;
        int n = (int) ((hi - 1 - first) >>> 12) + 1;
        long[] hpa = new long[n];
        Arrays.fill(hpa, -1);
        MachineState init = machine.initial();
        for (int v = 0; v < system.views().size(); v++) {
            for (int c = 0; c < system.cpus(); c++) {
                PagingRegs regs = PagingRegs.of(init.cpu(c).regs()).withCpl(0);
                EptGuestPhysical gp = new EptGuestPhysical(init.mem(), system.eptps()[v][c], system.caps());
                for (int p = 0; p < n; p++) {
                    PagingResult r = GuestPaging.translate(regs, first + ((long) p << 12), LinearAccess.SUPERVISOR_READ, gp);
                    if (r instanceof PagingResult.Ok ok) {
                        long h = ok.hpa() & ~0xFFFL;
                        if (hpa[p] >= 0 && hpa[p] != h) {
                            return null;
                        }
                        hpa[p] = h;
                    }
                }
            }
        }
        return hpa;
    }

    /** Drops regions that overlap another (a stack must be one region to have one bound). */
    private static List<Region> disjoint(List<Region> rs) {
        List<Region> out = new ArrayList<>();
        for (Region r : rs) {
            boolean overlaps = rs.stream().anyMatch(o -> o != r && o.lo() < r.hi() && r.lo() < o.hi());
            if (!overlaps) {
                out.add(r);
            }
        }
        return out;
    }

    int regionCount() {
        return regions.length;
    }

    List<Region> regions() {
        return List.of(regions);
    }

    /**
     * The region a value points into, or -1. A value equal to a stack's top marks that stack
     * empty (it is not a pointer to the bottom of the stack above it either).
     */
    private int regionOf(long v) {
        if (v < minLo || v > maxHi) {
            return -1;
        }
        int i = Arrays.binarySearch(los, v);
        if (i >= 0) {
            return i > 0 && regions[i - 1].hi() == v ? -1 : i;
        }
        i = -i - 2;
        return i >= 0 && v < regions[i].hi() ? i : -1;
    }

    /** {@link #pointers}, one object for every lookup (the bounds ask on every step). */
    private final PhysMem.ContentFunction<long[]> pointerList = this::pointers;

    /** In {@link #pointers}' triples: the word has a byte without a value (a stack scan skips it). */
    private static final long PARTLY_DEAD = 1L << 32;

    /**
     * The words of one frame's contents that point into a stack, as triples (byte offset, value,
     * region, with {@link #PARTLY_DEAD} set when a byte of the word holds no value), ascending by
     * offset; null when there are none. Cached with the frame: a step changes few frames, and the
     * bounds scan every stack's live part on every step.
     */
    private long[] pointers(long[] words, long[] dead) {
        long[] out = null;
        int n = 0;
        for (int k = 0; k < words.length; k++) {
            long w = words[k];
            if (w < minLo || w > maxHi) {
                continue;
            }
            int r = regionOf(w);
            if (r < 0) {
                continue;
            }
            int o = k << 3;
            long flags = dead != null && ((dead[o >>> 6] >>> (o & 63)) & 0xFF) != 0 ? PARTLY_DEAD : 0;
            if (out == null) {
                out = new long[12];
            } else if (n + 3 > out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = o;
            out[n++] = w;
            out[n++] = r | flags;
        }
        return out == null ? null : Arrays.copyOf(out, n);
    }

    /** Per region, its live bound in {@code s}: the lowest value any root holds into it, or its top. */
    long[] bounds(MachineState s) {
        long[] b = new long[regions.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = regions[i].hi();
        }
        for (int c = 0; c < s.cpus().size(); c++) {
            registers(s.cpu(c).regs(), b);
        }
        for (ThreadState t : s.threads()) {
            if (t.saved() != null) {
                registers(t.saved(), b);
            }
        }
        PhysMem mem = s.mem();
        long[] fromMemory = mem.memo(this, this::memoryRoots);
        for (int i = 0; i < b.length; i++) {
            b[i] = Math.min(b[i], fromMemory[i]);
        }
        long[] scanned = new long[regions.length];
        for (int i = 0; i < b.length; i++) {
            scanned[i] = regions[i].hi();
        }
        boolean changed = true;
        boolean lowered = false;
        while (changed) {
            changed = false;
            for (int i = 0; i < regions.length; i++) {
                long from = b[i] & ~7L;
                if (from >= scanned[i]) {
                    continue;
                }
                long a = from;
                while (a < scanned[i]) {
                    long stop = Math.min(scanned[i], (a & ~0xFFFL) + 0x1000);
                    long hpa = hpaOf(i, a);
                    long[] p = hpa < 0 ? null : mem.contentDerived(hpa >>> PhysMem.FRAME_SHIFT, this, pointerList);
                    if (p != null) {
                        long first = hpa & 0xFFF;
                        long to = first + (stop - a);
                        for (int k = 0; k < p.length; k += 3) {
                            long o = p[k];
                            if (o >= to) {
                                break;
                            }
                            long v = p[k + 1];
                            int r = (int) p[k + 2];
                            if (o >= first && (p[k + 2] & PARTLY_DEAD) == 0 && v < b[r]) {
                                b[r] = v;
                                lowered = true;
                            }
                        }
                    }
                    a = stop;
                }
                changed |= lowered;
                lowered = false;
                scanned[i] = from;
            }
        }
        return b;
    }

    /** Per region, the lowest value into it held by a word of memory outside the stacks (cached per frame). */
    private long[] memoryRoots(PhysMem mem) {
        long[] b = new long[regions.length];
        Arrays.fill(b, Long.MAX_VALUE);
        int[] next = new int[1]; // frames come in ascending order: a cursor into the sorted stack frames
        mem.<long[]>forEachContentDerived(this, n -> {
            while (next[0] < stackFrames.length && stackFrames[next[0]] < n) {
                next[0]++;
            }
            return next[0] < stackFrames.length && stackFrames[next[0]] == n;
        }, pointerList, (n, p) -> {
            if (p != null) {
                for (int k = 0; k < p.length; k += 3) {
                    int r = (int) p[k + 2];
                    b[r] = Math.min(b[r], p[k + 1]);
                }
            }
        });
        return b;
    }

    private void registers(ArchRegs r, long[] b) {
        for (int g = 0; g < 16; g++) {
            if (!r.gprTainted(g)) {
                long v = r.gpr(g);
                int i = regionOf(v);
                if (i >= 0 && v < b[i]) {
                    b[i] = v;
                }
            }
        }
    }

    /** Whether {@code v}, read as an address, lies in one of the stacks whose dead part is forgotten. */
    boolean inStack(long v) {
        return regionOf(v) >= 0;
    }

    private long hpaOf(int region, long gva) {
        Region r = regions[region];
        long p = r.pageHpa()[(int) ((gva - (r.lo() & ~0xFFFL)) >>> 12)];
        return p < 0 ? -1 : p | (gva & 0xFFF);
    }

    /** The initial state with every stack's dead part forgotten. */
    MachineState canonicalInitial(MachineState s) {
        long[] lo = new long[regions.length];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = regions[i].lo();
        }
        return forget(s, lo, bounds(s));
    }

    /**
     * {@code after} with the bytes forgotten that the step left dead: those between each stack's
     * bound before the step and its bound after it, where the bound rose, and every byte below
     * the bound of a stack the step wrote.
     */
    MachineState canonical(MachineState before, MachineState after) {
        if (regions.length == 0) {
            return after;
        }
        PhysMem a = after.mem();
        PhysMem b = before.mem();
        if (a == b && sameRoots(before, after)) {
            // The same memory and the same values into the stacks: the same bounds, and {@code
            // before}'s dead bytes (all forgotten) are {@code after}'s.
            return after;
        }
        long[] from = beforeBounds(before);
        if (a != b) {
            // A step can write below a bound it never lowered (a kernel primitive's call pushes
            // and pops its return address within the step): forget all of a written stack.
            for (int i = 0; i < regions.length; i++) {
                for (long h : regions[i].pageHpa()) {
                    if (h >= 0 && !a.sameFrame(b, h >>> PhysMem.FRAME_SHIFT)) {
                        from[i] = regions[i].lo();
                        break;
                    }
                }
            }
        }
        return forget(after, from, bounds(after));
    }

    /**
     * Whether the registers of {@code before} and {@code after} (every CPU's and every thread's
     * saved context) hold the same values into the stacks ({@link #registers}): a register that
     * changed held and holds no value into a stack, or is ⊤ in both.
     */
    private boolean sameRoots(MachineState before, MachineState after) {
        if (before.cpus().size() != after.cpus().size() || before.threads().size() != after.threads().size()) {
            return false;
        }
        for (int t = 0; t < before.threads().size(); t++) {
            if (before.threads().get(t).saved() != after.threads().get(t).saved()) {
                return false;
            }
        }
        for (int c = 0; c < before.cpus().size(); c++) {
            ArchRegs x = before.cpu(c).regs();
            ArchRegs y = after.cpu(c).regs();
            if (x != y) {
                for (int g = 0; g < 16; g++) {
                    if (root(x, g) != root(y, g)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** What GPR {@code g} contributes to the bounds ({@link #registers}): its value into a stack, or -1. */
    private long root(ArchRegs r, int g) {
        if (r.gprTainted(g)) {
            return -1;
        }
        long v = r.gpr(g);
        return regionOf(v) >= 0 ? v : -1;
    }

    /**
     * Per worker thread, the last state {@link #canonical} was asked about as the state before a
     * step and its bounds: an expansion asks about the same state once per successor.
     */
    private final ThreadLocal<Object[]> lastBefore = new ThreadLocal<>();

    /** {@link #bounds}{@code (before)}, a fresh array, computed once for consecutive calls with the same state. */
    private long[] beforeBounds(MachineState before) {
        Object[] last = lastBefore.get();
        if (last != null && last[0] == before) {
            return ((long[]) last[1]).clone();
        }
        long[] b = bounds(before);
        lastBefore.set(new Object[] {before, b.clone()});
        return b;
    }

    private MachineState forget(MachineState s, long[] from, long[] to) {
        PhysMem.Editor e = null;
        for (int i = 0; i < regions.length; i++) {
            long a = Math.max(from[i] & ~7L, regions[i].lo());
            long end = to[i] & ~7L;
            while (a < end) {
                long pageEnd = (a & ~0xFFFL) + 0x1000;
                long stop = Math.min(end, pageEnd);
                long hpa = hpaOf(i, a);
                // A page never written is forgotten too (allocated, dead), so that a stack page no one
                // wrote and one whose every byte was forgotten are the same frame; a thread's kernel
                // stack keeps its unwritten pages' zeros (Region#forgetsUnwritten).
                if (hpa >= 0 && (regions[i].forgetsUnwritten() || s.mem().isAllocated(hpa >>> PhysMem.FRAME_SHIFT))
                        && !s.mem().isAllDead(hpa, (int) (stop - a))) {
                    if (e == null) {
                        e = s.mem().edit();
                    }
                    e.forget(hpa, (int) (stop - a));
                }
                a = stop;
            }
        }
        return e == null ? s : s.withMem(e.freeze());
    }
}
