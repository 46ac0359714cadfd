package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * INV5 and IRQ along the built-in scenarios, run concretely with the scenario's own schedule
 * (timer interrupts inside the drivers, a migration, the blk domain in slot 2): every gate call
 * the kernel makes returns with its registers restored and every handler's IRET resumes what it
 * interrupted, on lvd-hardened, and the checks see many of each. As built the first crossing into
 * net hands the driver the kernel's per-CPU GS base.
 */
class CrossingScenarioTest {
    /** What a run saw: violations of INV5 and IRQ, gate returns and handler ends checked. */
    record Seen(List<Violation> violations, int returns, int handlerEnds, int domainHandlerEnds, String end) {}

    static Seen run(String spec, String scenario, int calls) throws Exception {
        SpecLoader.Loaded l = SpecLoader.load(spec);
        Model.Scenario sc = l.spec().scenarios().stream().filter(x -> x.name().equals(scenario)).findFirst().orElseThrow();
        sc = new Model.Scenario(sc.name(), sc.title(), calls, sc.timerEvery(), sc.timerSource(), sc.stagger(), sc.threads(),
                sc.pos());
        SystemBuilder.Built b = SystemBuilder.build(l, sc);
        Machine m = new Machine(b.system(), b.initial());
        StepChecks checks = new StepChecks(m);
        String timerSource = sc.timerSource();
        int timer = l.spec().vector(l.spec().sources().stream().filter(x -> x.name().equals(timerSource)).findFirst()
                .orElseThrow().vector()).orElseThrow().number();
        int cpus = b.system().cpus();
        boolean[] pending = new boolean[cpus];
        List<Violation> bad = new ArrayList<>();
        int returns = 0;
        int ends = 0;
        int domainEnds = 0;
        MachineState s = m.initial();
        CrossingGhost g = CrossingGhost.NONE;
        int next = 0;
        // The scheduling of ScenarioRunner: CPUs take turns, the timer is pending on every CPU every timer-every steps.
        for (long step = 0; step < 2_000_000; step++) {
            if (step > 0 && step % sc.timerEvery() == 0) {
                java.util.Arrays.fill(pending, true);
            }
            Action chosen = null;
            for (int k = 0; k < cpus && chosen == null; k++) {
                int c = (next + k) % cpus;
                if (c > 0 && step < sc.stagger()) {
                    continue;
                }
                Action irq = new Action.Interrupt(c, timer);
                if (pending[c] && m.enabled(s, irq)) {
                    pending[c] = false;
                    chosen = irq;
                } else if (m.enabled(s, new Action.Execute(c))) {
                    chosen = new Action.Execute(c);
                }
            }
            if (chosen == null) {
                break;
            }
            next = (chosen.cpu() + 1) % cpus;
            Step st = m.next(s, chosen);
            StepChecks.Checked c = checks.step(s, new int[cpus], g, chosen, st);
            c.violations().stream().filter(v -> v.property().equals("INV5") || v.property().equals("IRQ")).forEach(bad::add);
            int t = s.cpu(chosen.cpu()).thread();
            if (t >= 0 && c.crossing().calls(t).length < g.calls(t).length) {
                returns++;
            }
            if (t >= 0 && c.crossing().handlers(t).length < g.handlers(t).length) {
                ends++;
                if (g.topHandler(t).view() > 0) {
                    domainEnds++;
                }
            }
            g = c.crossing();
            s = st.state();
            if (s.threads().stream().allMatch(x -> x.status() == ThreadStatus.DONE)
                    && s.cpus().stream().noneMatch(x -> x.mode() == CpuMode.RUNNING)) {
                return new Seen(bad, returns, ends, domainEnds, "every thread exited");
            }
            if (st.events().stream().anyMatch(e -> e instanceof Event.Stopped)) {
                return new Seen(bad, returns, ends, domainEnds, "a CPU stopped");
            }
        }
        return new Seen(bad, returns, ends, domainEnds, "no CPU can move");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"xmit", "migrate", "block"})
    void hardenedEveryGateReturnAndEveryIretResumesWhatItLeft(String scenario) throws Exception {
        int calls = scenario.equals("migrate") ? 20 : 40;
        Seen seen = run("lvd-hardened", scenario, calls);
        assertEquals("every thread exited", seen.end());
        assertEquals(List.of(), seen.violations());
        // Each call of a thread is two gate calls (vmfunc_klcd_wrapper, vmfunc_trampoline_entry).
        assertTrue(seen.returns() >= 2 * calls, "gate returns checked: " + seen);
        assertTrue(seen.handlerEnds() > 0, "handler ends checked: " + seen);
        assertTrue(seen.domainHandlerEnds() > 0 || scenario.equals("migrate"),
                "interrupts inside the driver returned into it: " + seen);
    }

    @Test
    void asBuiltTheFirstCrossingHandsTheDriverTheKernelsPerCpuBase() throws Exception {
        Seen seen = run("lvd-as-built", "xmit", 40);
        assertTrue(!seen.violations().isEmpty(), seen.toString());
        Violation first = seen.violations().get(0);
        assertEquals("INV5", first.property());
        assertTrue(first.evidence().contains("gs.base = 0xffff888002002000 (the per-CPU area of cpu0)")
                || first.evidence().contains("gs.base = 0xffff888002022000 (the per-CPU area of cpu1)"), first.evidence());
    }
}
