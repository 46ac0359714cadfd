package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.mem.Hash64;

/**
 * Where the explored states are (`check --state-profile`): for every state the explorer expands,
 * the place each CPU is at (its thread, the view it runs under and the source line of its next
 * instruction, or driver control, or idle) and the combination of all CPUs' places. A state space
 * that is too large to finish shows here which code multiplies it. Safe for the explorer's worker
 * threads.
 */
public final class StateProfile {
    /** One place or combination of places and how many expanded states had it. */
    public record Count(String place, long states) {}

    private final Machine machine;
    private final LvdSystem system;
    private final ConcurrentHashMap<String, LongAdder> places = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> combinations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> files = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> nestings = new ConcurrentHashMap<>();
    private final LongAdder expanded = new LongAdder();
    /** States kept per frequent combination, for {@link #differences}. */
    private final ConcurrentHashMap<String, List<CheckState>> samples = new ConcurrentHashMap<>();

    /** A combination's states are sampled once it has been met this often... */
    static final int SAMPLE_AFTER = 32;
    /** ...this many of them... */
    static final int SAMPLES = 24;
    /** ...for at most this many combinations. */
    static final int SAMPLED_COMBINATIONS = 64;

    /** What differs among the sampled states at one combination: how many pairs differ in each part. */
    public record Differences(String combination, int states, List<Count> parts) {}

    /** How many combinations keep samples at once (SAMPLED_COMBINATIONS; fewer in tests). */
    private final int sampledCombinations;

    public StateProfile(Machine machine) {
        this(machine, SAMPLED_COMBINATIONS);
    }

    StateProfile(Machine machine, int sampledCombinations) {
        this.sampledCombinations = sampledCombinations;
        this.machine = machine;
        this.system = machine.system();
        this.ownership = new FrameOwnership(machine);
        this.views = new ArrayList<>();
        for (int c = 0; c < system.cpus(); c++) {
            views.add(ConcurrentHashMap.newKeySet());
        }
    }

    private final FrameOwnership ownership;
    /** Per CPU, the fingerprints of its views of the expanded states ({@link #view}). */
    private final List<java.util.Set<Long>> views;

    /**
     * The fingerprint of CPU c's <em>view</em> of {@code s}: the state without what belongs to the
     * other CPUs, their registers, VMCS, LAPIC and mode (of each only which thread it runs is kept),
     * their CPU frames (docs/MODEL.md, "Frame ownership"), and of each thread running on another CPU
     * its frames, saved registers and open calls and handlers (its status and last CPU are kept),
     * and their callers, resumption bytes and deferred arrivals. What is left is what c's own steps
     * may read and what another CPU's steps may change under it: a thread-modular search, which
     * stores each CPU's views and applies the other CPUs' changes to them, would store about the sum
     * of the CPUs' distinct views where an interleaving search stores every combination.
     */
    long view(CheckState s, int c) {
        return views(s)[c];
    }

    /** Every CPU's {@link #view} of {@code s}, from one pass over its frames. */
    long[] views(CheckState s) {
        MachineState m = s.machine();
        int n = m.cpus().size();
        int threads = m.threads().size();
        // The frames' hashes chained per owner: [0] no CPU and no thread, [1 + c] CPU c, [1 + n + t] thread t.
        long[] owned = new long[1 + n + threads];
        for (long f : m.mem().frameNumbers()) {
            int cpu = ownership.cpuOf(f);
            int thread = ownership.threadOf(f);
            int i = cpu >= 0 ? 1 + cpu : thread >= 0 ? 1 + n + thread : 0;
            owned[i] = Hash64.combine(Hash64.combine(owned[i], f), m.mem().frameHash(f));
        }
        long[] out = new long[n];
        for (int c = 0; c < n; c++) {
            long h = Hash64.combine(Hash64.mix(0x76696577L + c), owned[0]);
            h = Hash64.combine(h, owned[1 + c]);
            CpuState own = m.cpu(c);
            h = Hash64.combine(h, own.regs().contentHash(VIEW_SEED));
            h = Hash64.combine(h, own.vmcs().contentHash(VIEW_SEED));
            h = Hash64.combine(h, own.lapic().hashCode()); // a record of ints and vector bitmaps
            h = Hash64.combine(h, own.mode().ordinal() * 2L + (own.driverEntered() ? 1 : 0));
            for (int d = 0; d < n; d++) {
                h = Hash64.combine(h, m.cpu(d).thread());
            }
            for (int t = 0; t < threads; t++) {
                ThreadState ts = m.threads().get(t);
                h = Hash64.combine(h, ts.status().ordinal() * 64L + ts.lastCpu());
                if (!runsElsewhere(m, t, c)) {
                    h = Hash64.combine(h, owned[1 + n + t]);
                    h = Hash64.combine(h, ts.saved().contentHash(VIEW_SEED));
                    h = s.crossing().threadHash(h, t);
                }
            }
            h = Hash64.combine(h, m.killedDomains());
            h = Hash64.combine(h, m.killIpis());
            h = Hash64.combine(h, java.util.Arrays.hashCode(s.firesLeft()));
            h = Hash64.combine(h, s.caller()[c]);
            h = Hash64.combine(h, s.resume() >>> 8 * c & 0xFF);
            h = Hash64.combine(h, s.deferred() >>> c & 1);
            out[c] = Hash64.mix(h);
        }
        return out;
    }

