package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The CPU symmetry σ of lvd-hardened (docs/MODEL.md, "CPU symmetry") is an automorphism of the
 * explored transition system where the runs go: σ is an involution, maps the initial states onto
 * themselves, and on every step s -a-> t taken by a breadth-first search and by seeded random runs,
 * the mirror image σ(s) has the mirrored action σ(a) enabled, and it leads to σ(t) with the same
 * violations.
 */
class CpuSymmetryTest {
    private static LvdTransitionSystem sys;
    private static CpuSymmetry sigma;

    /** The system with its reductions (dead stacks, write-only words, dead thread contexts), whose steps σ must map too. */
    private static LvdTransitionSystem reduced;

    @BeforeAll
    static void build() throws Exception {
        sys = symmetric("lvd-hardened", false);
        sigma = sys.cpuSymmetry();
        reduced = symmetric("lvd-hardened", true);
    }

    /** The system with its fingerprints up to its CPU symmetry (so its ghost keeps the mirror images' stack hashes). */
    private static LvdTransitionSystem symmetric(String spec, boolean reduction) throws Exception {
        LvdTransitionSystem s = Replay.system(SpecLoader.load(spec), reduction);
        assertNull(s.useCpuSymmetry(), spec + " has a CPU symmetry");
        return s;
    }

    @Test
    void theMirrorSwapsPerCpuFramesAndAddresses() {
        assertTrue(sigma.framePairs() >= 20, "GDT, TSS, per-CPU area, IST and IRQ stacks, state pages, EPTs: "
                + sigma.framePairs());
        // The GS base of cpu0 is its per-CPU area; cpu1's is 128 KiB above it.
        assertEquals(0xffff888002022000L, sigma.value(0xffff888002002000L));
        assertEquals(0xffff888002002008L, sigma.value(0xffff888002022008L));
        // The state pages each CPU's kernel view maps at one address.
        assertEquals(0x1803010L, sigma.value(0x1802010L));
        assertEquals(0xffffffff81801000L, sigma.value(0xffffffff81801000L), "one address in every CPU's view");
        // The top of cpu0's IRQ stack (one past its last byte) is cpu0's too.
        assertEquals(0xffff888002034000L, sigma.value(0xffff888002014000L));
        // A domain stack of cpu0's block and of cpu1's; a stack top at the boundary is cpu0's last
        // stack's, and the pool's base stays.
        assertEquals(0xffffff80c0004008L, sigma.value(0xffffff80c0000008L));
        assertEquals(0xffffff80c0001ff8L, sigma.value(0xffffff80c0005ff8L));
        assertEquals(0xffffff80c0008000L, sigma.value(0xffffff80c0004000L));
        assertEquals(0xffffff80c0000000L, sigma.value(0xffffff80c0000000L));
        assertEquals(0x1234L, sigma.value(0x1234L));
        assertEquals(1, CpuSymmetry.cpu(0));
        assertEquals(-1, CpuSymmetry.cpu(-1));
    }

    @Test
    void theInitialStatesAreTheirOwnMirrorImages() {
        for (CheckState s : sys.initialStates()) {
            CheckState m = sigma.mirror(s);
            assertTrue(sys.initialStates().contains(m), "σ(initial) is initial: " + StateDifference.of(s, m));
            assertEquals(s, sigma.mirror(m));
        }
    }

    @Test
    void everyStepOfABreadthFirstSearchIsMirrored() {
        int[] orientations = new int[3]; // of the steps' targets: -1, 0 and 1
        ArrayDeque<CheckState> queue = new ArrayDeque<>(sys.initialStates());
        Set<CheckState> seen = new HashSet<>(queue);
        int steps = 0;
        while (!queue.isEmpty() && seen.size() < 1500) {
            CheckState s = queue.poll();
            for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
                CheckState t = mirroredStep(sys, s, ch);
                steps++;
                if (t != null) {
                    orientations[sigma.orientation(t) + 1]++;
                }
                if (t != null && seen.add(t)) {
                    queue.add(t);
                }
            }
        }
        assertTrue(steps > 1500, "steps checked: " + steps);
        // Each CPU's key decides most states (the threads start on either CPU), and a few are ties.
        assertTrue(orientations[0] > 0 && orientations[2] > 0, java.util.Arrays.toString(orientations));
        assertTrue(orientations[1] < steps / 10, java.util.Arrays.toString(orientations));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void everyStepOfASeededRandomRunIsMirrored(long seed) {
        randomRuns(seed, sys);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void everyStepOfASeededRandomRunOfTheReducedSystemIsMirrored(long seed) {
        randomRuns(seed, reduced);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23, 24})
    void everyStepOfASeededRandomRunOfLvdAsBuiltIsMirrored(long seed) throws Exception {
        LvdTransitionSystem asBuilt = symmetric("lvd-as-built", true);
        randomRuns(seed, asBuilt);
    }

