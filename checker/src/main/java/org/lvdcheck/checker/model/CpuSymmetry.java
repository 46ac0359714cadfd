package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptWalk;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.irq.IpiRequest;
import org.lvdcheck.emulator.irq.Lapic;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.DriverMove;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.lvd.Model;

/**
 * The permutation σ of a two-CPU system's states that swaps its CPUs (DESIGN.md §5, "symmetry over
 * CPUs"; docs/MODEL.md, "CPU symmetry"): the mirror image of a state is the state the machine would
 * be in had every step of CPU 0 been taken by CPU 1 and the other way round. σ is derived from the
 * built system, never assumed:
 * <ul>
 *   <li><b>frames</b> swap in pairs: each CPU's GDT, TSS, per-CPU area, IST stacks and IRQ stack (the
 *       spec's per-CPU objects, paired by kind and IST index), the frames its kernel view maps at the
 *       state page and the landing ticket where the CPUs' views differ, its EPTP-list page, and the
 *       paging structures of each view's EPT, paired by walking both CPUs' trees side by side;</li>
 *   <li><b>words that hold their addresses</b> are translated: a value inside one CPU's object (by its
 *       kernel virtual address, or by the host-physical address of a paired frame) becomes the same
 *       offset in the other's; each domain's stack pool swaps the CPUs' blocks of virtual addresses
 *       (its frames are havoc and hold nothing). This applies to registers, the VMCS's address
 *       fields, the ghost and every word of memory except code, guest paging structures (their
 *       large pages cover both CPUs' objects: checked) and EPT paging structures, whose entries
 *       move to the index of the mirrored guest-physical address with their addresses translated;
 *       the TSS's stack pointers and the GDT's TSS descriptors are translated field by field;</li>
 *   <li><b>CPU numbers</b> swap: the CPU records (each keeps its LAPIC ID), each thread's last CPU,
 *       the per-CPU {@code cpu_number} and state-page {@code VMFUNC_cpuid}, each task's
 *       {@code TASK_lcd_stack_cpu}, the kill IPIs in flight, the interrupt budgets, callers, deferred
 *       arrivals and resumption bytes.</li>
 * </ul>
 * {@link #derive} refuses a system whose threads are pinned to a CPU, whose interrupt sources are
 * not on every CPU, or whose objects do not pair. That σ maps every step onto the other CPU's same
 * step is what {@code CpuSymmetryTest} checks on every step of bounded runs.
 */
public final class CpuSymmetry {
    /** σ, or why the system has none. */
    public record Derivation(CpuSymmetry symmetry, String reason) {}

    /** The system has no CPU symmetry σ can express. */
    private static final class NotSymmetric extends Exception {
        NotSymmetric(String why) {
            super(why);
        }
    }

    /** An EPT paging structure: its level (4 = PML4) and the first guest-physical address it maps. */
    private record Table(int level, long gpaBase) {}

    /** The frame permutation: paired frame numbers, both directions, ascending, and what each becomes. */
    private final long[] pairedFrom;
    private final long[] pairedTo;
    /** Frames that are not rewritten word by word alone (verbatim, EPT, TSS, GDT, CPU numbers), ascending. */
    private final long[] special;
    /** Address windows, sorted by start: [lo, hi) moves by delta. */
    private final long[] winLo;
    private final long[] winHi;
    private final long[] winDelta;
    /** Every EPT paging structure of the built system (both CPUs, every view). */
    private final Map<Long, Table> eptTables;
    /** Frames whose words are kept as they are: code and guest paging structures. */
    private final Set<Long> verbatim;
    /** Per frame: TSS (1) or GDT (2), translated field by field. */
    private final Map<Long, Integer> structured;
    /** Per frame: byte offsets of the 32-bit words that hold a CPU number. */
    private final Map<Long, List<Integer>> cpuFields;