    private static final long VIEW_SEED = 0x5EED;

    private static boolean runsElsewhere(MachineState m, int thread, int c) {
        for (int d = 0; d < m.cpus().size(); d++) {
            if (d != c && m.cpu(d).thread() == thread) {
                return true;
            }
        }
        return false;
    }

    /** How many distinct views of CPU c ({@link #view}) the expanded states gave. */
    public int views(int c) {
        return views.get(c).size();
    }

    private volatile CpuSymmetry symmetry;
    private volatile String noSymmetry = "no system counted the states up to it";

    /** Counts the states up to the system's CPU symmetry, if it has one (the system's {@code profile} hook). */
    void symmetry(CpuSymmetry.Derivation d) {
        this.symmetry = d.symmetry();
        this.noSymmetry = d.reason();
    }
    /** The smaller fingerprint of each expanded state and its mirror image (with a CPU symmetry). */
    private final java.util.Set<Long> orbits = ConcurrentHashMap.newKeySet();
    private static final long ORBIT_SEED = 0x6f72626974L;

    /**
     * How many of the expanded states are distinct up to the CPU symmetry (docs/MODEL.md, "CPU
     * symmetry"): a state and its mirror image count once; -1 without a symmetry.
     */
    public long orbits() {
        return symmetry == null ? -1 : orbits.size();
    }

    /** Why the system has no CPU symmetry, or null. */
    public String noSymmetry() {
        return noSymmetry;
    }

    /** Why a CPU kept a state from a reduced expansion: its place, the step and the reason, and how often. */
    private final ConcurrentHashMap<String, LongAdder> global = new ConcurrentHashMap<>();
    /** States expanded fully although at least two CPUs could move (the partial-order reduction found no ample set). */
    private final LongAdder full = new LongAdder();

    /** Counts one state expanded fully with at least two CPUs able to move (called before its {@link #recordGlobal}s). */
    void countFullExpansion() {
        full.increment();
    }

