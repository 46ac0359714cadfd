package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The second domain of the built-in specs: the null-block driver in EPTP-list slot 2. Its
 * scenario {@code block} runs one thread whose work block names slot 2: every request goes
 * through the gate into blk and back, the completion callback comes back through the
 * springboard, and timer interrupts taken inside blk return to slot 2. The explored workload
 * leaves blk idle.
 */
class BlockScenarioTest {
    /** The spec's {@code block} scenario (its threads and schedule) with {@code calls} requests. */
    static Model.Scenario block(SpecLoader.Loaded l, int calls) {
        Model.Scenario sc = l.spec().scenarios().stream().filter(x -> x.name().equals("block")).findFirst().orElseThrow();
        return new Model.Scenario(sc.name(), sc.title(), calls, sc.timerEvery(), sc.timerSource(), sc.stagger(), sc.threads(),
                sc.pos());
    }

    static Machine machine(String spec, int calls) throws Exception {
        SpecLoader.Loaded l = SpecLoader.load(spec);
        SystemBuilder.Built b = SystemBuilder.build(l, block(l, calls));
        return new Machine(b.system(), b.initial());
    }

    static long constant(LvdSystem sys, String name) {
        return sys.images().get("kernel").symbol(name).orElseThrow();
    }

    /**
     * A kill decided under the kernel's EPT (a gate abort in the kernel's copy of the trampoline,
     * a failed VMFUNC of the kernel) has no domain view to name the culprit: it is the domain the
     * running thread calls, here blk in slot 2, not the first domain.
     */
    @Test
    void aKillFromTheKernelViewKillsTheDomainTheThreadCalls() throws Exception {
        Machine m = machine("lvd-hardened", 1);
        MachineState s = m.initial();
        for (int i = 0; i < 100 && s.cpu(0).thread() < 0; i++) {
            s = m.next(s, new Action.Execute(0)).state();
        }
        int t = s.cpu(0).thread();
        assertTrue(t >= 0, "a thread runs on cpu0");
        assertEquals("blk", m.system().spec().threads().get(t).domain());
        assertEquals(0, m.viewOf(s, 0), "in the kernel's view");
        List<Event> ev = new java.util.ArrayList<>();
        MachineState k = new Hypervisor(m.system(), m).kill(s, 0, ev, "a test's kill", -1);
        assertTrue(ev.stream().anyMatch(e -> e instanceof Event.Killed x && x.domain().equals("blk")), ev.toString());
        assertEquals(1L << 2, k.killedDomains(), "slot 2");
    }

