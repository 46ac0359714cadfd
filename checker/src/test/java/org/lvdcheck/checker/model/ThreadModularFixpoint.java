package org.lvdcheck.checker.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.mem.Hash64;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * A thread-modular fixpoint over the explored system (docs/MODEL.md, "The thread-modular fixpoint,
 * measured"), kept as a measuring instrument beside the interleaving search: not part of
 * {@code check}, and no verdict comes from it.
 *
 * <p>A state is split into a <em>shared part</em> and one <em>own part</em> per CPU. CPU c's own
 * part is its registers, VMCS, LAPIC, mode and driver mark, its CPU frames ({@link FrameOwnership}),
 * and, of the thread running on it, its frames (but the task words every CPU may touch, which are
 * shared), saved registers and ghost, with c's caller, resumption byte and deferred bit. The rest is
 * shared. A <em>view</em> of CPU c is a shared part with an own part of c. The fixpoint stores views
 * per CPU, each with a state that has it (its representative), and closes them under
 * <ul>
 *   <li>CPU c's own steps, taken from the representative of each view of c;</li>
 *   <li>the other CPUs' changes of the shared part: a step of CPU d from a state whose shared part
 *       is g, leading to shared part g', gives every view (g, l) of another CPU c the view (g', l),
 *       built by putting c's own part l into the state the step reached. That is sound when the step
 *       read nothing of c's own part (frame ownership, checked on every step taken) and changed
 *       nothing of it; a step that changes another CPU's own part or sends an IPI ends the run with
 *       an error.</li>
 * </ul>
 * Every step is judged by the system's checks as the interleaving search judges it; the properties
 * a step breaks are candidates (the fixpoint over-approximates the reachable views: a view meets every
 * change another CPU made from its shared part, whether or not the two were reached together).
 * A step one of whose checks cuts leads nowhere, as in the search.
 */
final class ThreadModularFixpoint {
    private final LvdTransitionSystem sys;
    private final FrameOwnership own;
    private final int n;
    private final List<Set<Long>> seen = new ArrayList<>();
    /** Per CPU: shared part -> representatives of its views with that shared part. */
    private final List<Map<Long, List<CheckState>>> reps = new ArrayList<>();
    /** Per CPU: shared part before -> shared part after -> the state one of its steps reached. */
    private final List<Map<Long, Map<Long, CheckState>>> changes = new ArrayList<>();
    private final ArrayDeque<Object[]> work = new ArrayDeque<>();

    /** What the fixpoint stored and found. */
    record Result(boolean complete, long[] views, long steps, long sharedParts, long sharedChanges, long applied,
                  Map<String, String> candidates, List<String> breaches) {}

    private long steps;
    private long applied;
    private long sharedChanges;
    private final Map<String, String> candidates = new TreeMap<>();

    /** Frames taken as one CPU's beyond {@link FrameOwnership}'s (the per-CPU areas, with {@code perCpuAreas}). */
    private final Map<Long, Integer> perCpu = new HashMap<>();
    /** The words every CPU may write: the shared task words, and with {@code perCpuAreas} the stack bitmaps. */
    private final long[] sharedWords;

    ThreadModularFixpoint(LvdTransitionSystem sys) {
        this(sys, false);
    }

    /**
     * With {@code perCpuAreas} each CPU's per-CPU area is its own part but for its LVD stack bitmap
     * words, which another CPU's {@code drop_stack} writes and which are shared (the split the
     * partial-order reduction's operand rule already makes, docs/MODEL.md "Partial-order reduction").
     */
    ThreadModularFixpoint(LvdTransitionSystem sys, boolean perCpuAreas) {
        this.sys = sys;
        this.own = sys.ownership();
        this.n = sys.machine().initial().cpus().size();
        java.util.TreeSet<Long> words = new java.util.TreeSet<>();
        for (long w : own.sharedWords()) {
            words.add(w);
        }
        if (perCpuAreas) {
            var machine = sys.machine();
            var layout = machine.system().layout();
            long size = machine.system().images().get("kernel").symbol("PERCPU_AREA_SIZE").orElseThrow();
            int views = machine.system().views().size();
            for (int c = 0; c < n; c++) {
                long area = layout.percpu()[c];
                for (long g = area & ~0xFFFL; g < area + size + 8L * views; g += PhysMem.FRAME_SIZE) {
                    perCpu.put(machine.hostAddress(machine.initial(), c, g) >>> PhysMem.FRAME_SHIFT, c);
                }
                for (int v = 0; v < views; v++) {
                    words.add(machine.hostAddress(machine.initial(), c, area + size + 8L * v));
                }
            }
        }
        this.sharedWords = words.stream().mapToLong(Long::longValue).toArray();
        for (int c = 0; c < n; c++) {
            seen.add(new HashSet<>());
            reps.add(new HashMap<>());
            changes.add(new HashMap<>());
        }
    }

