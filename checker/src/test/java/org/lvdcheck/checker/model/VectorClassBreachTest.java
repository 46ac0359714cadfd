package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.Patch;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The vector-class merge checks what the static comparison cannot: a shared handler that reads the
 * vector is the same code on both paths, and the merged NIC's run, kept beside the timer's, breaches.
 */
class VectorClassBreachTest {
    private static int withImage;

    private static Set<String> breaches(LvdTransitionSystem sys, int states) {
        withImage = 0;
        Set<Long> seen = new HashSet<>();
        ArrayDeque<CheckState> queue = new ArrayDeque<>();
        queue.add(sys.initialState());
        while (!queue.isEmpty() && seen.size() < states) {
            CheckState s = queue.poll();
            for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
                LvdTransitionSystem.Taken t;
                try {
                    t = sys.take(s, ch);
                } catch (DeadStacks.Forgotten f) {
                    continue;
                }
                if (t.violations().isEmpty() && seen.add(sys.fingerprint(t.target(), 0))) {
                    queue.add(t.target());
                    withImage += t.target().image() != null ? 1 : 0;
                }
            }
        }
        return new HashSet<>(sys.imageBreaches());
    }

    @Test
    void aHandlerThatReadsTheVectorBreaches() throws Exception {
        Patch p = Patch.replace("asm/hardened/entry.s", 109, "        cld", "        cld; cmpq $-50, (%rsp); jne 7f");
        LvdTransitionSystem sys = Replay.system(SpecLoader.loadPatched("lvd-hardened", p, "reads-vector"), true);
        assertTrue(sys.useVectorClasses() != null, "the code is still the same on both paths");
        Set<String> b = breaches(sys, 5_000);
        assertFalse(b.isEmpty());
        assertTrue(b.stream().anyMatch(x -> x.contains("not the partner address")), b.toString());
    }

    @Test
    void theHardenedHandlersBreachNothing() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        assertTrue(sys.useVectorClasses() != null);
        assertTrue(breaches(sys, 5_000).isEmpty());
        assertTrue(withImage > 100, "states with the NIC's run kept beside: " + withImage);
    }

    @Test
    void theImageCarriedThroughIsTheImageRun() throws Exception {
        // Every step that carries the image through without running it is run on the image too, and the
        // two images compared (an AssertionError otherwise): on both CPUs' steps, through the handlers.
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        sys.useVectorClasses();
        boolean before = LvdTransitionSystem.verifyImages;
        LvdTransitionSystem.verifyImages = true;
        try {
            assertTrue(breaches(sys, 20_000).isEmpty());
        } finally {
            LvdTransitionSystem.verifyImages = before;
        }
        long[] steps = sys.imageSteps();
        assertTrue(steps[0] > 1_000 && steps[0] > steps[1], "carried " + steps[0] + ", run " + steps[1]);
    }
}
