package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.irq.Lapic;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.TargetOp;

/**
 * A measuring instrument for the vector-class merge (docs/MODEL.md, "Vector classes"), not part of
 * {@code check}: from states where one CPU is offered both vectors of a class whose gates and code
 * {@link VectorClasses} found the same, and no thread can be switched in, it runs the two arrivals'
 * handler runs side by side, one CPU step at a time on each, and compares them.
 *
 * <p>At each pair of states it requires that the second run is an image of the first: the CPU stands
 * at the same address or at a pair of addresses the static walk paired; its local APIC differs at
 * most in which of the two vectors is in service; the other CPUs, the thread table, the kill state
 * and everything else are equal; what may differ are the CPU's general-purpose registers, memory
 * words and the ghost's record of the handler (the places that carry the vector). Each pair of steps
 * must be offered with the same choices and break the same properties. A run ends well when the two
 * states become equal (after the IRETQ) or both steps break the same properties (the search cuts
 * there); anything else is a divergence, reported with the place. It also counts the steps of the
 * first run that read a carrier (an instruction whose registers or memory accesses meet a place that
 * differs, or a kernel primitive or any other step while some place differs): those a checked merge
 * would run twice.
 */
final class VectorImageRuns {
    private final LvdTransitionSystem sys;
    private final VectorClasses.Comparison cls;
    private final Map<Long, org.lvdcheck.emulator.lxd.LvdSystem.CodeAt> code = new java.util.HashMap<>();

    /** What the runs found. */
    record Report(int arrivals, int converged, int cutAlike, long stepsA, long stepsB, long carrierReads,
                  Map<String, Integer> carriers, Map<String, Integer> readers, List<String> divergences) {}

    private int arrivals;
    private int converged;
    private int cutAlike;
    private long stepsA;
    private long stepsB;
    private long carrierReads;
    private final Map<String, Integer> carriers = new TreeMap<>();
    private final Map<String, Integer> readers = new TreeMap<>();
    private final List<String> divergences = new ArrayList<>();

    VectorImageRuns(LvdTransitionSystem sys) {
        this.sys = sys;
        List<VectorClasses.Comparison> cs = VectorClasses.ofSources(sys.machine().system());
        if (cs.size() != 1 || !cs.get(0).same()) {
            throw new IllegalArgumentException("the spec has no pair of source vectors with the same gate and code");
        }
        this.cls = cs.get(0);
        for (var at : sys.machine().system().code().values()) {
            if (at.view().equals("kernel")) {
                code.put(at.insn().address(), at);
            }
        }
    }

    /**
     * A breadth-first walk over every choice (no reduction) from the initial state, of at most
     * {@code maxStates} states, comparing the two arrivals' runs at every state where both are offered
     * to a CPU and no thread can be switched in, until {@code maxArrivals} arrivals.
     */
    Report run(int maxStates, int maxArrivals) {
        Set<Long> seen = new HashSet<>();
        java.util.ArrayDeque<CheckState> queue = new java.util.ArrayDeque<>();
        CheckState init = sys.initialState();
        seen.add(sys.fingerprint(init, 0));
        queue.add(init);
        while (!queue.isEmpty() && arrivals < maxArrivals) {
            CheckState s = queue.poll();
            List<LvdTransitionSystem.Choice> chs = sys.choices(s);
            for (int c = 0; c < s.machine().cpus().size() && arrivals < maxArrivals; c++) {
                LvdTransitionSystem.Choice a = arrival(chs, c, cls.a().number());
                LvdTransitionSystem.Choice b = arrival(chs, c, cls.b().number());
                if (a != null && b != null && CpuLocality.noThreadCanBeSwitchedIn(s.machine())) {
                    compare(s, c, a, b);
                }
            }
            for (LvdTransitionSystem.Choice ch : chs) {
                LvdTransitionSystem.Taken t;
                try {
                    t = sys.take(s, ch);
                } catch (DeadStacks.Forgotten f) {
                    continue; // the walk's own step read a forgotten byte: not followed
                }
                if (t.violations().isEmpty() && seen.size() < maxStates && seen.add(sys.fingerprint(t.target(), 0))) {
                    queue.add(t.target());
                }
            }
        }
        return new Report(arrivals, converged, cutAlike, stepsA, stepsB, carrierReads, carriers, readers, divergences);
    }

    private static LvdTransitionSystem.Choice arrival(List<LvdTransitionSystem.Choice> chs, int c, int vector) {
        for (LvdTransitionSystem.Choice ch : chs) {
            if (ch.action() instanceof Action.Interrupt i && i.cpu() == c && i.vector() == vector) {
                return ch;
            }
        }
        return null;
    }

