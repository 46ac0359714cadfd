package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.Primitives;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.TargetOp;
import org.lvdcheck.spec.lvd.Model;

/**
 * preempt_schedule_irq (sched.s) opens interrupts around {@code call __schedule}: an interrupt can
 * arrive on the old thread before the switch and on the resumed thread after it, with
 * {@code __preempt_count} raised, so its exit path does not preempt again; a timer there sets
 * need_resched and the loop runs once more; a thread switched out there resumes on the other CPU.
 */
class PreemptWindowTest {
    /** One CPU's steps: the state, and every event on the way. */
    static final class Run {
        MachineState s;
        final List<Event> events = new ArrayList<>();

        Run(MachineState s) {
            this.s = s;
        }

        /** Takes {@code a}, which must be enabled. */
        Step take(Machine m, Action a) {
            assertTrue(m.enabled(s, a), a + " is enabled");
            Step st = m.next(s, a);
            for (Event e : st.events()) {
                assertFalse(e instanceof Event.Stopped, "no CPU stops: " + e);
            }
            events.addAll(st.events());
            s = st.state();
            return st;
        }

        /** Executes on CPU c until {@code done} holds of the state (at most {@code limit} steps). */
        void until(Machine m, int c, Predicate<MachineState> done, int limit, String what) {
            for (int i = 0; i < limit && !done.test(s); i++) {
                take(m, new Action.Execute(c));
            }
            assertTrue(done.test(s), what);
        }
    }

    static int timer(Machine m) {
        return m.system().spec().vectors().stream().filter(v -> v.vectorClass() == Model.VectorClass.TIMER)
                .findFirst().orElseThrow().number();
    }

    static long preemptCount(Machine m, MachineState s, int c) {
        return m.peek(s, 0, c, m.system().layout().percpu()[c] + m.constant("__preempt_count"), 4);
    }

    /** The kernel-view addresses of the linked calls to primitive {@code name}. */
    static List<Long> callsTo(Machine m, String name) {
        long target = Primitives.address(0, name);
        List<Long> at = new ArrayList<>();
        for (LvdSystem.CodeAt code : m.system().code().values()) {
            if (code.view().equals("kernel") && code.insn().insn().mnemonic() == Mnemonic.CALL
                    && code.insn().insn().operand(0) instanceof TargetOp t && t.address() == target) {
                at.add(code.insn().address());
            }
        }
        return at;
    }

    /** preempt_schedule_irq's {@code call __schedule}. */
    static long windowCall(Machine m) {
        long start = m.system().images().get("kernel").symbol("preempt_schedule_irq").orElseThrow();
        return callsTo(m, "__schedule").stream().filter(a -> a > start && a < start + 0x40).findFirst().orElseThrow();
    }

    /** The instruction after the window's call: where a thread switched out there resumes (its CLI). */
    static long resumePoint(Machine m) {
        return windowCall(m) + 5;
    }

    /** CPU 0 runs t0 until a timer makes its interrupt return call preempt_schedule_irq, which reaches its call. */
    static Run atTheWindowCall(Machine m) {
        Run r = new Run(m.initial());
        r.take(m, new Action.Execute(0)); // the idle loop picks t0
        r.until(m, 0, s -> m.enabled(s, new Action.Interrupt(0, timer(m))), 100, "t0 runs with IRQs on");
        r.take(m, new Action.Interrupt(0, timer(m)));
        long call = windowCall(m);
        r.until(m, 0, s -> s.cpu(0).regs().rip() == call, 2_000, "preempt_schedule_irq reaches call __schedule");
        return r;
    }