    private static void randomRuns(long seed, LvdTransitionSystem sys) {
        Random rnd = new Random(seed);
        boolean crossedCpus = false;
        for (int run = 0; run < 3; run++) {
            CheckState s = sys.initialStates().get(rnd.nextInt(sys.initialStates().size()));
            for (int depth = 0; depth < 700; depth++) {
                List<LvdTransitionSystem.Choice> cs = sys.choices(s);
                if (cs.isEmpty()) {
                    break;
                }
                LvdTransitionSystem.Choice ch = cs.get(rnd.nextInt(cs.size()));
                crossedCpus |= ch.action().cpu() == 1;
                CheckState t = mirroredStep(sys, s, ch);
                if (t == null) {
                    break;
                }
                s = t;
            }
        }
        assertTrue(crossedCpus);
    }

    /** Takes {@code ch} from {@code s} and σ(ch) from σ(s), checks the targets mirror each other; the target, or null when cut. */
    private static CheckState mirroredStep(LvdTransitionSystem sys, CheckState s, LvdTransitionSystem.Choice ch) {
        CpuSymmetry sigma = sys.cpuSymmetry();
        CheckState ms = sigma.mirror(s);
        assertEquals(s, sigma.mirror(ms), "σ is an involution");
        LvdTransitionSystem.Choice mc = new LvdTransitionSystem.Choice(sigma.mirror(ch.action()), ch.source());
        List<LvdTransitionSystem.Choice> mine = sys.choices(ms);
        assertTrue(mine.contains(mc), () -> "σ(" + ch + ") is enabled in σ(s): " + mine);
        LvdTransitionSystem.Taken a = sys.take(s, ch);
        LvdTransitionSystem.Taken b = sys.take(ms, mc);
        CheckState expected = sigma.mirror(a.target());
        assertEquals(List.of(), StateDifference.of(expected, b.target()),
                () -> "σ(" + ch.label() + " of cpu" + ch.action().cpu() + ") leads to the mirror image");
        assertEquals(expected, b.target());
        long seed = 0x5eed;
        assertEquals(StateFingerprint.of(expected, seed), sigma.mirrorFingerprint(a.target(), seed),
                "the mirror image's fingerprint without building its memory");
        assertEquals(sigma.orbitFingerprint(a.target(), seed), sigma.orbitFingerprint(b.target(), seed));
        int o = sigma.orientation(a.target());
        assertEquals(-o, sigma.orientation(b.target()), "the orientation of σ(s) is the opposite of s's");
        long own = StateFingerprint.of(a.target(), seed);
        long mirrored = StateFingerprint.of(b.target(), seed);
        assertEquals(o < 0 ? own : o > 0 ? mirrored : Math.min(own, mirrored), sigma.orbitFingerprint(a.target(), seed),
                "the orbit's fingerprint is its representative's");
        assertEquals(names(a.violations()), names(b.violations()));
        return a.violations().stream().anyMatch(sys::cuts) ? null : a.target();
    }

    private static List<String> names(List<Violation> vs) {
        return vs.stream().map(Violation::property).sorted().toList();
    }

    @Test
    void aSystemWithPinnedThreadsHasNone() throws Exception {
        LvdTransitionSystem mini = Replay.system(SpecLoader.load("src/test/resources/small/mini.lvd"), false);
        CpuSymmetry.Derivation d = mini.checks().symmetry();
        assertNull(d.symmetry());
        assertNotNull(d.reason());
        assertTrue(d.reason().contains("pinned"), d.reason());
        assertNotEquals("", d.reason());
    }
}