    private void compare(CheckState s, int c, LvdTransitionSystem.Choice chA, LvdTransitionSystem.Choice chB) {
        arrivals++;
        CheckState x = sys.take(s, chA).target();
        CheckState y = sys.take(s, chB).target();
        // Through the entry stubs: until the two CPUs stand at a walked pair of addresses.
        for (int k = 0; k < 8 && !paired(x, y, c); k++) {
            if (!paired(step1(x, c), y, c) && k < 4) {
                y = step1(y, c);
                stepsB++;
            } else {
                x = step1(x, c);
                stepsA++;
            }
            if (x == null || y == null) {
                divergences.add("a stub step broke a property or was not offered");
                return;
            }
        }
        if (!paired(x, y, c)) {
            divergences.add(String.format("the stubs do not end at a walked pair: %x and %x", rip(x, c), rip(y, c)));
            return;
        }
        for (int n = 0; n < 5_000; n++) {
            if (x.machine().equals(y.machine()) && x.crossing().equals(y.crossing())
                    && java.util.Arrays.equals(x.caller(), y.caller())) {
                converged++;
                return;
            }
            Set<String> diff = new TreeSet<>();
            long[] words = differences(x, y, c, diff);
            if (words == null) {
                divergences.add("at " + where(x, c) + " and " + where(y, c) + ": " + diff);
                return;
            }
            for (String d : diff) {
                carriers.merge(d, 1, Integer::sum);
            }
            // A JMP on one path only is passed over there.
            boolean jx = directJump(x, c);
            boolean jy = directJump(y, c);
            if (jx != jy) {
                if (jx) {
                    x = step1(x, c);
                    stepsA++;
                } else {
                    y = step1(y, c);
                    stepsB++;
                }
                if (x == null || y == null) {
                    divergences.add("a passed-over JMP broke a property");
                    return;
                }
                continue;
            }
            List<LvdTransitionSystem.Choice> cx = local(sys.choices(x), c);
            List<LvdTransitionSystem.Choice> cy = local(sys.choices(y), c);
            if (!labels(cx).equals(labels(cy)) || cx.isEmpty()) {
                divergences.add("different choices at " + where(x, c) + ": " + labels(cx) + " and " + labels(cy));
                return;
            }
            // The first choice on both (the instruction, or the same branch outcome or arrival).
            LvdTransitionSystem.Taken tx;
            LvdTransitionSystem.Taken ty;
            try {
                tx = sys.take(x, cx.get(0));
                ty = sys.take(y, cy.get(0));
            } catch (DeadStacks.Forgotten f) {
                divergences.add("a step at " + where(x, c) + " read a byte the dead-stack reduction forgot");
                return;
            }
            stepsA++;
            stepsB++;
            String read = readsCarrier(tx, c, diff, words);
            if (read != null) {
                carrierReads++;
                readers.merge(read + " at " + where(x, c), 1, Integer::sum);
            }
            Set<String> vx = properties(tx.violations());
            Set<String> vy = properties(ty.violations());
            if (!vx.equals(vy)) {
                divergences.add("different violations at " + where(x, c) + ": " + vx + " and " + vy);
                return;
            }
            if (!vx.isEmpty()) {
                cutAlike++;
                return;
            }
            x = tx.target();
            y = ty.target();
        }
        divergences.add("no end after 5,000 steps at " + where(x, c));
    }

