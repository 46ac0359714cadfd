package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.spec.asm.PlacedInstruction;

/**
 * Hard lockups, which AVAIL judges (docs/PROPERTIES.md, AVAIL): a CPU that spins for ever under the
 * kernel's view with interrupts off. Nothing can end such a spin: no maskable interrupt arrives, an
 * NMI's handler returns into it, the hypervisor's kill IPI leaves a CPU outside the killed domain
 * where it was, and the CPU reads only what is its own, so no other CPU's step changes its course.
 * A driver that hogs its own CPU in its own code ({@code cli; jmp .}) is not one: it runs under its
 * domain's view, where a kill ends it (DESIGN.md §4 leaves that case out of AVAIL).
 *
 * <p>The test runs after a step of CPU c that moves RIP backwards (every loop has such a step) in
 * trusted code under the kernel's view with IF clear. From the state it reaches, the CPU is run
 * alone for at most {@link #MAX_STEPS} steps while each is forced and harmless: c's only choice
 * other than an interrupt a source may still fire is its next instruction (no decision on ⊤, no
 * pending arrival, no kill IPI, no driver move), the step is CPU-local ({@link CpuLocality}: it reads
 * and writes only what c owns, so it commutes with every step of every other CPU), it breaks no
 * property, and it leaves c under the kernel's view, in trusted code, with IF clear. When the run
 * comes back to a state it passed (Brent's cycle detection on whole states, which only c changes),
 * c spins for ever: the path that repeats the cycle is one the explored system has, firing nothing
 * more, and interleaving other CPUs' steps changes nothing c reads.
 */
final class HardLockup {
    /**
     * The longest forced run tried from one backward step. A run that neither repeats nor ends within it
     * is recorded as undecided ({@link #undecided()}), which withholds AVAIL's "holds".
     */
    static final int MAX_STEPS = 4096;
    /** Distinct undecided runs kept for the report (one is enough to withhold AVAIL's "holds"). */
    private static final int MAX_UNDECIDED = 20;
    private final LvdTransitionSystem sys;
    private final Machine machine;
    private final ConcurrentSkipListSet<String> undecided = new ConcurrentSkipListSet<>();
    /**
     * For states (fingerprinted per CPU) a forced run passed on its way out of the loop: how many forced
     * steps the run from each takes before it leaves. A later run that reaches one of them knows its own
     * length without stepping on, and gets the answer a run to the end would give, whatever order the
     * workers met the states in. Cleared when it holds {@link #MAX_KNOWN}.
     */
    private final java.util.concurrent.ConcurrentHashMap<Long, Integer> exitIn = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_KNOWN = 1 << 18;
    private static final long SEED = 0x6c6f636b7570L;

    HardLockup(LvdTransitionSystem sys) {
        this.sys = sys;
        this.machine = sys.machine();
    }

    /**
     * The evidence that CPU c, whose step {@code t} from {@code s} was a backward transfer in trusted
     * code, then spins for ever; null when the step is not such a transfer or no cycle is found.
     */
    String after(CheckState s, LvdTransitionSystem.Taken t) {
        Action a = t.choice().action();
        int c = a.cpu();
        if (!(a instanceof Action.Execute || a instanceof Action.Branch) || !t.violations().isEmpty()) {
            return null;
        }
        ArchRegs before = s.machine().cpu(c).regs();
        CheckState n = t.target();
        ArchRegs after = n.machine().cpu(c).regs();
        if (before.tainted(ArchRegs.T_RIP) || Long.compareUnsigned(after.rip(), before.rip()) > 0
                || machine.viewOf(s.machine(), c) != 0 || machine.inDriverCode(s.machine(), c)
                || !spinCandidate(n, c)) {
            return null;
        }
        // Brent: the tortoise waits at powers of two, the hare steps; they meet within one cycle's length.
        // passed.get(i) is the key of the i-th state of the run (n is the 0th).
        List<Long> passed = new ArrayList<>();
        passed.add(key(n, c));
        CheckState tortoise = n;
        CheckState hare = n;
        int power = 1;
        int length = 0;
        while (true) {
            Integer rest = exitIn.get(passed.get(passed.size() - 1));
            CheckState next = rest == null ? forced(hare, c) : null;
            if (next == null) {
                leaves(passed, passed.size() - 1 + (rest == null ? 0 : rest), c, after.rip());
                return null;
            }
            if (passed.size() > MAX_STEPS) {
                undecided(c, after.rip());
                return null;
            }
            hare = next;
            length++;
            if (hare.equals(tortoise)) {
                break;
            }
            passed.add(key(hare, c));
            if (power == length) {
                tortoise = hare;
                power *= 2;
                length = 0;
            }
        }
        Set<String> lines = new LinkedHashSet<>();
        CheckState at = hare;
        for (int i = 0; i < length; i++) {
            LvdTransitionSystem.Taken step = sys.take(at, onlyChoice(at, c), false);
            for (Event e : step.step().events()) {
                if (e instanceof Event.Executed x && x.insn() != null) {
                    lines.add(where(x.insn()));
                }
            }
            at = step.target();
        }
        return "cpu" + c + " locked up: it spins for ever under the kernel's view with interrupts off, a cycle of "
                + length + (length == 1 ? " step" : " steps") + " through " + String.join(", ", lines)
                + " that reads only this CPU's own state (no interrupt can arrive, and a kill does not end it)";
    }

