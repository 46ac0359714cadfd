package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.checker.model.DeadStacksTest.system;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * The gate's saved stack pointer: the state page's {@code VMFUNC_kernel_esp} of a CPU is forgotten
 * while the thread on it has no gate call open, kept while it has, written by the gate before it is
 * read; and with it forgotten the gate frame it pointed at is forgotten too once the crossing has
 * returned.
 */
class GateStackPointerTest {
    private static final String KILL_HYPERCALL = "driver: cpuid (0x4bf00000)";

    /** What {@link #crossAndReturn} saw. */
    private record Run(List<CheckState> states, long frame, MachineState returned) {}

    /**
     * cpu0 starts t0 and runs it into the net domain until the driver holds the CPU, the driver makes
     * a hypercall the hardened policy answers with a kill, and cpu0 runs the kernel's error return
     * until the gate's caller in the thread has its call's return value: every state, the saved RSP
     * the gate wrote, and the first state back in the thread.
     */
    private static Run crossAndReturn(LvdTransitionSystem sys) {
        GateStackPointer g = GateStackPointer.of(sys.machine());
        List<CheckState> seen = new ArrayList<>();
        CheckState s = DeadStacksTest.step(sys, sys.initialState(), "execute", 0);
        long wrapper = sys.machine().system().images().get("kernel").symbol("vmfunc_klcd_wrapper").orElseThrow();
        long callReturn = -1;
        long frame = 0;
        for (int k = 0; k < 3000 && !s.machine().cpu(0).regs().tainted(ArchRegs.T_RIP); k++) {
            seen.add(s);
            if (callReturn < 0 && s.machine().cpu(0).regs().rip() == wrapper) {
                callReturn = sys.machine().peek(s.machine(), 0, 0, s.machine().cpu(0).regs().rsp(), 8);
            }
            if (frame == 0 && !s.machine().mem().isDead(g.word(0), 8) && s.machine().mem().read(g.word(0), 8) != 0) {
                frame = s.machine().mem().read(g.word(0), 8);
            }
            s = first(sys, s);
        }
        assertTrue(s.machine().cpu(0).regs().tainted(ArchRegs.T_RIP), "the driver holds cpu0");
        assertTrue(callReturn != -1, "t0 called the gate");
        s = DeadStacksTest.step(sys, s, KILL_HYPERCALL, 0);
        for (int k = 0; k < 3000 && s.machine().cpu(0).regs().rip() != callReturn; k++) {
            seen.add(s);
            s = first(sys, s);
        }
        assertEquals(callReturn, s.machine().cpu(0).regs().rip(), "the kill returned to the gate's caller");
        seen.add(s);
        return new Run(seen, frame, s.machine());
    }

    /** The state cpu0's first instruction choice (its instruction, or the first outcome of a fork) leads to. */
    private static CheckState first(LvdTransitionSystem sys, CheckState s) {
        for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
            if (ch.action().cpu() == 0 && ch.label().startsWith("execute")) {
                return sys.take(s, ch).target();
            }
        }
        throw new AssertionError("cpu0 has no instruction in " + sys.choices(s));
    }

    /** t0's gate nesting count in {@code s}. */
    private static long nesting(LvdTransitionSystem sys, CheckState s) {
        long task = sys.machine().system().layout().taskGva()[0];
        long off = sys.machine().system().images().get("kernel").symbol("TASK_nested_count").orElseThrow();
        return sys.machine().peek(s.machine(), 0, 0, task + off, 4);
    }

    @Test
    void theWordIsForgottenOutsideACrossingAndKeptInsideOne() throws Exception {
        LvdTransitionSystem sys = system(true);
        GateStackPointer g = GateStackPointer.of(sys.machine());
        assertNotNull(g, "lvd-hardened has a state page, its saved RSP and the gate nesting count");
        assertTrue(sys.initialState().machine().mem().isAllDead(g.word(0), 8), "no thread runs yet");
        assertTrue(sys.initialState().machine().mem().isAllDead(g.word(1), 8));
        Run r = crossAndReturn(sys);
        int inside = 0;
        boolean written = false;
        for (CheckState s : r.states()) {
            boolean dead = s.machine().mem().isAllDead(g.word(0), 8);
            if (nesting(sys, s) == 0) {
                assertTrue(dead, "forgotten while t0 has no gate call open");
                written = false;
            } else {
                written |= !dead;
                assertEquals(written, !dead, "once the gate wrote it, kept until the call returns");
                inside += dead ? 0 : 1;
            }
        }
        assertTrue(inside > 50, "the crossing ran with the word kept: " + inside + " states");
        assertTrue(r.frame() != 0, "the gate saved the kernel's RSP");
    }

    @Test
    void theGateFrameIsForgottenOnceTheCrossingReturned() throws Exception {
        LvdTransitionSystem reduced = system(true);
        Run r = crossAndReturn(reduced);
        long frameHpa = reduced.machine().hostAddress(r.returned(), 0, r.frame());
        assertTrue(frameHpa >= 0);
        assertTrue(r.returned().mem().isAllDead(frameHpa, 8), "nothing keeps the gate frame below RSP");
        assertTrue(r.returned().cpu(0).regs().rsp() > r.frame(), "the frame lies below the thread's RSP");

        Run plain = crossAndReturn(system(false));
        GateStackPointer g = GateStackPointer.of(reduced.machine());
        assertEquals(r.frame(), plain.returned().mem().read(g.word(0), 8),
                "without the reduction the stale word stays, pointing at the frame");
        assertFalse(plain.returned().mem().isDead(frameHpa, 8), "and the frame stays with it");
    }

    @Test
    void aThreadInsideACrossingOrACountTheDriverChoseKeepsTheWord() throws Exception {
        LvdTransitionSystem sys = system(true);
        GateStackPointer g = GateStackPointer.of(sys.machine());
        CheckState started = DeadStacksTest.step(sys, sys.initialState(), "execute", 0);
        assertEquals(0, started.machine().cpu(0).thread(), "cpu0 runs t0");
        long task = sys.machine().system().layout().taskGva()[0];
        long off = sys.machine().system().images().get("kernel").symbol("TASK_nested_count").orElseThrow();
        long count = sys.machine().hostAddress(started.machine(), 0, task + off);
        MachineState m = started.machine();
        MachineState inside = m.withMem(m.mem().edit().write(g.word(0), 8, 0xffff888003107f58L)
                .write(count, 4, 1).freeze());
        assertSame(inside, g.canonical(inside), "a gate call is open: the word is live");
        MachineState chosen = m.withMem(m.mem().edit().write(g.word(0), 8, 0xffff888003107f58L)
                .write(count, 4, 0, true).freeze());
        assertSame(chosen, g.canonical(chosen), "a ⊤ count may be anything: the word is live");
        MachineState outside = m.withMem(m.mem().edit().write(g.word(0), 8, 0xffff888003107f58L).freeze());
        PhysMem after = g.canonical(outside).mem();
        assertTrue(after.isAllDead(g.word(0), 8), "no gate call open: forgotten");
    }
}
