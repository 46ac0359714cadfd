package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.Patch;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * {@link VectorImageRuns}: the NIC's handler run is an image of the timer's on lvd-hardened, and a
 * handler that reads the vector is caught although the static comparison finds the code the same.
 */
class VectorImageRunsTest {
    @Test
    void theNicRunIsAnImageOfTheTimerRun() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        VectorImageRuns.Report r = new VectorImageRuns(sys).run(20_000, 400);
        assertTrue(r.arrivals() >= 100, "arrivals compared: " + r.arrivals());
        assertEquals(java.util.List.of(), r.divergences());
        assertEquals(r.arrivals(), r.converged() + r.cutAlike());
        // The runs differ in the vector's carriers and nowhere else, and few steps read one.
        assertTrue(r.carriers().keySet().containsAll(java.util.Set.of("in-service vector", "memory words", "ghost",
                "rip (paired)")), r.carriers().toString());
        assertTrue(r.carrierReads() > 0 && r.carrierReads() * 5 < r.stepsA(), r.carrierReads() + " of " + r.stepsA());
        assertTrue(r.readers().keySet().stream().anyMatch(k -> k.startsWith("primitive do_IRQ")), r.readers().toString());
    }

    @Test
    void aHandlerThatReadsTheVectorDiverges() throws Exception {
        // The first instruction of the shared interrupt macro now compares the pushed vector word with ~0x31
        // and leaves for the domain-window path unless it is the NIC's: the same code on both paths, so the
        // static comparison still finds the two handlers alike, but their runs part at once.
        Patch p = Patch.replace("asm/hardened/entry.s", 109, "        cld", "        cld; cmpq $-50, (%rsp); jne 7f");
        var loaded = SpecLoader.loadPatched("lvd-hardened", p, "reads-vector");
        LvdTransitionSystem sys = Replay.system(loaded, true);
        assertTrue(VectorClasses.ofSources(sys.machine().system()).get(0).same());
        VectorImageRuns.Report r = new VectorImageRuns(sys).run(20_000, 50);
        assertTrue(r.arrivals() > 0);
        assertFalse(r.divergences().isEmpty());
        assertEquals(0, r.converged(), "no run may end alike");
        assertTrue(r.divergences().get(0).contains("entry.s:"), r.divergences().get(0));
    }
}