    private static Long key(CheckState x, int c) {
        return StateFingerprint.of(x, SEED + c);
    }

    /**
     * The run whose states are {@code passed} leaves the loop {@code steps} forced steps after its first
     * state: each state's distance is remembered; a run of {@link #MAX_STEPS} or more is undecided.
     */
    private void leaves(List<Long> passed, int steps, int c, long rip) {
        if (exitIn.size() + passed.size() > MAX_KNOWN) {
            exitIn.clear();
        }
        for (int i = 0; i < passed.size(); i++) {
            exitIn.putIfAbsent(passed.get(i), steps - i);
        }
        if (steps >= MAX_STEPS) {
            undecided(c, rip);
        }
    }

    private void undecided(int c, long rip) {
        if (undecided.size() < MAX_UNDECIDED) {
            undecided.add("cpu" + c + " after its backward step to 0x" + Long.toHexString(rip) + " runs " + MAX_STEPS
                    + " forced steps under the kernel's view with interrupts off without coming back to a state "
                    + "or leaving the loop");
        }
    }

    /** The forced runs that neither repeated nor ended within {@link #MAX_STEPS}: AVAIL cannot hold. */
    List<String> undecided() {
        return List.copyOf(undecided);
    }

    /** Whether CPU c in {@code x} runs trusted code under the kernel's view with IF clear and a known RIP. */
    private boolean spinCandidate(CheckState x, int c) {
        MachineState m = x.machine();
        ArchRegs r = m.cpu(c).regs();
        return m.cpu(c).mode() == CpuMode.RUNNING && !r.tainted(ArchRegs.T_RIP) && (r.rflags() & Rflags.IF) == 0
                && machine.viewOf(m, c) == 0 && !machine.inDriverCode(m, c) && !x.resumesInTransitionCode(c);
    }

    /** The state after CPU c's forced, harmless step from {@code x} (see the class comment), or null. */
    private CheckState forced(CheckState x, int c) {
        LvdTransitionSystem.Choice ch = onlyChoice(x, c);
        if (ch == null) {
            return null;
        }
        LvdTransitionSystem.Taken t = sys.take(x, ch, false);
        if (!t.violations().isEmpty() || !sys.cpuLocal(x, t) || !spinCandidate(t.target(), c)) {
            return null;
        }
        return t.target();
    }

    /**
     * CPU c's instruction in {@code x} when it is c's only choice besides interrupts its sources may
     * still fire; null otherwise.
     */
    private LvdTransitionSystem.Choice onlyChoice(CheckState x, int c) {
        LvdTransitionSystem.Choice only = null;
        for (LvdTransitionSystem.Choice ch : sys.choices(x)) {
            if (ch.action().cpu() != c || ch.action() instanceof Action.Interrupt && ch.source() >= 0) {
                continue;
            }
            if (only != null || !(ch.action() instanceof Action.Execute)) {
                return null;
            }
            only = ch;
        }
        return only;
    }

    private static String where(PlacedInstruction pi) {
        String file = pi.pos().file();
        int slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
        return file.substring(slash + 1) + ":" + pi.pos().line();
    }
}
