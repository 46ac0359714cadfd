package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Raw spinlocks (sched.s over do_raw_spin_lock / do_raw_spin_unlock): lvd-hardened with its
 * transmit threads taking a lock round a counter at the top of each loop. A CPU whose lock the
 * other holds waits at the call with its preempt_disable() done; the holder runs with the count
 * raised, so its timer does not switch threads until the unlock's preempt_enable().
 */
class SpinlockTest {
    private static final String LOCKED_LOOP = """
            .Lnet_xmit_loop:
                    movq $spin_test_lock, %rdi
                    call _raw_spin_lock
                    incq spin_test_count            # the critical section
                    incq spin_test_count
                    movq $spin_test_lock, %rdi
                    call _raw_spin_unlock
            """;

    private static final String LOCK_DATA = """
                    .globl spin_test_lock
            spin_test_lock:
                    .quad 0
                    .globl spin_test_count
            spin_test_count:
                    .quad 0
            """;

    /** lvd-hardened whose net_xmit_thread takes {@code spin_test_lock} once per packet. */
    static Machine lockedMachine(int calls) throws Exception {
        SourceSet builtin = SourceSet.builtin();
        SourceSet sources = (from, relative) -> {
            Optional<InputFile> f = builtin.read(from, relative);
            if (!SourceSet.resolve(from, relative).equals("asm/hardened/kthread.s")) {
                return f;
            }
            String text = f.orElseThrow().text();
            assertTrue(text.contains(".Lnet_xmit_loop:\n"));
            return Optional.of(InputFile.of(f.get().name(), text.replace(".Lnet_xmit_loop:\n", LOCKED_LOOP) + LOCK_DATA));
        };
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load("lvd-hardened.lvd", sources), calls);
        return new Machine(b.system(), b.initial());
    }

    private static long lockWord(Machine m, MachineState s) {
        return m.peek(s, 0, 0, m.system().images().get("kernel").symbol("spin_test_lock").orElseThrow(), 4);
    }

    private static boolean took(Step st, String primitive, int cpu) {
        return st.events().stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals(primitive)
                && p.detail().endsWith("cpu" + cpu));
    }

    /** CPU 0 runs t0 until it holds the lock. */
    private static PreemptWindowTest.Run holding(Machine m) {
        PreemptWindowTest.Run r = new PreemptWindowTest.Run(m.initial());
        for (int i = 0; i < 200 && lockWord(m, r.s) == 0; i++) {
            r.take(m, new Action.Execute(0));
        }
        assertEquals(1, lockWord(m, r.s), "t0 took the lock");
        assertEquals(1, PreemptWindowTest.preemptCount(m, r.s, 0) & 0x7fffffffL, "spin_lock raised the count");
        return r;
    }

    @Test
    void aSecondCpuSpinsUntilTheHolderReleases() throws Exception {
        Machine m = lockedMachine(2);
        PreemptWindowTest.Run r = holding(m);
        // CPU 1 picks t1, which runs into the held lock.
        for (int i = 0; i < 200 && m.enabled(r.s, new Action.Execute(1)); i++) {
            r.take(m, new Action.Execute(1));
        }
        assertTrue(m.waitsOnLock(r.s, 1), "cpu1 waits at call do_raw_spin_lock");
        assertFalse(m.enabled(r.s, new Action.Execute(1)), "its call is not enabled");
        assertEquals(1, r.s.cpu(1).thread(), "t1 is the one waiting");
        assertEquals(1, PreemptWindowTest.preemptCount(m, r.s, 1) & 0x7fffffffL, "preempt_disable() comes before the spin");
        assertTrue(m.enabled(r.s, new Action.Interrupt(1, PreemptWindowTest.timer(m))), "IRQs stay on while it spins");
        long waitingAt = r.s.cpu(1).regs().rip();

        boolean released = false;
        for (int i = 0; i < 50 && !released; i++) {
            released = took(r.take(m, new Action.Execute(0)), "do_raw_spin_unlock", 0);
        }
        assertTrue(released, "t0 releases the lock");
        assertEquals(0, lockWord(m, r.s));
        assertEquals(waitingAt, r.s.cpu(1).regs().rip(), "cpu1 did not move meanwhile");
        assertTrue(m.enabled(r.s, new Action.Execute(1)), "now cpu1's call is enabled");
        Step st = r.take(m, new Action.Execute(1));
        assertTrue(took(st, "do_raw_spin_lock", 1), st.events().toString());
        assertEquals(1, lockWord(m, r.s));
    }

    @Test
    void aTimerWhileHoldingDoesNotSwitchUntilTheUnlock() throws Exception {
        Machine m = lockedMachine(2);
        PreemptWindowTest.Run r = holding(m);
        assertTrue((r.s.cpu(0).regs().rflags() & Rflags.IF) != 0);
        r.events.clear();
        r.take(m, new Action.Interrupt(0, PreemptWindowTest.timer(m)));
        boolean unlocked = false;
        for (int i = 0; i < 3_000 && !unlocked; i++) {
            Step st = r.take(m, new Action.Execute(0));
            unlocked = took(st, "do_raw_spin_unlock", 0);
            if (!unlocked) {
                assertFalse(st.events().stream().anyMatch(e -> e instanceof Event.Switched),
                        "no switch while the lock is held: " + st.events());
            }
        }
        assertTrue(unlocked);
        assertTrue(r.events.stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals("do_IRQ")
                && p.detail().contains("need_resched")), "the timer asked for a reschedule (t1 is runnable)");
        assertEquals(ThreadStatus.RUNNING, r.s.threads().get(0).status(), "t0 still runs");
        r.take(m, new Action.Execute(0)); // preempt_enable()'s decrement
        assertEquals(0, PreemptWindowTest.preemptCount(m, r.s, 0), "count 0 and need_resched: the whole word is 0");
        // preempt_enable() calls preempt_schedule, which switches.
        boolean switched = false;
        for (int i = 0; i < 20 && !switched; i++) {
            switched = r.take(m, new Action.Execute(0)).events().stream()
                    .anyMatch(e -> e instanceof Event.Switched w && w.from().equals("t0") && w.to().equals("t1"));
        }
        assertTrue(switched, "the unlock's preempt_enable() switches to t1");
        assertEquals(ThreadStatus.RUNNABLE, r.s.threads().get(0).status());
    }
}