    @Test
    void hardenedNullBlockCompletesItsRequestsThroughSlotTwo() throws Exception {
        int n = 300;
        Machine m = machine("lvd-hardened", n);
        LvdSystem sys = m.system();
        int blk = sys.views().indexOf("blk");
        assertEquals(2, sys.viewSlots()[blk], "blk's EPTs sit in EPTP-list slot 2");
        int[] arrivals = {0};
        int[] backFromEntry = {0};
        // The interrupt exit's VMFUNC back into a domain sits in each view's gate page (HARDENING.md G24).
        long irqReturn = sys.images().get("kernel").symbol("vmfunc_irq_return").orElseThrow();
        ScenarioRunner.Summary s = new ScenarioRunner(m, block(SpecLoader.load("lvd-hardened"), n)).run(5_000_000, 0, t -> {
            for (Event e : t.events()) {
                assertFalse(e instanceof Event.VmExit, "no VM exit: " + e);
                assertFalse(e instanceof Event.Stopped, "no CPU stops: " + e);
                if (e instanceof Event.Crossing x) {
                    assertTrue(List.of("blk", "kernel").contains(x.from()) && List.of("blk", "kernel").contains(x.to()),
                            "net stays idle: " + x);
                    String sec = EndToEndTest.sectionOf(sys, t.ripBefore());
                    assertTrue(sec.equals(".vmfunc.trampoline.text") || sec.equals(".vmfunc.springboard.text")
                            || sec.equals(".entry.text"), "VMFUNC in " + sec);
                    if (x.to().equals("blk") && t.ripBefore() == irqReturn) {
                        backFromEntry[0]++;
                    }
                }
                if (e instanceof Event.Delivered d && d.fromDomain() && d.exitless()) {
                    arrivals[0]++;
                }
            }
        });
        assertEquals("every thread exited", s.end(), s.stops().toString());
        assertEquals(1, s.threads());
        assertEquals(1, s.threadsDone());
        long stats = sys.images().get("blk").symbol("null_blk_stats").orElseThrow();
        assertEquals(n, m.peek(s.last(), blk, 0, stats + constant(sys, "NULLB_requests"), 8), "null_blk's request counter");
        assertEquals(64L * n, m.peek(s.last(), blk, 0, stats + constant(sys, "NULLB_bytes"), 8), "null_blk's byte counter");
        assertEquals(n, m.peek(s.last(), 0, 0, constant(sys, "blk_requests_ended"), 8),
                "every request came back through blk_mq_end_request");
        assertEquals(0, m.peek(s.last(), 0, 0, constant(sys, "net_skbs_consumed"), 8));
        // Each request enters blk twice (the call, the return of the callback), plus one round trip per
        // interrupt taken inside blk, whose exit VMFUNCs back into slot 2.
        assertTrue(arrivals[0] >= 1, "a timer interrupt arrived inside blk");
        assertEquals(arrivals[0], backFromEntry[0], "every interrupt inside blk returned into blk");
        assertEquals(2 * n + arrivals[0], s.domainEntries());
        assertEquals(Map.of("blk", s.domainEntries()), s.domainEntriesByView());
        assertEquals(s.domainEntries(), s.kernelEntries());
    }

    @Test
    void oneRequestRoundTripsOnBothBuiltInSpecs() throws Exception {
        for (String spec : new String[] {"lvd-as-built", "lvd-hardened"}) {
            Machine m = machine(spec, 1);
            SpecLoader.Loaded l = SpecLoader.load(spec);
            ScenarioRunner.Summary s = new ScenarioRunner(m, block(l, 1)).run(100_000, 0, null);
            assertEquals("every thread exited", s.end(), spec + ": " + s.stops());
            assertEquals(Map.of("blk", 2), s.domainEntriesByView(), spec);
            assertEquals(2, s.kernelEntries(), spec);
            assertEquals(1, m.peek(s.last(), 0, 0, constant(m.system(), "blk_requests_ended"), 8), spec);
        }
    }

    @Test
    void theKernelServesBlksCallbacksFromBlksInterface() throws Exception {
        Machine m = machine("lvd-hardened", 1);
        Step declared = m.next(IdlDispatchTest.atKernelDispatchWithRpc(m, "blk_mq_end_request"), new Action.Execute(0));
        assertTrue(IdlDispatchTest.dispatchDetail(declared).endsWith("-> blk_mq_end_request"),
                IdlDispatchTest.dispatchDetail(declared));
        Step other = m.next(IdlDispatchTest.atKernelDispatchWithRpc(m, "consume_skb"), new Action.Execute(0));
        assertTrue(IdlDispatchTest.dispatchDetail(other).contains("is not a kernel function blk's IDL imports: refused"),
                IdlDispatchTest.dispatchDetail(other));
    }

    @Test
    void theExploredWorkloadLeavesBlkIdle() throws Exception {
        SpecLoader.Loaded l = SpecLoader.load("lvd-hardened");
        assertEquals(List.of("t0", "t1"), l.spec().workload().threads());
        SystemBuilder.Built b = SystemBuilder.build(l, l.spec().workload().callsPerThread());
        assertEquals(List.of("t0", "t1"), b.system().spec().threads().stream().map(Model.Thread::name).toList());
        assertEquals(2, b.initial().threads().size());
        assertEquals(List.of("kernel", "net", "blk"), b.system().views(), "blk is built even though no thread calls it");
        for (Model.Scenario sc : l.spec().scenarios()) {
            assertEquals(sc.name().equals("block") ? List.of("t2") : List.of("t0", "t1"), sc.threads(), sc.name());
        }
    }
}
