package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The dead-stack reduction: a timer interrupt that returns without preempting leaves nothing
 * behind on any stack, so the state after it is the state without it (but for the accessed
 * bit its page walks set); and a read of a forgotten byte ends the exploration instead of
 * answering.
 */
class DeadStacksTest {
    /** lvd-hardened's explored system, with or without reduction (also used by {@link DeadThreadContextsTest}). */
    static LvdTransitionSystem system(boolean reduction) throws Exception {
        return Replay.system(SpecLoader.load("lvd-hardened"), reduction);
    }

    /** The state CPU {@code cpu}'s choice labelled {@code label} leads to from {@code s}. */
    static CheckState step(LvdTransitionSystem sys, CheckState s, String label, int cpu) {
        for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
            if (ch.action().cpu() == cpu && ch.label().equals(label)) {
                return sys.take(s, ch).target();
            }
        }
        throw new AssertionError("no " + label + " on cpu" + cpu + " in " + sys.choices(s));
    }

    /** t1 starts on cpu1, t0 runs 12 steps on cpu0; with {@code timer} a timer interrupt then runs to its IRET. */
    private static CheckState run(LvdTransitionSystem sys, boolean timer) {
        CheckState s = step(sys, sys.initialState(), "execute", 1);
        for (int i = 0; i < 12; i++) {
            s = step(sys, s, "execute", 0);
        }
        if (!timer) {
            return s;
        }
        long rip = s.machine().cpu(0).regs().rip();
        long rsp = s.machine().cpu(0).regs().rsp();
        CheckState b = step(sys, s, "interrupt 0xef", 0);
        for (int k = 0; k < 500; k++) {
            b = step(sys, b, "execute", 0);
            if (b.machine().cpu(0).regs().rip() == rip && b.machine().cpu(0).regs().rsp() == rsp) {
                return b;
            }
        }
        throw new AssertionError("the timer handler did not return");
    }

    private static boolean inAStack(DeadStacks d, long hpa) {
        for (DeadStacks.Region r : d.regions()) {
            for (long p : r.pageHpa()) {
                if (p >= 0 && p == (hpa & ~0xFFFL)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void theStacksOfTheSpecAreTracked() throws Exception {
        LvdTransitionSystem sys = system(true);
        DeadStacks d = DeadStacks.of(sys.machine());
        List<String> names = d.regions().stream().map(DeadStacks.Region::name).toList();
        for (String n : List.of("ist5 cpu0", "ist2 cpu1", "irq_stack cpu0", "kernel stack of t0", "kernel stack of t1")) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        assertEquals(d.regionCount(), sys.deadStackRegions());
        assertEquals(0, system(false).deadStackRegions(), "no reduction, no forgetting");
    }

    @Test
    void aTimerThatReturnsLeavesNoStackBytesBehind() throws Exception {
        LvdTransitionSystem sys = system(true);
        DeadStacks d = DeadStacks.of(sys.machine());
        MachineState without = run(sys, false).machine();
        MachineState with = run(sys, true).machine();
        assertEquals(without.cpu(0), with.cpu(0));
        assertEquals(without.threads(), with.threads());
        List<PhysMem.WordChange> ch = with.mem().changesSince(without.mem());
        assertFalse(ch.isEmpty(), "the handler's page walks set an accessed bit");
        for (PhysMem.WordChange c : ch) {
            assertFalse(inAStack(d, c.hpa()), "stack word left behind: " + Long.toHexString(c.hpa()));
        }
        for (PhysMem.WordChange c : without.mem().changesSince(with.mem())) {
            assertFalse(inAStack(d, c.hpa()), "stack word left behind: " + Long.toHexString(c.hpa()));
        }
    }

    @Test
    void withoutTheReductionTheHandlersFramesRemain() throws Exception {
        LvdTransitionSystem sys = system(false);
        DeadStacks d = DeadStacks.of(sys.machine());
        MachineState without = run(sys, false).machine();
        MachineState with = run(sys, true).machine();
        assertTrue(with.mem().changesSince(without.mem()).stream().anyMatch(c -> inAStack(d, c.hpa())));
        assertNotEquals(sys.fingerprint(run(sys, true), 3), sys.fingerprint(run(sys, false), 3));
    }

    private static DeadStacks.Region region(DeadStacks d, String name) {
        return d.regions().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void anIstStackTheDriverWroteIsTheOneNoOneWroteOnceNothingPointsIntoIt() throws Exception {
        LvdTransitionSystem sys = system(true);
        DeadStacks d = DeadStacks.of(sys.machine());
        MachineState init = sys.initialState().machine();
        long frame = region(d, "ist5 cpu0").pageHpa()[0] >>> PhysMem.FRAME_SHIFT;
        assertTrue(init.mem().isAllocated(frame), "a page of an IST stack no one wrote is forgotten");
        assertTrue(init.mem().isAllDead(frame << PhysMem.FRAME_SHIFT, (int) PhysMem.FRAME_SIZE));
        long low = region(d, "kernel stack of t0").pageHpa()[0] >>> PhysMem.FRAME_SHIFT;
        assertFalse(init.mem().isAllocated(low), "a thread's kernel stack keeps the zeros of a page it never wrote");
        // The compromised driver's write move makes the frame ⊤; nothing points into the stack, so
        // the step's forgetting leaves the frame as it was before the write.
        MachineState wrote = init.withMem(init.mem().edit().domainWrite(frame).freeze());
        assertTrue(wrote.mem().domainWrote(frame));
        MachineState after = d.canonical(init, wrote);
        assertFalse(after.mem().domainWrote(frame));
        assertEquals(init.mem(), after.mem());
        assertEquals(init.mem().contentHash(3), after.mem().contentHash(3));
    }

    @Test
    void aReadOfAForgottenByteEndsTheExploration() throws Exception {
        LvdTransitionSystem sys = system(true);
        CheckState s = sys.initialState();
        for (int i = 0; i < 4; i++) {
            s = step(sys, s, "execute", 0); // switch to t0, push, mov, sub: next is cmpq $0, (%rbx)
        }
        MachineState m = s.machine();
        long hpa = sys.machine().hostAddress(m, 0, m.cpu(0).regs().gpr(org.lvdcheck.emulator.cpu.ArchRegs.RBX));
        CheckState broken = s.withMachine(m.withMem(m.mem().edit().forget(hpa, 8).freeze()));
        DeadStacks.Forgotten e = assertThrows(DeadStacks.Forgotten.class, () -> step(sys, broken, "execute", 0));
        assertTrue(e.getMessage().contains("--no-reduction"), e.getMessage());
    }
    /**
     * The bounds as the reduction defines them, computed word by word (every register, every word
     * of memory outside the stacks, the live words of the stacks to a fixpoint): what the cached
     * per-frame lists of pointers into stacks must give.
     */
    private static long[] referenceBounds(DeadStacks d, MachineState s) {
        List<DeadStacks.Region> rs = d.regions();
        long[] b = rs.stream().mapToLong(DeadStacks.Region::hi).toArray();
        java.util.function.LongConsumer root = v -> {
            for (int i = 0; i < rs.size(); i++) {
                DeadStacks.Region r = rs.get(i);
                boolean emptyMark = i > 0 && rs.get(i - 1).hi() == v;
                if (v >= r.lo() && v <= r.hi() && v != r.hi() && !emptyMark && v < b[i]) {
                    b[i] = v;
                }
            }
        };
        List<org.lvdcheck.emulator.cpu.ArchRegs> regs = new java.util.ArrayList<>();
        s.cpus().forEach(c -> regs.add(c.regs()));
        s.threads().forEach(t -> {
            if (t.saved() != null) {
                regs.add(t.saved());
            }
        });
        for (var r : regs) {
            for (int g = 0; g < 16; g++) {
                if (!r.gprTainted(g)) {
                    root.accept(r.gpr(g));
                }
            }
        }
        java.util.Set<Long> stackFrames = new java.util.HashSet<>();
        for (DeadStacks.Region r : rs) {
            for (long p : r.pageHpa()) {
                if (p >= 0) {
                    stackFrames.add(p >>> PhysMem.FRAME_SHIFT);
                }
            }
        }
        s.mem().forEachContentDerived(new Object(), stackFrames::contains, (w, dead) -> w, (n, w) -> {
            for (long v : w) {
                root.accept(v);
            }
        });
        boolean changed = true;
        while (changed) {
            long[] before = b.clone();
            for (int i = 0; i < rs.size(); i++) {
                DeadStacks.Region r = rs.get(i);
                for (long a = b[i] & ~7L; a < r.hi(); a += 8) {
                    long page = r.pageHpa()[(int) ((a - (r.lo() & ~0xFFFL)) >>> 12)];
                    if (page >= 0) {
                        long hpa = page | (a & 0xFFF);
                        s.mem().forEachLiveWord(hpa, hpa + 8, (h, v) -> root.accept(v));
                    }
                }
            }
            changed = !java.util.Arrays.equals(before, b);
        }
        return b;
    }

    @Test
    void theBoundsAreThoseOfAWordByWordScanAlongARandomRun() throws Exception {
        LvdTransitionSystem sys = system(true);
        DeadStacks d = DeadStacks.of(sys.machine());
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(28);
        for (int run = 0; run < 3; run++) {
            CheckState s = sys.initialState();
            for (int k = 0; k < 300; k++) {
                assertTrue(java.util.Arrays.equals(referenceBounds(d, s.machine()), d.bounds(s.machine())), "run " + run + " step " + k);
                List<LvdTransitionSystem.Choice> cs = sys.choices(s);
                if (cs.isEmpty()) {
                    break;
                }
                // Mostly the CPUs' own instructions, now and then an interrupt or a driver's move.
                List<LvdTransitionSystem.Choice> exec = cs.stream().filter(c -> c.label().equals("execute")).toList();
                LvdTransitionSystem.Choice c = !exec.isEmpty() && rnd.nextInt(5) > 0 ? exec.get(rnd.nextInt(exec.size())) : cs.get(rnd.nextInt(cs.size()));
                var t = sys.take(s, c);
                if (t.target() == null) {
                    break;
                }
                s = t.target();
            }
        }
    }

    /**
     * A step that writes no memory and moves no register into or out of a stack keeps every bound,
     * so its successor is already canonical and comes back as it is; one that raises the stack
     * pointer over a live word forgets that word.
     */
    @Test
    void aStepThatMovesNoBoundForgetsNothingAndOneThatRaisesRspForgetsTheWordBelow() throws Exception {
        LvdTransitionSystem sys = system(true);
        DeadStacks d = DeadStacks.of(sys.machine());
        CheckState s = run(sys, false);
        for (int k = 0; k < 40 && s.machine().mem().isDead(
                sys.machine().hostAddress(s.machine(), 0, s.machine().cpu(0).regs().rsp()), 8); k++) {
            s = step(sys, s, "execute", 0); // on to a state whose word at RSP holds a value
        }
        MachineState before = s.machine();
        ArchRegs r = before.cpu(0).regs();
        long rsp = r.rsp();
        assertTrue(d.inStack(rsp), "t0 runs on its kernel stack");
        int rax = ArchRegs.RAX;
        long plain = 0x1234;
        assertFalse(d.inStack(plain));
        MachineState movedRax = before.withCpu(0, before.cpu(0).withRegs(r.withGpr(rax, plain)));
        assertSame(movedRax, d.canonical(before, movedRax));

        // RAX now points into the stack below RSP (a value into a stack is a root): the fast path must not apply.
        long[] b = d.bounds(before);
        MachineState intoStack = before.withCpu(0, before.cpu(0).withRegs(r.withGpr(rax, rsp - 64)));
        assertFalse(java.util.Arrays.equals(b, d.bounds(intoStack)), "a root lower than RSP moves the bound");
        assertEquals(intoStack, d.canonical(before, intoStack), "a bound that falls forgets nothing");

        long hpa = sys.machine().hostAddress(before, 0, rsp);
        assertFalse(before.mem().isDead(hpa, 8), "the word at RSP is live");
        MachineState popped = before.withCpu(0, before.cpu(0).withRegs(r.withGpr(ArchRegs.RSP, rsp + 8)));
        boolean othersPointThere = false;
        for (int g = 0; g < 16; g++) {
            othersPointThere |= g != ArchRegs.RSP && r.gpr(g) <= rsp && d.inStack(r.gpr(g))
                    && r.gpr(g) >= (rsp & ~0xFFFL) - 0x4000;
        }
        assertFalse(othersPointThere, "no other register keeps the word at RSP alive");
        MachineState after = d.canonical(before, popped);
        assertTrue(after.mem().isDead(hpa, 8), "the word RSP rose over is forgotten");
        assertTrue(java.util.Arrays.equals(d.bounds(after), d.bounds(popped)));
    }
}
