package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * `check --state-profile` counts every state the explorer expands once, with the place of each
 * CPU: on the small specs, with and without reduction, the counts add up to the distinct states;
 * and it names the parts in which the states sampled at the most frequent combination differ.
 */
class StateProfileTest {
    @ParameterizedTest(name = "{0}, reduction {1}")
    @CsvSource({"tiny, true", "tiny, false", "mini, true", "mini, false"})
    void everyExpandedStateIsCountedOnceWithEachCpusPlace(String spec, boolean reduction) throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/" + spec + ".lvd"), reduction);
        StateProfile p = new StateProfile(sys.machine());
        sys.profile(p);
        ExplorationResult r = new Explorer<>(sys, Explorer.Options.defaults().withWorkers(2).withReduction(reduction)).run();
        assertTrue(r.complete());
        long distinct = r.stats().distinctStates();
        assertEquals(distinct, p.expanded());
        int cpus = sys.machine().system().cpus();
        List<StateProfile.Count> places = p.topPlaces(Integer.MAX_VALUE);
        for (int c = 0; c < cpus; c++) {
            String prefix = "cpu" + c + " ";
            assertEquals(distinct, places.stream().filter(x -> x.place().startsWith(prefix)).mapToLong(StateProfile.Count::states)
                    .sum(), "every state has one place for cpu" + c);
        }
        assertEquals(distinct, p.topCombinations(Integer.MAX_VALUE).stream().mapToLong(StateProfile.Count::states).sum());
        assertTrue(places.stream().anyMatch(x -> x.place().endsWith("driver control (RIP ⊤)")), places.toString());
        assertTrue(places.stream().anyMatch(x -> x.place().matches("cpu0 t0 kernel \\w+\\.s:\\d+ \\w+")), places.toString());
        assertEquals(distinct * cpus, p.topFiles(Integer.MAX_VALUE).stream().mapToLong(StateProfile.Count::states).sum(),
                "every CPU of every state is in one file, mode or driver control");
        assertTrue(p.topFiles(Integer.MAX_VALUE).stream().anyMatch(x -> x.place().matches("t0 kernel \\w+\\.s")),
                p.topFiles(Integer.MAX_VALUE).toString());
        List<StateProfile.Count> nestings = p.topNestings(Integer.MAX_VALUE);
        assertEquals(distinct, nestings.stream().mapToLong(StateProfile.Count::states).sum());
        assertTrue(nestings.stream().anyMatch(x -> x.place().equals("nothing open")), nestings.toString());
        List<StateProfile.Count> top = p.topPlaces(3);
        assertEquals(3, top.size());
        assertTrue(top.get(0).states() >= top.get(1).states() && top.get(1).states() >= top.get(2).states());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny", "mini"})
    void theStatesSampledAtTheMostFrequentCombinationAreComparedPartByPart(String spec) throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/" + spec + ".lvd"), true);
        StateProfile p = new StateProfile(sys.machine());
        sys.profile(p);
        new Explorer<>(sys, Explorer.Options.defaults().withWorkers(2)).run();
        StateProfile.Count top = p.topCombinations(1).get(0);
        StateProfile.Differences d = p.differences(5);
        assertTrue(top.states() > StateProfile.SAMPLE_AFTER, "the small specs meet their top combination often: " + top);
        assertEquals(top.place(), d.combination());
        assertTrue(d.states() >= 2 && d.states() <= StateProfile.SAMPLES, d.toString());
        assertTrue(!d.parts().isEmpty() && d.parts().size() <= 5, d.toString());
        long pairs = (long) d.states() * (d.states() - 1) / 2;
        for (int i = 0; i < d.parts().size(); i++) {
            assertTrue(d.parts().get(i).states() >= 1 && d.parts().get(i).states() <= pairs, d.toString());
            if (i > 0) {
                assertTrue(d.parts().get(i - 1).states() >= d.parts().get(i).states(), d.toString());
            }
        }
    }

    /**
     * With room for the samples of one combination only, the combination that has it at the end
     * is the most frequent one, not the first met {@link StateProfile#SAMPLE_AFTER} times.
     */
    @Test
    void theMostFrequentCombinationTakesTheSamplesOfOneMetLessOften() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/mini.lvd"), true);
        StateProfile p = new StateProfile(sys.machine(), 1);
        CheckState a = sys.initialState();
        CheckState b = sys.take(a, sys.choices(a).get(0)).target();
        for (int i = 0; i < StateProfile.SAMPLE_AFTER; i++) {
            p.record(a); // the first combination met SAMPLE_AFTER times
        }
        for (int i = 0; i < 4 * StateProfile.SAMPLE_AFTER; i++) {
            p.record(b);
        }
        StateProfile.Count top = p.topCombinations(1).get(0);
        assertNotEquals(p.topCombinations(2).get(1).place(), top.place());
        StateProfile.Differences d = p.differences(5);
        assertEquals(top.place(), d.combination(), "sampled: " + d + ", top: " + p.topCombinations(3));
        assertTrue(d.states() >= 2, d.toString());
    }

    @ParameterizedTest(name = "{0}, reduction {1}")
    @CsvSource({"mini, true", "irq, true", "mini, false"})
    void everyFullExpansionNamesWhatKeptEachCpuOutOfAReducedOne(String spec, boolean reduction) throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/" + spec + ".lvd"), reduction);
        StateProfile p = new StateProfile(sys.machine());
        sys.profile(p);
        ExplorationResult r = new Explorer<>(sys, Explorer.Options.defaults().withWorkers(2).withReduction(reduction)
                .withSleepSets(false)).run();
        assertTrue(r.complete());
        List<StateProfile.Count> why = p.topGlobal(Integer.MAX_VALUE);
        if (!reduction) {
            assertEquals(0, p.fullExpansions(), "without reduction no expansion is a reduced one that failed");
            assertTrue(why.isEmpty(), why.toString());
            return;
        }
        assertTrue(p.fullExpansions() > 0 && p.fullExpansions() < r.stats().distinctStates(), p.fullExpansions() + "");
        // Two CPUs, no sleep sets: a full expansion means both CPUs could move and neither qualified, so
        // each names the first of its steps that is not CPU-local (or its wait on a spinlock).
        assertEquals(2 * p.fullExpansions(), why.stream().mapToLong(StateProfile.Count::states).sum(), why.toString());
        for (StateProfile.Count c : why) {
            assertTrue(c.place().matches("cpu[01] .+ — .+: .+"), c.place());
        }
        assertTrue(why.stream().anyMatch(c -> c.place().contains("— driver: ")), "the driver's moves are global: " + why);
        assertTrue(why.stream().anyMatch(c -> c.place().endsWith(": a thread switch")), why.toString());
    }

    @Test
    void aCpusViewLeavesOutTheOtherCpusRegistersFramesAndRunningThread() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/mini.lvd"), true);
        StateProfile p = new StateProfile(sys.machine());
        FrameOwnership own = new FrameOwnership(sys.machine());
        CheckState s = sys.initialStates().get(0);
        MachineState m = s.machine();
        long cpu1Frame = -1;
        long t1Frame = -1;
        long shared = -1;
        for (long f : m.mem().frameNumbers()) {
            if (own.cpuOf(f) == 1 && cpu1Frame < 0) {
                cpu1Frame = f;
            } else if (own.threadOf(f) == 1 && t1Frame < 0) {
                t1Frame = f;
            } else if (own.cpuOf(f) < 0 && own.threadOf(f) < 0 && !own.readOnly(f) && shared < 0) {
                shared = f;
            }
        }
        assertTrue(cpu1Frame >= 0 && t1Frame >= 0 && shared >= 0, cpu1Frame + " " + t1Frame + " " + shared);
        // The other CPU's registers and CPU frames: only its own view changes.
        CpuState c1 = m.cpu(1);
        CheckState regs = s.withMachine(m.withCpu(1, c1.withRegs(c1.regs().withGpr(ArchRegs.RAX, 0x1234))));
        assertEquals(p.view(s, 0), p.view(regs, 0));
        assertNotEquals(p.view(s, 1), p.view(regs, 1));
        CheckState tss = s.withMachine(written(m, cpu1Frame, 0x5678));
        assertEquals(p.view(s, 0), p.view(tss, 0));
        assertNotEquals(p.view(s, 1), p.view(tss, 1));
        // A frame no CPU and no thread owns: both views change.
        CheckState data = s.withMachine(written(m, shared, 0x5678));
        assertNotEquals(p.view(s, 0), p.view(data, 0));
        assertNotEquals(p.view(s, 1), p.view(data, 1));
        // t1's frames belong to CPU 1's view while t1 runs there, and to every view while it does not.
        MachineState running = m.withCpu(1, c1.withThread(1).withMode(CpuMode.RUNNING));
        CheckState r = s.withMachine(running);
        CheckState rw = s.withMachine(written(running, t1Frame, 0x9abc));
        assertEquals(p.view(r, 0), p.view(rw, 0));
        assertNotEquals(p.view(r, 1), p.view(rw, 1));
        CheckState idle = s.withMachine(written(m, t1Frame, 0x9abc));
        assertNotEquals(p.view(s, 0), p.view(idle, 0));
        // Which thread the other CPU runs is in every view.
        assertNotEquals(p.view(s, 0), p.view(r, 0));
    }

    /** {@code m} with {@code value} in the second word of {@code frame}. */
    private static MachineState written(MachineState m, long frame, long value) {
        return m.withMem(m.mem().edit().write((frame << 12) + 8, 8, value).freeze());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mini", "irq"})
    void theCpusViewsAreCountedOverTheExpandedStates(String spec) throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/" + spec + ".lvd"), true);
        StateProfile p = new StateProfile(sys.machine());
        sys.profile(p);
        ExplorationResult r = new Explorer<>(sys, Explorer.Options.defaults().withWorkers(2)).run();
        assertTrue(r.complete());
        assertEquals(2, p.cpus());
        for (int c = 0; c < 2; c++) {
            assertTrue(p.views(c) > 1 && p.views(c) <= p.expanded(), c + ": " + p.views(c) + " of " + p.expanded());
        }
        assertTrue(p.views(0) + p.views(1) < 2 * p.expanded(), "some states differ only in the other CPU's part");
    }

    @Test
    void aThreadsOpenCallsAndHandlersAreNamedOutermostFirst() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/tiny.lvd"), true);
        StateProfile p = new StateProfile(sys.machine());
        CheckState s = sys.initialStates().get(0);
        assertEquals("nothing open", p.nesting(s));
        var regs = s.machine().cpu(0).regs();
        CrossingGhost g = CrossingGhost.NONE
                .withCall(0, new CrossingGhost.GateCall("gate", 1, 2, CrossingGhost.KernelContext.of(regs, 0)))
                .withHandler(0, CrossingGhost.Handler.of(0xef, 1, regs))
                .withHandler(0, CrossingGhost.Handler.of(2, 0, regs));
        assertEquals("t0: calls 1 > 0xef@net > 0x2@kernel", p.nesting(s.withCrossing(g)));
    }

    @Test
    void twoStatesDifferInThePartsAUserNames() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("src/test/resources/small/tiny.lvd"), true);
        CheckState s = sys.initialStates().get(0);
        assertEquals(List.of(), StateDifference.of(s, s));
        var m = s.machine();
        var cpu = m.cpu(0);
        var rax = m.withCpu(0, cpu.withRegs(cpu.regs().withGpr(org.lvdcheck.emulator.cpu.ArchRegs.RAX, 0x1234)));
        long frame = m.mem().frameNumbers()[0];
        var mem = rax.withMem(m.mem().edit().write((frame << 12) + 8, 8, 0x5678).freeze());
        int[] fires = s.firesLeft().clone();
        CheckState t = new CheckState(mem, fires, s.caller(), s.crossing(), s.deferred(), s.resume());
        assertEquals(List.of("cpu0 rax", "frame 0x" + Long.toHexString(frame) + " contents"), StateDifference.of(s, t));
        var topFlags = m.withCpu(0, cpu.withRegs(cpu.regs().withTaint(org.lvdcheck.emulator.cpu.ArchRegs.T_FLAGS, true)));
        assertEquals(List.of("cpu0 rflags"), StateDifference.of(s, s.withMachine(topFlags)));
        if (fires.length > 0) {
            fires[0]++;
            assertEquals(List.of("interrupt budget"), StateDifference.of(s,
                    new CheckState(m, fires, s.caller(), s.crossing(), s.deferred(), s.resume())));
        }
        // The ghost: whose gate calls, whose handler and which of its fields.
        ArchRegs regs = cpu.regs();
        CrossingGhost call = CrossingGhost.NONE
                .withCall(0, new CrossingGhost.GateCall("gate", 1, 2, CrossingGhost.KernelContext.of(regs, 0)));
        CrossingGhost ud = call.withHandler(0, CrossingGhost.Handler.of(6, 1, regs));
        CrossingGhost gp = call.withHandler(0, CrossingGhost.Handler.of(13, 1, regs.withGpr(ArchRegs.RBX, 7)));
        assertEquals(List.of("ghost: t0's open gate calls"), StateDifference.of(s, s.withCrossing(call)));
        assertEquals(List.of("ghost: t0's open handlers (how many)"), StateDifference.of(s.withCrossing(call), s.withCrossing(ud)));
        assertEquals(List.of("ghost: t0's handler 0 (event, GPRs)"), StateDifference.of(s.withCrossing(ud), s.withCrossing(gp)));
    }

    @Test
    void statesAreCountedOnceWithTheirMirrorImagesWhereTheSystemIsSymmetric() throws Exception {
        // Without reduction the states to a depth are closed under σ (it maps the initial states onto
        // themselves and every step onto the other CPU's): each orbit is one state or two.
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), false);
        StateProfile p = new StateProfile(sys.machine());
        sys.profile(p);
        new Explorer<>(sys, Explorer.Options.defaults().withWorkers(2).withReduction(false).withMaxDepth(24)).run();
        long n = p.expanded();
        assertTrue(n > 100, "expanded " + n);
        assertTrue(p.orbits() < n && 2 * p.orbits() >= n, p.orbits() + " orbits of " + n + " states");
        assertEquals(null, p.noSymmetry());

        LvdTransitionSystem mini = Replay.system(SpecLoader.load("src/test/resources/small/mini.lvd"), false);
        StateProfile q = new StateProfile(mini.machine());
        mini.profile(q);
        assertEquals(-1, q.orbits());
        assertTrue(q.noSymmetry().contains("pinned"), q.noSymmetry());
    }
}