    private int cpuOf(long frame) {
        Integer c = perCpu.get(frame);
        return c != null ? c : own.cpuOf(frame);
    }

    /** Whether {@code frame} is in CPU c's own part while thread {@code t} (-1: none) runs on it. */
    private boolean ownedBy(long frame, int c, int t) {
        return cpuOf(frame) == c || t >= 0 && own.threadOf(frame) == t;
    }

    /** The key of CPU c's view, from the {@link #parts} of a state. */
    private static long viewKey(long[] parts, int c) {
        return Hash64.mix(Hash64.combine(parts[0], parts[1 + c]) + c);
    }

    /** The CPU thread {@code t} runs on in {@code m}, or -1. */
    private static int runsOn(MachineState m, int t) {
        for (int c = 0; c < m.cpus().size(); c++) {
            if (m.cpu(c).thread() == t) {
                return c;
            }
        }
        return -1;
    }

    /** The hashes of {@code s}'s parts: [0] the shared part, [1 + c] CPU c's own part. */
    long[] parts(CheckState s) {
        MachineState m = s.machine();
        int threads = m.threads().size();
        long[] h = new long[1 + n];
        for (int i = 0; i <= n; i++) {
            h[i] = Hash64.mix(0x7461L + i);
        }
        int[] on = new int[threads];
        for (int t = 0; t < threads; t++) {
            on[t] = runsOn(m, t);
        }
        for (long f : m.mem().frameNumbers()) {
            int c = cpuOf(f);
            int t = own.threadOf(f);
            int i = c >= 0 ? 1 + c : t >= 0 && on[t] >= 0 ? 1 + on[t] : 0;
            h[i] = Hash64.combine(Hash64.combine(h[i], f), m.mem().frameHash(f));
        }
        for (long w : sharedWords) {
            h[0] = Hash64.combine(h[0], word(m.mem(), w));
        }
        for (int c = 0; c < n; c++) {
            CpuState cs = m.cpu(c);
            h[0] = Hash64.combine(h[0], cs.thread());
            long x = h[1 + c];
            x = Hash64.combine(x, cs.regs().contentHash(5));
            x = Hash64.combine(x, cs.vmcs().contentHash(5));
            x = Hash64.combine(x, cs.lapic().hashCode());
            x = Hash64.combine(x, cs.mode().ordinal() * 2L + (cs.driverEntered() ? 1 : 0));
            x = Hash64.combine(x, s.caller()[c]);
            x = Hash64.combine(x, s.resume() >>> 8 * c & 0xFF);
            h[1 + c] = Hash64.combine(x, s.deferred() >>> c & 1);
        }
        for (int t = 0; t < threads; t++) {
            ThreadState ts = m.threads().get(t);
            h[0] = Hash64.combine(h[0], ts.status().ordinal() * 64L + ts.lastCpu());
            int i = on[t] >= 0 ? 1 + on[t] : 0;
            h[i] = Hash64.combine(Hash64.combine(h[i], ts.saved().contentHash(5)), t);
            h[i] = s.crossing().threadHash(h[i], t);
        }
        h[0] = Hash64.combine(h[0], m.killedDomains());
        h[0] = Hash64.combine(h[0], m.killIpis());
        h[0] = Hash64.combine(h[0], java.util.Arrays.hashCode(s.firesLeft()));
        for (int i = 0; i <= n; i++) {
            h[i] = Hash64.mix(h[i]);
        }
        return h;
    }

    /** One word of memory with its state: absent, without a value, ⊤, or its value. */
    private static long word(PhysMem mem, long hpa) {
        if (mem.positionOf(hpa >>> PhysMem.FRAME_SHIFT) < 0) {
            return 1;
        }
        if (mem.isDead(hpa, 8)) {
            return 2;
        }
        return Hash64.combine(mem.read(hpa, 8), mem.isTainted(hpa, 8) ? 3 : 4);
    }

    /** {@code base} with CPU c's own part as {@code from} holds it (the two have the same shared part). */
    CheckState merge(CheckState base, CheckState from, int c) {
        MachineState b = base.machine();
        MachineState f = from.machine();
        int t = f.cpu(c).thread();
        PhysMem mem = b.mem().merged(f.mem(), fr -> ownedBy(fr, c, t));
        // The shared words in the frames taken from `from` stay as base has them.
        PhysMem.Editor e = null;
        for (long w : sharedWords) {
            long fr = w >>> PhysMem.FRAME_SHIFT;
            if (!ownedBy(fr, c, t) || mem.positionOf(fr) < 0 || b.mem().positionOf(fr) < 0) {
                continue;
            }
            e = e == null ? mem.edit() : e;
            if (b.mem().isDead(w, 8)) {
                e.forget(w, 8);
            } else {
                e.write(w, 8, b.mem().read(w, 8), b.mem().isTainted(w, 8));
            }
        }
        mem = e == null ? mem : e.freeze();
        MachineState m = b.withMem(mem).withCpu(c, f.cpu(c));
        CrossingGhost g = base.crossing();
        if (t >= 0) {
            m = m.withThread(t, f.threads().get(t));
            g = g.withThreadOf(from.crossing(), t);
        }
        int[] caller = base.caller().clone();
        caller[c] = from.caller()[c];
        long resume = base.resume() & ~(0xFFL << 8 * c) | from.resume() & 0xFFL << 8 * c;
        int deferred = base.deferred() & ~(1 << c) | from.deferred() & 1 << c;
        return sys.compact(new CheckState(m, base.firesLeft(), caller, g, deferred, resume));
    }