    /** CPU c's one instruction step from {@code s}, or null when it is not offered or breaks a property. */
    private CheckState step1(CheckState s, int c) {
        for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
            if (ch.action().cpu() == c && ch.action() instanceof Action.Execute) {
                LvdTransitionSystem.Taken t = sys.take(s, ch);
                return t.violations().isEmpty() ? t.target() : null;
            }
        }
        return null;
    }

    private boolean paired(CheckState x, CheckState y, int c) {
        long a = rip(x, c);
        long b = rip(y, c);
        return a == b || cls.pairs().contains(List.of(a, b));
    }

    private static long rip(CheckState s, int c) {
        return s.machine().cpu(c).regs().rip();
    }

    private String where(CheckState s, int c) {
        long r = rip(s, c);
        var at = code.get(r);
        return String.format("%x", r) + (at == null ? "" : " (" + at.insn().pos().file() + ":" + at.insn().pos().line()
                + ")");
    }

    private boolean directJump(CheckState s, int c) {
        var at = code.get(rip(s, c));
        if (at == null) {
            return false;
        }
        return VectorClasses.directJump(at.insn().insn());
    }

    private static List<LvdTransitionSystem.Choice> local(List<LvdTransitionSystem.Choice> chs, int c) {
        List<LvdTransitionSystem.Choice> out = new ArrayList<>();
        for (LvdTransitionSystem.Choice ch : chs) {
            if (ch.action().cpu() == c) {
                out.add(ch);
            }
        }
        return out;
    }

    private static List<String> labels(List<LvdTransitionSystem.Choice> chs) {
        return chs.stream().map(LvdTransitionSystem.Choice::label).toList();
    }

    private static Set<String> properties(List<Violation> vs) {
        Set<String> out = new TreeSet<>();
        for (Violation v : vs) {
            out.add(v.property());
        }
        return out;
    }

    /**
     * Where x and y differ, named into {@code diff}; the differing memory words' host addresses, or
     * null when they differ in something no carrier of the vector may be (named in {@code diff}).
     */
    private long[] differences(CheckState x, CheckState y, int c, Set<String> diff) {
        MachineState p = x.machine();
        MachineState q = y.machine();
        boolean bad = false;
        for (int d = 0; d < p.cpus().size(); d++) {
            if (d != c && !p.cpu(d).equals(q.cpu(d))) {
                diff.add("cpu" + d);
                bad = true;
            }
        }
        var rp = p.cpu(c).regs();
        var rq = q.cpu(c).regs();
        for (int g = 0; g < 16; g++) {
            if (rp.gpr(g) != rq.gpr(g) || rp.gprTainted(g) != rq.gprTainted(g)) {
                diff.add("gpr " + g);
            }
        }
        if (rp.rip() != rq.rip()) {
            boolean paired = cls.pairs().contains(List.of(rp.rip(), rq.rip()));
            diff.add(paired ? "rip (paired)" : "rip (not a walked pair)");
            bad |= !paired;
        }
        ArchRegs same = rq;
        for (int g = 0; g < 16; g++) {
            same = same.withGpr(g, rp.gpr(g)).withTaint(ArchRegs.tGpr(g), rp.gprTainted(g));
        }
        same = same.withRip(rp.rip());
        long status = ArchRegs.STATUS_FLAGS;
        if ((rp.rflags() & status) != (rq.rflags() & status) || rp.tainted(ArchRegs.T_FLAGS) != rq.tainted(ArchRegs.T_FLAGS)) {
            diff.add("status flags");
            same = same.withRflags((rq.rflags() & ~status) | (rp.rflags() & status))
                    .withTaint(ArchRegs.T_FLAGS, rp.tainted(ArchRegs.T_FLAGS));
        }
        if (!same.equals(rp)) {
            diff.add("other registers");
            bad = true;
        }
        var cp = p.cpu(c);
        var cq = q.cpu(c);
        if (!cp.vmcs().equals(cq.vmcs()) || cp.mode() != cq.mode() || cp.thread() != cq.thread()
                || cp.driverEntered() != cq.driverEntered()) {
            diff.add("vmcs, mode or thread");
            bad = true;
        }
        if (!cp.lapic().equals(cq.lapic())) {
            Lapic a = cp.lapic();
            Lapic b = cq.lapic();
            int va = cls.a().number();
            int vb = cls.b().number();
            boolean swap = a.isr().contains(va) && !a.isr().contains(vb) && b.isr().contains(vb) && !b.isr().contains(va)
                    && a.isr().without(va).equals(b.isr().without(vb)) && a.irr().equals(b.irr())
                    && a.tpr() == b.tpr() && a.nmiPending() == b.nmiPending();
            diff.add(swap ? "in-service vector" : "lapic");
            bad |= !swap;
        }
        if (!p.threads().equals(q.threads()) || p.killedDomains() != q.killedDomains() || p.killIpis() != q.killIpis()
                || !java.util.Arrays.equals(x.firesLeft(), y.firesLeft())
                || !java.util.Arrays.equals(x.caller(), y.caller()) || x.deferred() != y.deferred()
                || x.resume() != y.resume()) {
            diff.add("threads, kills, budget or check state");
            bad = true;
        }
        if (!x.crossing().equals(y.crossing())) {
            diff.add("ghost");
        }
        List<Long> words = new ArrayList<>();
        PhysMem mx = p.mem();
        PhysMem my = q.mem();
        if (!java.util.Arrays.equals(mx.frameNumbers(), my.frameNumbers())) {
            diff.add("frames allocated");
            bad = true;
        } else {
            for (long f : mx.frameNumbers()) {
                if (mx.frameHash(f) != my.frameHash(f)) {
                    for (int o = 0; o < 4096; o += 8) {
                        long h = (f << 12) + o;
                        boolean dx = mx.isDead(h, 8);
                        boolean dy = my.isDead(h, 8);
                        if (dx != dy || !dx && (mx.read(h, 8) != my.read(h, 8) || mx.isTainted(h, 8) != my.isTainted(h, 8))) {
                            words.add(h);
                        }
                    }
                    diff.add("memory words");
                }
            }
        }
        return bad ? null : words.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Why step {@code t} of CPU c would have to be run again on the image state, or null: while some
     * place differs, any step but an instruction (an arrival, an exit), a call of a kernel primitive
     * (its reads are not listed), an instruction that reads a differing register, reads or writes
     * part of a differing memory word, or, while the status flags differ, reads them or writes only
     * some. An instruction that overwrites a differing word or register whole, or sets all six status
     * flags, needs no second run: the two runs hold the same there afterwards.
     */
    private String readsCarrier(LvdTransitionSystem.Taken t, int c, Set<String> diff, long[] words) {
        if (diff.isEmpty()) {
            return null;
        }
        Instruction insn = null;
        String primitive = null;
        long[] accesses = new long[0];
        for (Event e : t.step().events()) {
            if (e instanceof Event.Executed ex && ex.insn() != null) {
                insn = ex.insn().insn();
            } else if (e instanceof Event.Primitive pr) {
                primitive = pr.name();
            } else if (e instanceof Event.Accessed a) {
                accesses = a.accesses();
            }
        }
        if (primitive != null) {
            return "primitive " + primitive;
        }
        if (insn == null) {
            return t.choice().label();
        }
        if (insn.mnemonic() == Mnemonic.CALL && insn.operand(0) instanceof TargetOp to
                && sys.machine().system().primitives().containsKey(to.address())) {
            // A call of a kernel primitive runs it in the same step; its reads are not listed.
            return "primitive " + sys.machine().system().primitives().get(to.address()).name();
        }
        if (diff.contains("status flags") && !LvdTransitionSystem.FLAGS_WHOLE.contains(insn.mnemonic())
                && !LvdTransitionSystem.FLAGS_UNTOUCHED.contains(insn.mnemonic())) {
            return insn.mnemonic() + " reads or keeps some of the status flags";
        }
        int uses = RegisterLiveness.useDef(insn)[0];
        for (int g = 0; g < 16; g++) {
            if ((uses & (1 << g)) != 0 && diff.contains("gpr " + g)) {
                return insn.mnemonic() + " reads gpr " + g;
            }
        }
        for (long acc : accesses) {
            long lo = Event.Accessed.hpa(acc);
            long hi = lo + Event.Accessed.size(acc);
            for (long w : words) {
                boolean overwritten = Event.Accessed.write(acc) && lo <= w && w + 8 <= hi;
                if (lo < w + 8 && w < hi && !overwritten) {
                    return insn.mnemonic() + (Event.Accessed.write(acc) ? " writes part of" : " reads") + " a differing word";
                }
            }
        }
        return null;
    }

    /**
     * With the merge in use, a breadth-first walk over every choice of at most {@code states} states;
     * prints how many steps with an image carried it through and how many ran it ({@code check
     * --vector-classes}'s steps carried through, docs/MODEL.md).
     */
    static void carried(LvdTransitionSystem sys, int states) {
        sys.useVectorClasses();
        Set<Long> seen = new HashSet<>();
        java.util.ArrayDeque<CheckState> queue = new java.util.ArrayDeque<>();
        queue.add(sys.initialState());
        while (!queue.isEmpty() && seen.size() < states) {
            CheckState s = queue.poll();
            for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
                LvdTransitionSystem.Taken t = sys.take(s, ch);
                if (t.violations().isEmpty() && seen.add(sys.fingerprint(t.target(), 0))) {
                    queue.add(t.target());
                }
            }
        }
        long[] st = sys.imageSteps();
        System.out.println("steps with an image: " + st[0] + " carried it through, " + st[1] + " ran it; breaches "
                + sys.imageBreaches());
    }

    /** {@code SPEC STATES ARRIVALS}: prints the report; {@code SPEC carried STATES}: {@link #carried}. */
    public static void main(String[] args) throws Exception {
        var loaded = org.lvdcheck.spec.lvd.SpecLoader.load(args[0]);
        LvdTransitionSystem sys = org.lvdcheck.checker.trace.Replay.system(loaded, true);
        if (args[1].equals("carried")) {
            carried(sys, Integer.parseInt(args[2]));
            return;
        }
        long t0 = System.nanoTime();
        Report r = new VectorImageRuns(sys).run(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        System.out.printf("%d arrivals: %d converged, %d cut alike; steps %d and %d; steps of the first run reading a "
                + "carrier %d; %.1f s%n", r.arrivals(), r.converged(), r.cutAlike(), r.stepsA(), r.stepsB(),
                r.carrierReads(), (System.nanoTime() - t0) / 1e9);
        System.out.println("carriers (pairs of states differing there): " + r.carriers());
        r.readers().forEach((k, v) -> System.out.println("read " + v + ": " + k));
        r.divergences().stream().limit(20).forEach(d -> System.out.println("divergence: " + d));
        System.out.println(r.divergences().size() + " divergences");
    }
}
