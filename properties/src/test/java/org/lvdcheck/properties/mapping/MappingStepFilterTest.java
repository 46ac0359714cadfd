package org.lvdcheck.properties.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * {@link MappingCache#mayDiffer}, the per-step filter of the explorer's INV1–INV3 checks: "no"
 * must mean that the state a step reached has its source's analysis. Checked along seeded random
 * schedules of the built-in specs against the analyses themselves, and input by input on
 * lvd-as-built's initial state.
 */
class MappingStepFilterTest {
    static final int STEPS = 600;

    /**
     * Along a random schedule (each CPU's next instruction, timer and device interrupts), every
     * step the filter lets through without a new analysis reaches a state whose analysis key is
     * its source's; and the run does change mappings (guest A/D flags, the CR3 remap, context
     * switches), which the filter sees. As built, the run may end early where a CPU stops
     * (docs/FINDINGS.md F1).
     */
    @ParameterizedTest(name = "{0} seed {1}")
    @CsvSource({"lvd-as-built, 1", "lvd-as-built, 2", "lvd-hardened, 3", "lvd-hardened, 4"})
    void noMeansTheSameAnalysis(String spec, long seed) throws Exception {
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load(spec), 2);
        Machine m = new Machine(b.system(), b.initial());
        MappingCache filter = new MappingCache(b.system(), 4);
        MappingCache truth = new MappingCache(b.system(), 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Integer> vectors = b.system().spec().vectors().stream()
                .filter(v -> v.vectorClass() == org.lvdcheck.spec.lvd.Model.VectorClass.TIMER
                        || v.vectorClass() == org.lvdcheck.spec.lvd.Model.VectorClass.DEVICE)
                .map(org.lvdcheck.spec.lvd.Model.Vector::number).toList();
        MachineState s = b.initial();
        filter.analysisOf(s);
        int changed = 0;
        int kept = 0;
        int taken = 0;
        for (int i = 0; i < STEPS; i++) {
            List<Action> enabled = new ArrayList<>();
            for (int c = 0; c < b.system().cpus(); c++) {
                enabled.add(new Action.Execute(c));
                if (rnd.nextInt(40) == 0) {
                    for (int v : vectors) {
                        enabled.add(new Action.Interrupt(c, v));
                    }
                }
            }
            MachineState cur = s;
            enabled.removeIf(a -> !m.enabled(cur, a));
            if (enabled.isEmpty()) {
                break;
            }
            MachineState next = m.next(s, enabled.get(rnd.nextInt(enabled.size()))).state();
            boolean mayDiffer = filter.mayDiffer(s, next);
            long before = truth.analysisOf(s).key();
            long after = truth.analysisOf(next).key();
            if (mayDiffer) {
                filter.analysisOf(next);
                changed += before != after ? 1 : 0;
            } else {
                assertEquals(before, after, "seed " + seed + ", step " + i
                        + ": the filter said no, the analysis changed");
                kept++;
            }
            s = next;
            taken++;
        }
        assertTrue(changed > 0, "seed " + seed + ": the run changed a mapping");
        assertTrue(taken >= 200, "seed " + seed + ": the run went on (as built, CPUs may stop): " + taken);
        assertTrue(kept > taken * 9 / 10, "seed " + seed + ": nearly every step keeps the analysis: " + kept + " of "
                + taken);
    }

    @Test
    void eachInputOfTheAnalysisIsSeen() throws Exception {
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load("lvd-as-built"), 1);
        MappingCache cache = new MappingCache(b.system(), 4);
        MachineState s = b.initial();
        cache.analysisOf(s);
        assertFalse(cache.mayDiffer(s, s));
        assertFalse(cache.mayDiffer(s, write(s, 0x3100000L)), "a kernel data frame (a task_struct)");
        assertTrue(cache.mayDiffer(s, write(s, BuiltinSpecsMappingTest.NET_PT + 0x1000)),
                "a table of net's page table");
        assertTrue(cache.mayDiffer(s, write(s, 0x3000000L)), "init_level4_pgt, walked in the kernel view");
        assertTrue(cache.mayDiffer(s, write(s, 0x7000000L)), "the root of cpu0's kernel EPT");
        assertTrue(cache.mayDiffer(s, write(s, b.system().eptpLists()[1])), "cpu1's EPTP list");
        assertTrue(cache.mayDiffer(s, s.withKilled(1L << 1)), "net killed");
        CpuState c0 = s.cpu(0);
        assertTrue(cache.mayDiffer(s, s.withCpu(0, c0.withRegs(c0.regs().withCr3(0x3081000L)))), "a new CR3");
        assertTrue(cache.mayDiffer(s, s.withCpu(0, c0.withRegs(c0.regs().withEfer(c0.regs().efer() ^ Efer.NXE)))),
                "EFER.NXE");
        assertTrue(cache.mayDiffer(s, s.withCpu(0, c0.withVmcs(c0.vmcs().withEptpListAddress(0x5101000L)))),
                "another EPTP list");
        assertTrue(cache.mayDiffer(s, s.withCpu(0, c0.withVmcs(c0.vmcs().withCr3Target(0, 0x3081000L)))),
                "a CR3-target value");
        long netEptp = b.system().eptps()[1][0];
        assertFalse(cache.mayDiffer(s, s.withCpu(0, c0.withVmcs(c0.vmcs().withEptp(netEptp)))),
                "VMFUNC to a live view: its EPT is analysed anyway");
        assertTrue(cache.mayDiffer(s, s.withCpu(0, c0.withVmcs(c0.vmcs().withEptp(netEptp + 0x1000)))),
                "an EPTP of no view");
        ThreadState t = s.threads().get(0);
        assertTrue(cache.mayDiffer(s, s.withThread(0, t.with(t.status(), t.lastCpu(), t.saved().withCr3(0x3081000L)))),
                "a thread's saved CR3");
        assertEquals(0L, s.killedDomains(), "the initial state has every domain alive");
    }

    private static MachineState write(MachineState s, long hpa) {
        return s.withMem(s.mem().edit().write(hpa + 0x800, 8, 0x1234).freeze());
    }
}