    /** Whether CPU d's own part is the same in a and b, the shared task words aside. */
    boolean ownPartSame(CheckState a, CheckState b, int d) {
        MachineState x = a.machine();
        MachineState y = b.machine();
        if (!x.cpu(d).equals(y.cpu(d)) || a.caller()[d] != b.caller()[d]
                || (a.resume() >>> 8 * d & 0xFF) != (b.resume() >>> 8 * d & 0xFF)
                || (a.deferred() >>> d & 1) != (b.deferred() >>> d & 1)) {
            return false;
        }
        int t = x.cpu(d).thread();
        if (t >= 0 && (!x.threads().get(t).saved().equals(y.threads().get(t).saved())
                || a.crossing().threadHash(0, t) != b.crossing().threadHash(0, t))) {
            return false;
        }
        java.util.TreeSet<Long> frames = new java.util.TreeSet<>();
        for (PhysMem mem : List.of(x.mem(), y.mem())) {
            for (long f : mem.frameNumbers()) {
                if (ownedBy(f, d, t)) {
                    frames.add(f);
                }
            }
        }
        for (long f : frames) {
            if (y.mem().sameFrame(x.mem(), f)) {
                continue;
            }
            if (x.mem().positionOf(f) < 0 || y.mem().positionOf(f) < 0) {
                return false;
            }
            long[] offsets = java.util.Arrays.stream(sharedWords).filter(w -> w >>> PhysMem.FRAME_SHIFT == f)
                    .map(w -> w & 0xFFF).toArray();
            if (offsets.length == 0 ? x.mem().frameHash(f) != y.mem().frameHash(f)
                    : y.mem().changedOutside(x.mem(), f, offsets)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the fixpoint holds CPU c's view of {@code s}. */
    boolean hasView(CheckState s, int c) {
        long[] p = parts(s);
        return seen.get(c).contains(viewKey(p, c));
    }

    private void add(CheckState s) {
        long[] p = parts(s);
        for (int c = 0; c < n; c++) {
            if (!seen.get(c).add(viewKey(p, c))) {
                continue;
            }
            reps.get(c).computeIfAbsent(p[0], k -> new ArrayList<>()).add(s);
            work.add(new Object[] {c, s, p});
            for (int d = 0; d < n; d++) {
                if (d == c) {
                    continue;
                }
                Map<Long, CheckState> ch = changes.get(d).get(p[0]);
                if (ch != null) {
                    for (CheckState t : new ArrayList<>(ch.values())) {
                        applied++;
                        add(merge(t, s, c));
                    }
                }
            }
        }
    }

    private void after(LvdTransitionSystem.Taken t) {
        boolean cut = false;
        for (Violation v : t.violations()) {
            candidates.putIfAbsent(v.property(), v.evidence());
            cut |= sys.cuts(v);
        }
        if (!cut) {
            add(sys.compact(t.target()));
        }
    }

    /**
     * The shared parts holding the most views, each with its views per CPU and what it is: each
     * thread's status and CPU, the shared words (the task words a kill reads and writes), the killed
     * domains. For the measurement's report.
     */
    List<String> crowdedSharedParts(int top) {
        Map<Long, long[]> counts = new HashMap<>();
        Map<Long, CheckState> any = new HashMap<>();
        for (int c = 0; c < n; c++) {
            for (var e : reps.get(c).entrySet()) {
                counts.computeIfAbsent(e.getKey(), k -> new long[n])[c] = e.getValue().size();
                any.putIfAbsent(e.getKey(), e.getValue().get(0));
            }
        }
        List<Long> order = new ArrayList<>(counts.keySet());
        order.sort((a, b) -> Long.compare(java.util.Arrays.stream(counts.get(b)).sum(),
                java.util.Arrays.stream(counts.get(a)).sum()));
        List<String> out = new ArrayList<>();
        for (long g : order.subList(0, Math.min(top, order.size()))) {
            MachineState m = any.get(g).machine();
            StringBuilder b = new StringBuilder(java.util.Arrays.toString(counts.get(g))).append(':');
            for (int t = 0; t < m.threads().size(); t++) {
                b.append(" t").append(t).append(' ').append(m.threads().get(t).status()).append("@cpu").append(runsOn(m, t));
            }
            b.append(" words");
            for (long w : sharedWords) {
                b.append(' ').append(Long.toHexString(word(m.mem(), w)));
            }
            b.append(" killed ").append(Long.toBinaryString(m.killedDomains()));
            out.add(b.toString());
        }
        return out;
    }

    /** Runs the fixpoint until it closes or {@code seconds} pass. */
    Result run(long seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        CheckState initial = sys.initialState();
        boolean cut = false;
        for (Violation v : sys.checkInitial(initial)) {
            candidates.putIfAbsent(v.property(), v.evidence());
            cut |= sys.cuts(v);
        }
        if (!cut) {
            add(sys.compact(initial));
        }
        while (!work.isEmpty() && System.nanoTime() < deadline) {
            Object[] item = work.poll();
            int c = (Integer) item[0];
            CheckState s = (CheckState) item[1];
            long[] parts = (long[]) item[2];
            for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
                if (ch.action().cpu() == c) {
                    step(c, s, parts, ch);
                }
            }
        }
        long[] views = seen.stream().mapToLong(Set::size).toArray();
        return new Result(work.isEmpty(), views, steps, reps.get(0).size(), sharedChanges, applied, candidates,
                sys.ownership().breaches());
    }

    private void step(int c, CheckState s, long[] before, LvdTransitionSystem.Choice ch) {
        long shared = before[0];
        steps++;
        LvdTransitionSystem.Taken t = sys.take(s, ch);
        boolean cut = t.violations().stream().anyMatch(sys::cuts);
        // A CPU-local step (docs/MODEL.md, "Partial-order reduction") may still write its CPU's
        // per-CPU area, which is shared here (another CPU writes its stack bitmap): every step is judged.
        if (!cut) {
            long[] parts = parts(t.target());
            boolean othersSame = true;
            for (int d = 0; d < n; d++) {
                othersSame &= d == c || parts[1 + d] == before[1 + d] || ownPartSame(s, t.target(), d);
            }
            boolean ipi = t.step().events().stream()
                    .anyMatch(e -> e instanceof Event.Primitive p && p.name().equals("lapic: ipi"));
            if (!othersSame || ipi) {
                // What such a step does to another CPU's own part may depend on that part: the
                // fixpoint would have to take it again for every view it meets. None of the specs it
                // measures has one (a kill changes only shared words); say so rather than guess.
                throw new IllegalStateException("cpu" + c + "'s step " + ch.label()
                        + " changes another CPU's own part, which this fixpoint does not model");
            }
            long after = parts[0];
            CheckState target = sys.compact(t.target());
            if (after != shared && changes.get(c).computeIfAbsent(shared, k -> new HashMap<>())
                    .putIfAbsent(after, target) == null) {
                sharedChanges++;
                for (int d = 0; d < n; d++) {
                    List<CheckState> ws = d == c ? null : reps.get(d).get(shared);
                    for (CheckState w : ws == null ? List.<CheckState>of() : new ArrayList<>(ws)) {
                        applied++;
                        add(merge(target, w, d));
                    }
                }
            }
        }
        after(t);
    }

    /**
     * Measures lvd-hardened's default workload (or the spec named first) for the seconds named second;
     * a third argument {@code per-cpu-areas} splits the per-CPU areas off the shared part.
     */
    public static void main(String[] args) throws Exception {
        var loaded = org.lvdcheck.spec.lvd.SpecLoader.load(args.length > 0 ? args[0] : "lvd-hardened");
        LvdTransitionSystem sys = org.lvdcheck.checker.trace.Replay.system(loaded, true);
        long start = System.nanoTime();
        boolean perCpuAreas = args.length > 2 && args[2].equals("per-cpu-areas");
        ThreadModularFixpoint fixpoint = new ThreadModularFixpoint(sys, perCpuAreas);
        Result r = fixpoint.run(args.length > 1 ? Long.parseLong(args[1]) : 600);
        System.out.printf("%s in %.1f s: views per CPU %s, %,d steps, %,d shared parts, %,d changes of them, %,d views "
                        + "moved to a changed shared part; candidates %s; ownership breaches %s%n",
                r.complete() ? "closed" : "stopped", (System.nanoTime() - start) / 1e9,
                java.util.Arrays.toString(r.views()), r.steps(), r.sharedParts(), r.sharedChanges(), r.applied(),
                r.candidates().keySet(), r.breaches());
        System.out.println("the shared parts with the most views (views per CPU: each thread's status and CPU; the "
                + "shared words, 1 absent, 2 without a value, else a hash of value and label; the killed domains):");
        fixpoint.crowdedSharedParts(15).forEach(System.out::println);
    }
}