    private CpuSymmetry(Builder b) {
        this.pairedFrom = b.frames.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
        this.pairedTo = new long[pairedFrom.length];
        for (int k = 0; k < pairedFrom.length; k++) {
            pairedTo[k] = b.frames.get(pairedFrom[k]);
        }
        java.util.TreeSet<Long> sp = new java.util.TreeSet<>(b.verbatim);
        sp.addAll(b.tables.keySet());
        sp.addAll(b.structured.keySet());
        sp.addAll(b.cpuFields.keySet());
        this.special = sp.stream().mapToLong(Long::longValue).toArray();
        int n = b.windows.size();
        winLo = new long[n];
        winHi = new long[n];
        winDelta = new long[n];
        int i = 0;
        for (var e : b.windows.entrySet()) {
            winLo[i] = e.getKey();
            winHi[i] = e.getValue()[0];
            winDelta[i] = e.getValue()[1];
            i++;
        }
        this.eptTables = Map.copyOf(b.tables);
        this.verbatim = Set.copyOf(b.verbatim);
        this.structured = Map.copyOf(b.structured);
        this.cpuFields = Map.copyOf(b.cpuFields);
    }

    /** σ for {@code machine}'s system, or the reason it has none. */
    public static Derivation derive(Machine machine) {
        try {
            return new Derivation(new Builder(machine).build(), null);
        } catch (NotSymmetric e) {
            return new Derivation(null, e.getMessage());
        }
    }

    /** The CPU σ maps {@code c} to (-1 and other non-CPU values stay). */
    public static int cpu(int c) {
        return c == 0 || c == 1 ? 1 - c : c;
    }

    /** A word as the mirror image holds it: an address inside one CPU's object moves to the other's. */
    public long value(long w) {
        if (winLo.length == 0 || Long.compareUnsigned(w, winLo[0]) < 0) {
            return w;
        }
        int lo = 0, hi = winLo.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(winLo[mid], w) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi >= 0 && Long.compareUnsigned(w, winHi[hi]) < 0 ? w + winDelta[hi] : w;
    }

    /** The frame frame {@code f} becomes. */
    public long frame(long f) {
        int k = java.util.Arrays.binarySearch(pairedFrom, f);
        return k >= 0 ? pairedTo[k] : f;
    }

    /** The number of frame pairs σ swaps (for reports). */
    public int framePairs() {
        return pairedFrom.length / 2;
    }

    // ---- the mirror image of a state ----------------------------------------------------------

    /** The frame map and the rewrite as single objects: {@link PhysMem#remappedContentHash} caches per rewrite. */
    private final java.util.function.LongUnaryOperator frameMap = this::frame;
    private final PhysMem.FrameRewrite rewriter = new PhysMem.FrameRewrite() {
        @Override
        public void rewrite(long from, PhysMem.FrameWords w) {
            CpuSymmetry.this.rewrite(from, w);
        }

        /** Every frame σ treats word by word alone is rewritten alike: one key for all of them. */
        @Override
        public Object key(long from) {
            return java.util.Arrays.binarySearch(special, from) >= 0 ? (Object) from : PLAIN;
        }
    };
    private static final Object PLAIN = new Object();

    /** σ(s). */
    public CheckState mirror(CheckState s) {
        CheckState m = mirror(s, s.machine().mem().remapped(frameMap, rewriter));
        CheckState.Image i = s.image();
        if (i == null) {
            return m;
        }
        long[] words = i.words().clone();
        for (int k = 0; k < words.length; k++) {
            words[k] = frame(words[k] >>> 12) << 12 | words[k] & 0xFFF;
        }
        java.util.Arrays.sort(words);
        return m.withImage(new CheckState.Image(cpu(i.cpu()), mirror(i.state()), words));
    }

    /**
     * The fingerprint of σ(s) ({@link StateFingerprint}), computed without building σ(s)'s memory:
     * each frame's mirror image is hashed once and the hash kept with the frame.
     */
    public long mirrorFingerprint(CheckState s, long seed) {
        return StateFingerprint.of(mirror(s, s.machine().mem()), s.machine().mem().remappedContentHash(seed, frameMap,
                rewriter), seed);
    }

    /**
     * The fingerprint of the orbit {s, σ(s)}, so that a state and its mirror image are one state to a
     * seen set: the fingerprint of the orbit's representative where {@link #orientation} names one
     * (one of the two fingerprints computed), else the smaller of the two states' fingerprints.
     */
    public long orbitFingerprint(CheckState s, long seed) {
        int o = orientation(s);
        if (o < 0) {
            return StateFingerprint.of(s, seed);
        }
        if (o > 0) {
            long b = mirrorFingerprint(s, seed);
            s.machine().mem().dropHashBase(); // nothing will ask for s's own hash: let the base go
            return b;
        }
        long b = mirrorFingerprint(s, seed); // first: it starts from the memory it was frozen from while known
        long a = StateFingerprint.of(s, seed);
        return Math.min(a, b);
    }

