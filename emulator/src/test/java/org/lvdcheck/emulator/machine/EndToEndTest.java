package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The built-in systems run their real gate, entry and driver code: on lvd-hardened dummy-net
 * transmits 1,000 packets, every crossing is a VMFUNC in the gate or entry code, and timer
 * interrupts arrive inside the driver and are delivered without a VM exit.
 */
class EndToEndTest {
    static Machine machine(String spec, int calls) throws Exception {
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load(spec), calls);
        return new Machine(b.system(), b.initial());
    }

    @Test
    void hardenedDummyNetTransmitsOneThousandPacketsThroughTheGate() throws Exception {
        Machine m = machine("lvd-hardened", 500);
        LvdSystem sys = m.system();
        var sc = sys.spec().scenarios().get(0);
        List<Long> vmfuncSites = new ArrayList<>();
        int[] inDriverArrivals = {0};
        ScenarioRunner.Summary s = new ScenarioRunner(m, sc).run(5_000_000, 0, t -> {
            for (Event e : t.events()) {
                if (e instanceof Event.Crossing) {
                    vmfuncSites.add(t.ripBefore());
                }
                if (e instanceof Event.Delivered d && d.fromDomain() && d.exitless()) {
                    inDriverArrivals[0]++;
                }
                assertFalse(e instanceof Event.VmExit, "no VM exit on the hardened path: " + e);
                assertFalse(e instanceof Event.Stopped, "no CPU stops: " + e);
            }
        });
        assertEquals("every thread exited", s.end());
        assertEquals(2, s.threadsDone());
        LinkedImage net = sys.images().get("net");
        long stats = net.symbol("dummy_net_stats").orElseThrow();
        long txOffset = sys.images().get("kernel").symbol("DNET_tx_packets").orElseThrow();
        assertEquals(1000, m.peek(s.last(), sys.views().indexOf("net"), 0, stats + txOffset, 8),
                "dummy-net's tx_packets counter");
        long consumed = sys.images().get("kernel").symbol("net_skbs_consumed").orElseThrow();
        assertEquals(1000, m.peek(s.last(), 0, 0, consumed, 8), "every packet came back through consume_skb");
        // 1,000 calls each enter the driver twice (the call and the return of the consume_skb callback),
        // plus one round trip per interrupt that arrived inside the driver.
        assertEquals(2000 + inDriverArrivals[0], s.domainEntries());
        assertEquals(s.domainEntries(), s.kernelEntries());
        assertEquals(java.util.Map.of("net", s.domainEntries()), s.domainEntriesByView(), "blk stays idle");
        assertTrue(inDriverArrivals[0] >= 1, "a timer interrupt arrived inside the driver at least once");
        assertEquals(inDriverArrivals[0], s.interruptsExitless());
        assertTrue(s.exits().isEmpty(), "no VM exits: " + s.exits());
        for (long site : vmfuncSites) {
            String sym = sectionOf(sys, site);
            assertTrue(sym.equals(".vmfunc.trampoline.text") || sym.equals(".vmfunc.springboard.text")
                    || sym.equals(".entry.text"), "VMFUNC at 0x" + Long.toHexString(site) + " is in " + sym);
        }
    }

    static String sectionOf(LvdSystem sys, long address) {
        for (LinkedImage img : sys.images().values()) {
            for (String sec : img.sectionNames()) {
                if (address >= img.sectionStart(sec) && address < img.sectionEnd(sec)) {
                    return sec;
                }
            }
        }
        return "(no section)";
    }

    @Test
    void oneCallRoundTripsOnBothBuiltInSpecs() throws Exception {
        for (String spec : new String[] {"lvd-as-built", "lvd-hardened"}) {
            Machine m = machine(spec, 1);
            ScenarioRunner.Summary s = new ScenarioRunner(m, m.system().spec().scenarios().get(0)).run(100_000, 0, null);
            assertEquals("every thread exited", s.end(), spec + ": " + s.stops());
            assertEquals(4, s.domainEntries(), spec);
            assertEquals(4, s.kernelEntries(), spec);
        }
    }

    @Test
    void aThreadPreemptedOnOneCpuResumesOnTheOther() throws Exception {
        Machine m = machine("lvd-hardened", 20);
        var sc = m.system().spec().scenarios().stream().filter(x -> x.name().equals("migrate")).findFirst().orElseThrow();
        List<String> switches = new ArrayList<>();
        ScenarioRunner.Summary s = new ScenarioRunner(m, sc).run(1_000_000, 0, t -> {
            for (Event e : t.events()) {
                if (e instanceof Event.Switched w) {
                    switches.add("cpu" + t.cpu() + ":" + w.from() + "->" + w.to());
                }
            }
        });
        assertEquals("every thread exited", s.end(), s.stops().toString());
        assertTrue(switches.contains("cpu0:t0->t1"), "the timer preempts t0 on cpu0: " + switches);
        assertTrue(switches.contains("cpu1:idle->t0"), "t0 resumes on cpu1: " + switches);
        long stats = m.system().images().get("net").symbol("dummy_net_stats").orElseThrow();
        assertEquals(40, m.peek(s.last(), 1, 0, stats, 8), "both threads' 20 packets went through");
    }

    @Test
    void theRunIsDeterministicForAGivenSeed() throws Exception {
        Machine m = machine("lvd-hardened", 3);
        var sc = m.system().spec().scenarios().get(0);
        ScenarioRunner.Summary a = new ScenarioRunner(m, sc).run(1_000_000, 7, null);
        ScenarioRunner.Summary b = new ScenarioRunner(m, sc).run(1_000_000, 7, null);
        assertEquals(a.steps(), b.steps());
        assertEquals(a.last().mem(), b.last().mem());
    }
}