    /**
     * Counts, for a state expanded fully, what kept CPU c out of a reduced expansion: the first of its
     * steps ({@code step}, the action's label) that is not CPU-local, and why ({@code why}).
     */
    void recordGlobal(CheckState s, int c, String step, String why) {
        String key = where(s.machine(), c).place() + " — " + step + ": " + why;
        global.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** The states expanded fully although at least two CPUs could move. */
    public long fullExpansions() {
        return full.sum();
    }

    /** What most often kept a CPU out of a reduced expansion, most first, at most {@code n}. */
    public List<Count> topGlobal(int n) {
        return top(global, n);
    }

    /** Counts one expanded state. */
    void record(CheckState s) {
        MachineState m = s.machine();
        long[] v = views(s);
        for (int c = 0; c < v.length; c++) {
            views.get(c).add(v[c]);
        }
        if (symmetry != null) {
            orbits.add(symmetry.orbitFingerprint(s, ORBIT_SEED));
        }
        StringBuilder all = new StringBuilder();
        for (int c = 0; c < m.cpus().size(); c++) {
            Where w = where(m, c);
            places.computeIfAbsent(w.place(), k -> new LongAdder()).increment();
            files.computeIfAbsent(w.file(), k -> new LongAdder()).increment();
            if (c > 0) {
                all.append("  |  ");
            }
            all.append(w.place());
        }
        nestings.computeIfAbsent(nesting(s), k -> new LongAdder()).increment();
        String key = all.toString();
        LongAdder n = combinations.computeIfAbsent(key, k -> new LongAdder());
        n.increment();
        expanded.increment();
        long met = n.sum();
        if (met >= SAMPLE_AFTER) {
            sample(key, met, s);
        }
    }

    /**
     * Keeps {@code s} among the samples of combination {@code key}, met {@code met} times so far.
     * When {@link #SAMPLED_COMBINATIONS} combinations (or the number given) have samples already,
     * a combination met more often than the least met of them takes its place (tried each time its
     * count doubles), so that the most frequent combinations of a long run have samples, not the
     * first to recur.
     */
    private void sample(String key, long met, CheckState s) {
        List<CheckState> kept = samples.get(key);
        if (kept == null) {
            if (samples.size() >= sampledCombinations && (Long.bitCount(met) != 1 || !evictLessMetThan(met))) {
                return;
            }
            kept = samples.computeIfAbsent(key, k -> new ArrayList<>());
        }
        synchronized (kept) {
            if (kept.size() < SAMPLES) {
                kept.add(s);
            }
        }
    }

    /** Drops the samples of the least met sampled combination if it was met fewer than {@code met} times. */
    private synchronized boolean evictLessMetThan(long met) {
        if (samples.size() < sampledCombinations) {
            return true;
        }
        String least = null;
        long leastMet = Long.MAX_VALUE;
        for (String k : samples.keySet()) {
            LongAdder c = combinations.get(k);
            long m = c == null ? 0 : c.sum();
            if (m < leastMet) {
                least = k;
                leastMet = m;
            }
        }
        if (least == null || leastMet >= met) {
            return false;
        }
        samples.remove(least);
        return true;
    }

    /**
     * What differs among the states sampled at the most frequent combination that has samples
     * (null when none has: no combination was met {@link #SAMPLE_AFTER} times): for each part
     * (StateDifference), the number of pairs of sampled states that differ in it, most first, at
     * most {@code n} parts. Call after the run.
     */
    public Differences differences(int n) {
        for (Count c : topCombinations(Integer.MAX_VALUE)) {
            List<CheckState> kept = samples.get(c.place());
            if (kept == null || kept.size() < 2) {
                continue;
            }
            Map<String, Long> pairs = new java.util.HashMap<>();
            for (int i = 0; i < kept.size(); i++) {
                for (int j = i + 1; j < kept.size(); j++) {
                    for (String part : StateDifference.of(kept.get(i), kept.get(j), this::liveRegisters)) {
                        pairs.merge(part, 1L, Long::sum);
                    }
                }
            }
            List<Count> parts = new ArrayList<>();
            pairs.forEach((k, v) -> parts.add(new Count(k, v)));
            parts.sort(Comparator.comparingLong(Count::states).reversed().thenComparing(Count::place));
            return new Differences(c.place(), kept.size(), parts.subList(0, Math.min(n, parts.size())));
        }
        return null;
    }

    /** Liveness of each view's code, built when first asked. */
    private final Map<String, RegisterLiveness> liveness = new ConcurrentHashMap<>();

    /**
     * The registers CPU c's code may still read at its instruction in {@code m}: from the liveness
     * of the image of the view it runs under, or the kernel's when the instruction is the kernel's
     * code mapped into that view (the entry text); every register when neither links it.
     */
    int liveRegisters(MachineState m, int c) {
        CpuState cpu = m.cpu(c);
        if (cpu.mode() != CpuMode.RUNNING || cpu.regs().tainted(ArchRegs.T_RIP)) {
            return RegisterLiveness.ALL;
        }
        long rip = cpu.regs().rip();
        int view = machine.viewOf(m, c);
        for (String v : view > 0 ? List.of(system.viewName(view), "kernel") : List.of("kernel")) {
            var image = system.images().get(v);
            if (image != null) {
                RegisterLiveness l = liveness.computeIfAbsent(v, k -> RegisterLiveness.of(image));
                if (l.covers(rip)) {
                    return l.liveAt(rip);
                }
            }
        }
        return RegisterLiveness.ALL;
    }

    /** CPU c's place in {@code m}, e.g. {@code cpu0 t1 kernel entry.s:172 call}. */
    String place(MachineState m, int c) {
        return where(m, c).place();
    }

    /** CPU c's place in {@code m} down to the file: its thread, view and source file, driver control, or its mode. */
    String file(MachineState m, int c) {
        return where(m, c).file();
    }

    /** A CPU's place at two grains: to the instruction ({@code cpu0 t1 kernel entry.s:172 call}) and to the file. */
    private record Where(String place, String file) {}

    private Where where(MachineState m, int c) {
        CpuState cpu = m.cpu(c);
        StringBuilder b = new StringBuilder();
        b.append(cpu.thread() >= 0 ? system.spec().threads().get(cpu.thread()).name() : "-").append(' ');
        String cpuName = "cpu" + c + " ";
        if (cpu.mode() != CpuMode.RUNNING) {
            String w = b.append(cpu.mode().name().toLowerCase()).toString();
            return new Where(cpuName + w, w);
        }
        int view = machine.viewOf(m, c);
        b.append(view >= 0 ? system.viewName(view) : "?").append(' ');
        ArchRegs r = cpu.regs();
        if (r.tainted(ArchRegs.T_RIP)) {
            String w = b.append("driver control (RIP ⊤)").toString();
            return new Where(cpuName + w, w);
        }
        long hpa = machine.hostAddress(m, c, r.rip());
        LvdSystem.CodeAt at = hpa < 0 ? null : system.code().get(hpa);
        if (at == null || at.insn().address() != r.rip()) {
            String w = b.toString();
            return new Where(cpuName + w + "0x" + Long.toHexString(r.rip()), w + "elsewhere");
        }
        String path = at.insn().pos().file();
        b.append(path.substring(path.lastIndexOf('/') + 1));
        String driver = at.driver() ? " (driver code)" : "";
        String file = b + driver;
        b.append(':').append(at.insn().pos().line()).append(' ').append(at.insn().insn().mnemonic().name().toLowerCase());
        return new Where(cpuName + b + driver, file);
    }

    /**
     * What every thread has open in {@code s}'s ghost, outermost first: its gate calls and the events
     * it is handling (vector and the view each interrupted), e.g. {@code t0: calls 1 > 0xef@net > 0x2@kernel}.
     */
    String nesting(CheckState s) {
        StringBuilder b = new StringBuilder();
        CrossingGhost g = s.crossing();
        for (int t = 0; t < system.spec().threads().size(); t++) {
            if (!g.handling(t) && g.topCall(t) == null) {
                continue;
            }
            if (b.length() > 0) {
                b.append("  |  ");
            }
            b.append(system.spec().threads().get(t).name()).append(':');
            b.append(" calls ").append(g.calls(t).length);
            for (CrossingGhost.Handler h : g.handlers(t)) {
                b.append(" > 0x").append(Integer.toHexString(h.vector())).append('@')
                        .append(h.view() >= 0 ? system.viewName(h.view()) : "?");
            }
        }
        return b.length() == 0 ? "nothing open" : b.toString();
    }

    /** The {@code n} source files (per CPU's thread; or driver control, or a mode) counted most. */
    public List<Count> topFiles(int n) {
        return top(files, n);
    }

    /** The {@code n} nestings of open gate calls and handlers counted most. */
    public List<Count> topNestings(int n) {
        return top(nestings, n);
    }

    /** How many states were counted. */
    public long expanded() {
        return expanded.sum();
    }

    /** The CPUs of the profiled system. */
    public int cpus() {
        return views.size();
    }

    /** The {@code n} places counted most, most first (ties by name). */
    public List<Count> topPlaces(int n) {
        return top(places, n);
    }

    /** The {@code n} combinations of all CPUs' places counted most, most first (ties by name). */
    public List<Count> topCombinations(int n) {
        return top(combinations, n);
    }

    private static List<Count> top(Map<String, LongAdder> counts, int n) {
        List<Count> all = new ArrayList<>();
        counts.forEach((k, v) -> all.add(new Count(k, v.sum())));
        all.sort(Comparator.comparingLong(Count::states).reversed().thenComparing(Count::place));
        return all.subList(0, Math.min(n, all.size()));
    }
}