    /**
     * Which state of the orbit {s, σ(s)} represents it, by what each CPU is doing: -1 s (CPU 0's key
     * below CPU 1's), 1 σ(s), 0 neither (the keys are equal). A CPU's key is its mode, its thread, its
     * RIP and the lesser of its RSP and the RSP's mirror image, in that order; σ moves each CPU's record
     * to the other CPU with every one of these kept (RIP is never translated: code is shared), so
     * {@code orientation(σ(s)) == -orientation(s)} and the representative is a function of the orbit.
     */
    public int orientation(CheckState s) {
        CpuState a = s.machine().cpu(0);
        CpuState b = s.machine().cpu(1);
        int c = Integer.compare(a.mode().ordinal(), b.mode().ordinal());
        if (c == 0) {
            c = Integer.compare(a.thread(), b.thread());
        }
        if (c == 0) {
            c = Long.compare(a.regs().rip(), b.regs().rip());
        }
        if (c == 0) {
            c = Long.compareUnsigned(invariantRsp(a.regs()), invariantRsp(b.regs()));
        }
        return Integer.signum(c);
    }

    /** A register file's RSP or its mirror image, whichever is lower: the same for both images (⊤: 0). */
    private long invariantRsp(ArchRegs r) {
        if (r.gprTainted(ArchRegs.RSP)) {
            return 0;
        }
        long w = r.gpr(ArchRegs.RSP);
        long v = value(w);
        return Long.compareUnsigned(w, v) <= 0 ? w : v;
    }