    @Test
    void anInterruptBeforeTheSwitchFindsTheCountRaisedAndDoesNotPreemptAgain() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 2);
        Run r = atTheWindowCall(m);
        ArchRegs at = r.s.cpu(0).regs();
        assertTrue((at.rflags() & Rflags.IF) != 0, "IRQs are on at the call");
        assertEquals(1, preemptCount(m, r.s, 0) & 0x7fffffffL, "preempt_disable() holds");
        assertEquals(0, r.s.cpu(0).thread(), "still t0");
        assertTrue(m.enabled(r.s, new Action.Interrupt(0, timer(m))), "a timer can arrive before the switch");

        long entry = m.system().images().get("kernel").symbol("preempt_schedule_irq").orElseThrow();
        r.events.clear();
        r.take(m, new Action.Interrupt(0, timer(m)));
        long call = windowCall(m);
        r.until(m, 0, s -> s.cpu(0).regs().rip() == call && s.cpu(0).regs().rsp() == at.rsp(), 3_000,
                "the nested interrupt returns to the window");
        assertTrue(r.events.stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals("do_IRQ")),
                "the timer was handled");
        assertFalse(r.events.stream().anyMatch(e -> e instanceof Event.Executed x && x.rip() == entry),
                "its exit path did not call preempt_schedule_irq");
        assertFalse(r.events.stream().anyMatch(e -> e instanceof Event.Switched), "nor switched threads");
        assertEquals(0, r.s.cpu(0).thread(), "t0 is still on cpu0");

        Step st = r.take(m, new Action.Execute(0));
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Switched w && w.from().equals("t0")
                && w.to().equals("t1")), "then __schedule switches: " + st.events());
        ThreadState t0 = r.s.threads().get(0);
        assertEquals(ThreadStatus.RUNNABLE, t0.status());
        assertEquals(resumePoint(m), t0.saved().rip(), "t0 resumes after its call");
        assertEquals(0, preemptCount(m, r.s, 0) & 0x7fffffffL, "t1 starts with a zero count (schedule_tail)");
    }

    @Test
    void aTimerAfterTheSwitchBackFindsTheCountRaisedAndTheLoopRunsAgain() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 2);
        Run r = atTheWindowCall(m);
        r.take(m, new Action.Execute(0)); // t0 -> t1
        assertEquals(1, r.s.cpu(0).thread());
        // t1's own timer preempts it: __schedule switches back to t0 inside its window.
        r.until(m, 0, s -> m.enabled(s, new Action.Interrupt(0, timer(m))), 100, "t1 runs with IRQs on");
        r.events.clear();
        r.take(m, new Action.Interrupt(0, timer(m)));
        r.until(m, 0, s -> s.cpu(0).thread() == 0, 3_000, "t1 is preempted and t0 resumes");
        assertTrue(r.events.stream().anyMatch(e -> e instanceof Event.Switched w && w.from().equals("t1")
                && w.to().equals("t0")), r.events.toString());
        assertEquals(resumePoint(m), r.s.cpu(0).regs().rip(), "t0 resumes at the CLI after its call");
        assertTrue((r.s.cpu(0).regs().rflags() & Rflags.IF) != 0, "with IRQs on (finish_task_switch)");
        assertEquals(1, preemptCount(m, r.s, 0) & 0x7fffffffL, "and its preempt_disable() still held");
        long sp = r.s.cpu(0).regs().rsp();

        long entry = m.system().images().get("kernel").symbol("preempt_schedule_irq").orElseThrow();
        r.events.clear();
        r.take(m, new Action.Interrupt(0, timer(m)));
        r.until(m, 0, s -> s.cpu(0).regs().rip() == resumePoint(m) && s.cpu(0).regs().rsp() == sp, 3_000,
                "the nested interrupt returns to the CLI");
        assertFalse(r.events.stream().anyMatch(e -> e instanceof Event.Executed x && x.rip() == entry),
                "its exit path did not call preempt_schedule_irq");
        assertFalse(r.events.stream().anyMatch(e -> e instanceof Event.Switched));
        assertEquals(0, preemptCount(m, r.s, 0) & 0x80000000L, "the timer set need_resched (t1 is runnable)");

        // CLI, the decrement and the need_resched test send t0 round the loop to __schedule again.
        r.events.clear();
        long call = windowCall(m);
        r.until(m, 0, s -> s.cpu(0).regs().rip() == call, 10, "the loop reaches call __schedule again");
        assertFalse(r.events.stream().anyMatch(e -> e instanceof Event.Executed x && x.insn() != null
                && x.insn().insn().mnemonic() == Mnemonic.RET), "without returning from preempt_schedule_irq");
        Step st = r.take(m, new Action.Execute(0));
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Switched w && w.from().equals("t0")
                && w.to().equals("t1")), st.events().toString());
    }

    @Test
    void aThreadSwitchedOutInTheWindowResumesOnTheOtherCpuAndFinishes() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 2);
        Run r = atTheWindowCall(m);
        r.take(m, new Action.Execute(0)); // t0 -> t1 on cpu0; t0 waits in the window
        assertEquals(ThreadStatus.RUNNABLE, r.s.threads().get(0).status());
        Step st = r.take(m, new Action.Execute(1)); // cpu1's idle loop picks t0
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Switched w && w.to().equals("t0")),
                st.events().toString());
        assertEquals(0, r.s.cpu(1).thread());
        assertEquals(resumePoint(m), r.s.cpu(1).regs().rip(), "t0 continues in preempt_schedule_irq on cpu1");
        assertEquals(1, preemptCount(m, r.s, 1) & 0x7fffffffL, "with the count __schedule left it");
        int done = 0;
        for (int i = 0; i < 200_000 && done < 2; i++) {
            boolean moved = false;
            for (int c = 0; c < 2; c++) {
                if (m.enabled(r.s, new Action.Execute(c))) {
                    r.take(m, new Action.Execute(c));
                    moved = true;
                }
            }
            assertTrue(moved, "a CPU can move");
            done = (int) r.s.threads().stream().filter(t -> t.status() == ThreadStatus.DONE).count();
        }
        assertEquals(2, done, "both threads finish");
        long stats = m.system().images().get("net").symbol("dummy_net_stats").orElseThrow();
        assertEquals(4, m.peek(r.s, m.system().views().indexOf("net"), 0, stats, 8), "2 x 2 packets went through");
    }
}
