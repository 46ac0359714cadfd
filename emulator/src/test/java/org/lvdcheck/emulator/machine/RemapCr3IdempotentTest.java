package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.run.ScenarioRunner;

/**
 * On lvd-hardened the domain EPTs map the GPA of both kernel page-table roots (init_level4_pgt,
 * proc_pgd) to the LVD's root already (the spec's {@code ept net gpa=pgd:...} lines), so
 * {@code remap_cr3} writes every EPT word with the value it holds: a mutant that drops the call
 * (gate-kernel.s 84 and 218, docs/SURVIVORS.md) leaves the EPTs as the original does. The test
 * fails if a remap ever changes a word of the EPT pool, as it would on a spec whose domain EPT did
 * not map a thread's root.
 */
class RemapCr3IdempotentTest {
    @Test
    void everyRemapOnTheHardenedSpecRewritesTheValuesTheEptAlreadyHolds() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 3);
        var pool = m.system().spec().region("lxd.ept").orElseThrow();
        long lo = pool.hpa();
        long hi = pool.hpa() + pool.size();
        var sc = m.system().spec().scenarios().get(0);
        MachineState[] prev = {m.initial()};
        List<String> changed = new ArrayList<>();
        Set<Long> roots = new TreeSet<>();
        int[] remaps = {0};
        ScenarioRunner.Summary s = new ScenarioRunner(m, sc).run(2_000_000, 0, t -> {
            for (Event e : t.events()) {
                if (e instanceof Event.Primitive p && p.name().equals("remap_cr3")) {
                    remaps[0]++;
                    roots.add(t.after().cpu(t.cpu()).regs().cr3() & 0x000FFFFFFFFFF000L);
                    for (PhysMem.WordChange w : t.after().mem().changesSince(prev[0].mem())) {
                        if (w.hpa() >= lo && w.hpa() < hi) {
                            changed.add(String.format("HPA 0x%x: 0x%x -> 0x%x", w.hpa(), w.before(), w.after()));
                        }
                    }
                }
            }
            prev[0] = t.after();
        });
        assertEquals("every thread exited", s.end());
        assertEquals(12, remaps[0], "two threads x three calls, a remap on the way in and on each callback's way back");
        assertEquals(2, roots.size(), "both threads' page-table roots were remapped: " + roots);
        assertTrue(changed.isEmpty(), "remap_cr3 changed the EPT pool: " + changed);
    }
}