    /** σ(s) with {@code mem} as its memory. */
    private CheckState mirror(CheckState s, PhysMem mem) {
        MachineState m = s.machine();
        List<CpuState> cpus = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            CpuState from = m.cpu(cpu(c));
            Lapic l = from.lapic();
            cpus.add(new CpuState(regs(from.regs()), vmcs(from.vmcs()),
                    new Lapic(cpu(l.apicId()), l.tpr(), l.irr(), l.isr(), l.nmiPending()), from.mode(), from.thread(),
                    from.driverEntered()));
        }
        List<ThreadState> threads = new ArrayList<>();
        for (ThreadState t : m.threads()) {
            threads.add(new ThreadState(t.status(), cpu(t.lastCpu()), regs(t.saved())));
        }
        long ipis = m.killIpis() & ~3L | swapBits(m.killIpis() & 3L);
        MachineState mm = new MachineState(mem, cpus, threads, m.killedDomains(), ipis);
        int[] fires = s.firesLeft().clone();
        for (int src = 0; src < fires.length / 2; src++) {
            fires[src * 2] = s.firesLeft()[src * 2 + 1];
            fires[src * 2 + 1] = s.firesLeft()[src * 2];
        }
        int[] caller = {s.caller()[1], s.caller()[0]};
        long resume = s.resume() & ~0xFFFFL | (s.resume() & 0xFF) << 8 | (s.resume() >>> 8 & 0xFF);
        return new CheckState(mm, fires, caller, s.crossing().mirrored(this::value), (int) swapBits(s.deferred() & 3)
                | s.deferred() & ~3, resume);
    }

    private static long swapBits(long two) {
        return (two & 1) << 1 | (two >>> 1 & 1);
    }

    /** An action of CPU c as the mirror image takes it: the same action of the other CPU. */
    public Action mirror(Action a) {
        int c = cpu(a.cpu());
        if (a instanceof Action.Execute) {
            return new Action.Execute(c);
        } else if (a instanceof Action.Interrupt x) {
            return new Action.Interrupt(c, x.vector());
        } else if (a instanceof Action.KillIpi) {
            return new Action.KillIpi(c);
        } else if (a instanceof Action.Branch x) {
            return new Action.Branch(c, x.taken());
        } else if (a instanceof Action.Dispatch x) {
            return new Action.Dispatch(c, x.rpcClass());
        }
        Action.Driver x = (Action.Driver) a;
        return new Action.Driver(c, move(x.move()));
    }

    private DriverMove move(DriverMove m) {
        if (m instanceof DriverMove.Write w) {
            List<Long> f = new ArrayList<>();
            for (long x : w.frames()) {
                f.add(frame(x));
            }
            f.sort(null);
            return new DriverMove.Write(f);
        }
        if (m instanceof DriverMove.IcrWrite w) {
            IpiRequest r = Lapic.decodeIcrX2apic(w.icr());
            if (r.shorthand() == IpiRequest.Shorthand.NONE && !r.logical()) {
                long dest = w.icr() >>> 32;
                return new DriverMove.IcrWrite(w.icr() & 0xFFFFFFFFL | (long) cpu((int) dest) << 32);
            }
        }
        return m;
    }

    /** σ of a register file, kept with it (a thread's saved registers stay the same over many states). */
    private ArchRegs regs(ArchRegs r) {
        Object kept = r.derived(this);
        if (kept != null) {
            return (ArchRegs) kept;
        }
        ArchRegs m = mirrorRegs(r);
        r.keep(this, m);
        return m;
    }

    private ArchRegs mirrorRegs(ArchRegs r) {
        ArchRegs.Builder b = r.toBuilder();
        for (int n = 0; n < 16; n++) {
            if (!r.gprTainted(n)) {
                b.gpr(n, value(r.gpr(n)));
            }
        }
        if (!r.tainted(ArchRegs.T_FS_BASE)) {
            b.fs(r.fs().withBase(value(r.fsBase())));
        }
        if (!r.tainted(ArchRegs.T_GS_BASE)) {
            b.gs(r.gs().withBase(value(r.gsBase())));
        }
        if (!r.tainted(ArchRegs.T_KERNEL_GS_BASE)) {
            b.kernelGsBase(value(r.kernelGsBase()));
        }
        Segment tr = r.tr();
        b.tr(tr.withBase(value(tr.base())));
        b.gdtr(new DescriptorTableReg(value(r.gdtr().base()), r.gdtr().limit()));
        b.idtr(new DescriptorTableReg(value(r.idtr().base()), r.idtr().limit()));
        b.cr2(value(r.cr2()));
        return b.taint(r.taintMask()).build();
    }

    /** Per worker thread, the last VMCSs mirrored and their images (a CPU's VMCS changes seldom): {v0, σ(v0), ...}. */
    private final ThreadLocal<Vmcs[]> lastVmcs = ThreadLocal.withInitial(() -> new Vmcs[8]);

    private Vmcs vmcs(Vmcs v) {
        Vmcs[] last = lastVmcs.get();
        for (int i = 0; i < last.length; i += 2) {
            if (last[i] == v) {
                return last[i + 1];
            }
        }
        Vmcs m = mirrorVmcs(v);
        System.arraycopy(last, 0, last, 2, last.length - 2);
        last[0] = v;
        last[1] = m;
        return m;
    }

    private Vmcs mirrorVmcs(Vmcs v) {
        return v.toBuilder().eptp(value(v.eptp())).eptpListAddress(value(v.eptpListAddress()))
                .guestLinearAddress(value(v.guestLinearAddress())).guestPhysicalAddress(value(v.guestPhysicalAddress()))
                .build();
    }

    /** The words of the frame frame {@code from} becomes. */
    private void rewrite(long from, PhysMem.FrameWords w) {
        if (verbatim.contains(from)) {
            return;
        }
        Table t = eptTables.get(from);
        if (t != null) {
            eptTable(t, w);
            return;
        }
        Integer kind = structured.get(from);
        if (kind != null) {
            if (kind == 1) {
                tss(w);
            } else {
                gdt(w);
            }
        } else {
            for (int i = 0; i < PhysMem.FrameWords.size(); i++) {
                if (w.plain(i)) {
                    w.set(i, value(w.word(i)));
                }
            }
        }
        List<Integer> fields = cpuFields.get(from);
        if (fields != null) {
            for (int off : fields) {
                int i = off >>> 3;
                int shift = (off & 7) * 8;
                if (w.plain(i)) {
                    long word = value(w.word(i));
                    int c = (int) (word >>> shift);
                    long mapped = cpu(c) & 0xFFFFFFFFL;
                    w.set(i, word & ~(0xFFFFFFFFL << shift) | mapped << shift);
                }
            }
        }
    }

    private static long span(int level) {
        return 1L << (12 + 9 * (level - 1));
    }

    private void eptTable(Table t, PhysMem.FrameWords w) {
        int n = PhysMem.FrameWords.size();
        for (int i = 0; i < n; i++) {
            w.set(i, 0);
        }
        for (int i = 0; i < n; i++) {
            long e = w.word(i);
            int to = i;
            if (t.level() == 1) {
                long g = t.gpaBase() + i * span(1);
                to = (int) ((value(g) - t.gpaBase()) / span(1));
            }
            boolean large = t.level() > 1 && (e & EptEntry.LARGE) != 0;
            if ((e & EptEntry.RWX) != 0 && !large) {
                long a = e & EptEntry.ADDRESS_MASK;
                e = e & ~EptEntry.ADDRESS_MASK | value(a);
            }
            w.set(to, e);
        }
    }

    /** TSS field offsets holding addresses: RSP0-2 and IST1-7 (SDM Vol. 3A 8.7, Figure 8-11). */
    private static final int[] TSS_FIELDS = {4, 12, 20, 36, 44, 52, 60, 68, 76, 84};

    private void tss(PhysMem.FrameWords w) {
        for (int off : TSS_FIELDS) {
            long v = bytes(w, off);
            setBytes(w, off, value(v));
        }
    }

    private static long bytes(PhysMem.FrameWords w, int off) {
        int i = off >>> 3;
        int sh = (off & 7) * 8;
        long lo = w.word(i) >>> sh;
        return sh == 0 ? lo : lo | w.word(i + 1) << (64 - sh);
    }

    private static void setBytes(PhysMem.FrameWords w, int off, long v) {
        int i = off >>> 3;
        int sh = (off & 7) * 8;
        if (sh == 0) {
            w.set(i, v);
            return;
        }
        long lowMask = -1L << sh;
        w.set(i, w.word(i) & ~lowMask | v << sh);
        w.set(i + 1, w.word(i + 1) & lowMask | v >>> (64 - sh));
    }

    /** The GDT: every 16-byte TSS descriptor's base (SDM Vol. 3A 8.2.3). */
    private void gdt(PhysMem.FrameWords w) {
        for (int i = 0; i + 1 < PhysMem.FrameWords.size(); i++) {
            long d = w.word(i);
            boolean present = (d >>> 47 & 1) != 0;
            boolean system = (d >>> 44 & 1) == 0;
            int type = (int) (d >>> 40 & 0xF);
            if (present && system && (type == 9 || type == 11)) {
                long base = (d >>> 16 & 0xFFFFFFL) | (d >>> 56 & 0xFF) << 24 | (w.word(i + 1) & 0xFFFFFFFFL) << 32;
                long b = value(base);
                long nd = d & ~(0xFFFFFFL << 16) & ~(0xFFL << 56) | (b & 0xFFFFFF) << 16 | (b >>> 24 & 0xFF) << 56;
                w.set(i, nd);
                w.set(i + 1, w.word(i + 1) & ~0xFFFFFFFFL | b >>> 32);
                i++;
            }
        }
    }

    // ---- derivation ---------------------------------------------------------------------------

    private static final class Builder {
        final Machine machine;
        final LvdSystem sys;
        final MachineState init;
        final Map<Long, Long> frames = new HashMap<>();
        /** lo -> {hi, delta}. */
        final TreeMap<Long, long[]> windows = new TreeMap<>(Long::compareUnsigned);
        final List<long[]> pending = new ArrayList<>();
        final Map<Long, Table> tables = new HashMap<>();
        final Set<Long> verbatim = new HashSet<>();
        final Map<Long, Integer> structured = new HashMap<>();
        final Map<Long, List<Integer>> cpuFields = new HashMap<>();

        Builder(Machine machine) {
            this.machine = machine;
            this.sys = machine.system();
            this.init = machine.initial();
        }

        CpuSymmetry build() throws NotSymmetric {
            if (sys.cpus() != 2) {
                throw new NotSymmetric("the CPU symmetry swaps two CPUs; this system has " + sys.cpus());
            }
            for (Model.Thread t : sys.spec().threads()) {
                if (t.cpu() >= 0) {
                    throw new NotSymmetric("thread " + t.name() + " is pinned to cpu" + t.cpu());
                }
            }
            for (Model.Source s : sys.spec().sources()) {
                if (s.cpu() >= 0) {
                    throw new NotSymmetric("interrupt source " + s.name() + " fires at cpu" + s.cpu() + " only");
                }
            }
            perCpuObjects();
            perCpuViews();
            pair(sys.eptpLists()[0] >>> 12, sys.eptpLists()[1] >>> 12, "the EPTP-list pages");
            for (int v = 0; v < sys.views().size(); v++) {
                long e0 = sys.eptps()[v][0], e1 = sys.eptps()[v][1];
                if ((e0 == 0) != (e1 == 0)) {
                    throw new NotSymmetric("view " + sys.viewName(v) + " has an EPT on one CPU only");
                }
                if (e0 != 0) {
                    walk(e0 & EptEntry.ADDRESS_MASK, e1 & EptEntry.ADDRESS_MASK, 4, 0, sys.viewName(v));
                }
            }
            for (var e : frames.entrySet()) {
                window(e.getKey() << 12, (e.getKey() + 1) << 12, (e.getValue() - e.getKey()) << 12);
            }
            stackPools();
            guestPageTables();
            for (long f : sys.code().keySet()) {
                verbatim.add(f >>> 12);
            }
            cpuNumbers();
            mergeWindows();
            checkWindows();
            return new CpuSymmetry(this);
        }

        private void pair(long f0, long f1, String what) throws NotSymmetric {
            if (f0 < 0 || f1 < 0) {
                throw new NotSymmetric(what + ": not mapped on both CPUs");
            }
            if (f0 == f1) {
                throw new NotSymmetric(what + ": both CPUs share frame 0x" + Long.toHexString(f0 << 12));
            }
            Long was0 = frames.put(f0, f1), was1 = frames.put(f1, f0);
            if (was0 != null && was0 != f1 || was1 != null && was1 != f0) {
                throw new NotSymmetric(what + ": frame 0x" + Long.toHexString(f0 << 12) + " pairs with two frames");
            }
        }

        /** Addresses [lo, hi) move by delta, and their mirror image back. */
        private void window(long lo, long hi, long delta) {
            if (delta != 0) {
                pending.add(new long[] {lo, hi, delta});
                pending.add(new long[] {lo + delta, hi + delta, -delta});
            }
        }

        /** Sorts the windows and merges those that overlap or touch with the same delta; two deltas at one address refuse. */
        private void mergeWindows() throws NotSymmetric {
            pending.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
            long[] cur = null;
            for (long[] w : pending) {
                if (cur != null && Long.compareUnsigned(w[0], cur[1]) <= 0) {
                    if (w[2] != cur[2]) {
                        if (Long.compareUnsigned(w[0], cur[1]) < 0) {
                            throw new NotSymmetric(String.format("address 0x%x belongs to two per-CPU objects", w[0]));
                        }
                    } else {
                        if (Long.compareUnsigned(w[1], cur[1]) > 0) {
                            cur[1] = w[1];
                        }
                        continue;
                    }
                }
                if (cur != null) {
                    windows.put(cur[0], new long[] {cur[1], cur[2]});
                }
                cur = w.clone();
            }
            if (cur != null) {
                windows.put(cur[0], new long[] {cur[1], cur[2]});
            }
        }

        private long frameOf(int view, int cpu, long gva) {
            long h = hostAddress(view, cpu, gva);
            return h < 0 ? -1 : h >>> 12;
        }

        private long hostAddress(int view, int cpu, long gva) {
            long eptp = sys.eptps()[view][cpu];
            if (eptp == 0) {
                return -1;
            }
            var gp = new org.lvdcheck.emulator.paging.EptGuestPhysical(init.mem(), eptp, sys.caps());
            var regs = org.lvdcheck.emulator.paging.PagingRegs.of(init.cpu(cpu).regs()).withCpl(0);
            for (var a : new org.lvdcheck.emulator.paging.LinearAccess[] {
                org.lvdcheck.emulator.paging.LinearAccess.SUPERVISOR_READ,
                org.lvdcheck.emulator.paging.LinearAccess.FETCH}) {
                var p = org.lvdcheck.emulator.paging.GuestPaging.translate(regs, gva, a, gp);
                if (p instanceof org.lvdcheck.emulator.paging.PagingResult.Ok ok) {
                    return ok.hpa();
                }
            }
            return -1;
        }

        private void perCpuObjects() throws NotSymmetric {
            Map<String, Model.KernelObject[]> byKey = new TreeMap<>();
            for (Model.KernelObject o : sys.spec().objects()) {
                if (o.cpu() >= 0) {
                    if (o.cpu() > 1) {
                        throw new NotSymmetric("object of cpu" + o.cpu());
                    }
                    byKey.computeIfAbsent(o.kind() + "/" + o.index(), k -> new Model.KernelObject[2])[o.cpu()] = o;
                }
            }
            for (var e : byKey.entrySet()) {
                Model.KernelObject a = e.getValue()[0], b = e.getValue()[1];
                if (a == null || b == null || a.size() != b.size()) {
                    throw new NotSymmetric("per-CPU object " + e.getKey().toLowerCase() + " is not declared alike for both CPUs");
                }
                long size = Math.max(a.size(), PhysMem.FRAME_SIZE) + PhysMem.FRAME_SIZE - 1 & ~(PhysMem.FRAME_SIZE - 1);
                if ((a.gva() & 0xFFF) != 0 || (b.gva() & 0xFFF) != 0) {
                    throw new NotSymmetric("per-CPU object " + e.getKey().toLowerCase() + " is not page-aligned");
                }
                for (long off = 0; off < size; off += PhysMem.FRAME_SIZE) {
                    long f0 = frameOf(0, 0, a.gva() + off), f1 = frameOf(0, 1, b.gva() + off);
                    pair(f0, f1, "per-CPU object " + e.getKey().toLowerCase());
                    if (a.kind() == Model.ObjectKind.TSS && off == 0) {
                        structured.put(f0, 1);
                        structured.put(f1, 1);
                    } else if (a.kind() == Model.ObjectKind.GDT && off == 0) {
                        structured.put(f0, 2);
                        structured.put(f1, 2);
                    }
                }
                // Closed at the top: a stack's top (one past its last byte) is the CPU's too.
                window(a.gva(), a.gva() + size + 1, b.gva() - a.gva());
            }
        }

        /** The state page and the landing ticket: one address, a frame per CPU. */
        private void perCpuViews() throws NotSymmetric {
            for (Model.KernelObject o : sys.spec().objects()) {
                if (o.cpu() < 0 && (o.kind() == Model.ObjectKind.STATE_PAGE || o.kind() == Model.ObjectKind.LANDING_TICKET)) {
                    long f0 = frameOf(0, 0, o.gva()), f1 = frameOf(0, 1, o.gva());
                    if (f0 != f1) {
                        pair(f0, f1, o.kind().toString().toLowerCase().replace('_', '-'));
                    }
                }
            }
        }

        /** Walks CPU 0's and CPU 1's trees of one view side by side, pairing their paging structures. */
        private void walk(long t0, long t1, int level, long gpaBase, String view) throws NotSymmetric {
            tables.put(t0 >>> 12, new Table(level, gpaBase));
            tables.put(t1 >>> 12, new Table(level, gpaBase));
            if (t0 != t1) {
                pair(t0 >>> 12, t1 >>> 12, "the EPT of view " + view);
            }
            for (int i = 0; i < 512; i++) {
                long e0 = init.mem().read(t0 + 8L * i, 8), e1 = init.mem().read(t1 + 8L * i, 8);
                boolean p0 = (e0 & EptEntry.RWX) != 0, p1 = (e1 & EptEntry.RWX) != 0;
                long g = gpaBase + i * span(level);
                if (level == 1) {
                    continue;
                }
                boolean leaf0 = (e0 & EptEntry.LARGE) != 0, leaf1 = (e1 & EptEntry.LARGE) != 0;
                if (p0 && !leaf0 && p1 && !leaf1) {
                    walk(e0 & EptEntry.ADDRESS_MASK, e1 & EptEntry.ADDRESS_MASK, level - 1, g, view);
                } else if (p0 && !leaf0 || p1 && !leaf1) {
                    throw new NotSymmetric(String.format("the EPTs of view %s differ in shape at guest-physical 0x%x", view, g));
                }
            }
        }

        /** Each domain stack pool: the CPUs' blocks of addresses swap; the frames are havoc and hold nothing. */
        private void stackPools() throws NotSymmetric {
            for (Model.StackPool p : sys.spec().stackPools()) {
                long block = p.perCpu() * p.size();
                int view = sys.views().indexOf(p.domain());
                for (long off = 0; off < 2 * block; off += PhysMem.FRAME_SIZE) {
                    long f = frameOf(view, 0, p.gva() + off);
                    if (f >= 0 && !sys.domainWrites().havoc(f)) {
                        throw new NotSymmetric("the stacks of " + p.domain() + " are not havoc frames");
                    }
                }
                // (lo, hi]: a stack pointer at the top of cpu0's last stack is cpu0's, not the bottom of
                // cpu1's first; the pool's base, from which pick_stack counts, stays.
                window(p.gva() + 1, p.gva() + block + 1, block);
            }
        }

        /**
         * Guest paging structures stay as they are: every leaf that maps a per-CPU frame must be a
         * large page that maps the other CPU's too.
         */
        private void guestPageTables() throws NotSymmetric {
            for (Model.Pgd p : sys.spec().pgds()) {
                int view = sys.views().indexOf(p.view());
                long root = gpaToHpa(view, p.gpa());
                if (root < 0) {
                    continue;
                }
                guestWalk(view, root, 4, p.name());
            }
        }

        private long gpaToHpa(int view, long gpa) {
            long eptp = sys.eptps()[view < 0 ? 0 : view][0];
            EptResult r = EptWalk.translate(init.mem(), eptp, gpa, EptAccess.READ, sys.caps());
            return r instanceof EptResult.Ok ok ? ok.hpa() : -1;
        }

        private void guestWalk(int view, long table, int level, String pgd) throws NotSymmetric {
            verbatim.add(table >>> 12);
            for (int i = 0; i < 512; i++) {
                long e = init.mem().read(table + 8L * i, 8);
                if ((e & 1) == 0) {
                    continue;
                }
                long addr = e & 0x000FFFFFFFFFF000L;
                boolean large = level > 1 && (e & (1L << 7)) != 0;
                if (level == 1 || large) {
                    long size = span(level);
                    long base = large ? addr & ~(size - 1) & 0x000FFFFFFFFFFFFFL : addr;
                    for (var f : frames.keySet()) {
                        long a = f << 12;
                        if (a >= base && a < base + size) {
                            long partner = frames.get(f) << 12;
                            if (level == 1 || partner < base || partner >= base + size) {
                                throw new NotSymmetric(String.format("page table %s maps per-CPU frame 0x%x apart from "
                                        + "the other CPU's", pgd, a));
                            }
                        }
                    }
                    continue;
                }
                long next = gpaToHpa(view, addr);
                if (next >= 0) {
                    guestWalk(view, next, level - 1, pgd);
                }
            }
        }

        private void cpuNumbers() {
            var kernel = sys.images().get("kernel");
            java.util.OptionalLong cpuNumber = kernel.symbol("cpu_number");
            java.util.OptionalLong cpuid = kernel.symbol("VMFUNC_cpuid");
            java.util.OptionalLong stackCpu = kernel.symbol("TASK_lcd_stack_cpu");
            for (int c = 0; c < 2; c++) {
                if (cpuNumber.isPresent()) {
                    field(hostAddress(0, c, sys.layout().percpu()[c] + cpuNumber.getAsLong()));
                }
                if (cpuid.isPresent()) {
                    field(hostAddress(0, c, sys.layout().stateGva() + cpuid.getAsLong()));
                }
            }
            if (stackCpu.isPresent()) {
                for (long task : sys.layout().taskGva()) {
                    field(hostAddress(0, 0, task + stackCpu.getAsLong()));
                }
            }
        }

        private void field(long hpa) {
            if (hpa >= 0 && (hpa & 3) == 0) {
                cpuFields.computeIfAbsent(hpa >>> 12, k -> new ArrayList<>()).add((int) (hpa & 0xFFF));
            }
        }

        private void checkWindows() throws NotSymmetric {
            for (var e : tables.entrySet()) {
                Table t = e.getValue();
                if (t.level() != 1) {
                    continue;
                }
                for (var w : windows.entrySet()) {
                    long lo = w.getKey(), hi = w.getValue()[0], d = w.getValue()[1];
                    long end = t.gpaBase() + span(2);
                    if (Long.compareUnsigned(lo, end) < 0 && Long.compareUnsigned(t.gpaBase(), hi) < 0
                            && (Long.compareUnsigned(lo + d, t.gpaBase()) < 0 || Long.compareUnsigned(hi + d, end) > 0)) {
                        throw new NotSymmetric(String.format("an EPT page table maps 0x%x but not its mirror 0x%x", lo,
                                lo + d));
                    }
                }
            }
        }
    }
}
