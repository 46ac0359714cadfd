package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.model.LineCoverage.Context;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Line coverage by context (docs/MUTATION.md, "Survivors by context"): every state of the tiny
 * spec is expanded, without reduction and past violations (tiny's minimal gate breaks INV5 and
 * DINTEG at the driver's entry, docs/TESTING.md), and each source line must have run exactly where its code
 * runs: the kernel's thread and its copy of the gate under the kernel's view; net's copy of the
 * gate where the kernel's call enters it (the domain's view, trusted) and where the driver's jumps
 * do; the driver's module as driver code; the gate's lines after {@code call vmfunc_dispatch}
 * under net's view only.
 */
class LineContextsTest {
    static Map<Integer, Set<Context>> gate;
    static Map<Integer, Set<Context>> kernel;
    static Map<Integer, Set<Context>> driver;
    static List<String> gateText;
    static int states;

    @BeforeAll
    static void exploreTiny() throws Exception {
        SpecLoader.Loaded tiny = SmallSpecs.load("tiny.lvd");
        LvdTransitionSystem sys = SmallSpecs.system(tiny, false);
        Set<CheckState> seen = new HashSet<>();
        ArrayDeque<CheckState> queue = new ArrayDeque<>();
        CheckState initial = sys.initialState();
        seen.add(initial);
        queue.add(initial);
        while (!queue.isEmpty() && seen.size() < 100_000) {
            CheckState s = queue.poll();
            for (LvdTransitionSystem.Choice ch : sys.choices(s)) {
                LvdTransitionSystem.Taken t = sys.take(s, ch);
                if (seen.add(t.target())) {
                    queue.add(t.target());
                }
            }
        }
        states = seen.size();
        gate = byLine(sys, "gate.s");
        kernel = byLine(sys, "kernel.s");
        driver = byLine(sys, "driver.s");
        gateText = Files.readAllLines(SmallSpecs.dir().resolve("asm/gate.s"));
    }

    static Map<Integer, Set<Context>> byLine(LvdTransitionSystem sys, String name) {
        String file = sys.coverage().byFile().keySet().stream().filter(f -> f.endsWith("/" + name)).findFirst()
                .orElseThrow();
        Map<Integer, Set<Context>> out = new TreeMap<>();
        for (LineCoverage.LineContexts l : sys.coverage().lines(file)) {
            out.put(l.line(), l.contexts());
        }
        return out;
    }

    /** The number of the one line of gate.s that holds {@code text} (1-based). */
    static int gateLine(String text) {
        int found = -1;
        for (int i = 0; i < gateText.size(); i++) {
            if (gateText.get(i).contains(text)) {
                assertEquals(-1, found, text + " is on more than one line");
                found = i + 1;
            }
        }
        assertTrue(found > 0, text);
        return found;
    }

    @Test
    void theWholeSpaceWasExpanded() {
        assertTrue(states < 100_000, states + " states");
    }

    @Test
    void theKernelsThreadRunsUnderTheKernelsViewOnly() {
        assertFalse(kernel.isEmpty());
        kernel.forEach((line, in) -> assertTrue(in.isEmpty() || in.equals(EnumSet.of(Context.KERNEL)),
                "kernel.s:" + line + " ran in " + in));
        assertTrue(kernel.values().stream().anyMatch(in -> in.contains(Context.KERNEL)));
    }

    @Test
    void theModuleRunsAsDriverCodeOnly() {
        assertFalse(driver.isEmpty());
        driver.forEach((line, in) -> assertEquals(EnumSet.of(Context.DRIVER), in, "driver.s:" + line));
    }

    @Test
    void theGatesLandingRunsInEveryTrustedContext() {
        int vmfunc = gateLine("vmfunc                          # to the domain's slot");
        int check = gateLine("cmpl $lcd_ept_id, %ecx");
        // The kernel's copy runs the VMFUNC; net's copy lands on the compare (the kernel's call)
        // and the driver's jumps reach both.
        assertEquals(EnumSet.of(Context.KERNEL, Context.DRIVER_JUMP), gate.get(vmfunc));
        assertTrue(gate.get(check).containsAll(EnumSet.of(Context.DOMAIN, Context.DRIVER_JUMP)), "" + gate.get(check));
    }

    @Test
    void theGatesReturnPathRunsOnlyUnderTheDomainsView() {
        // Net's copy after `call vmfunc_dispatch`: reached when the driver's benign program returns
        // (one CPU: its stack is a tracked frame, so the return address stays concrete) and by the
        // driver's jumps; the kernel's copy never runs it (its call into the driver is net's).
        int after = gateLine("movl $0, %eax");
        assertEquals(EnumSet.of(Context.DOMAIN, Context.DRIVER_JUMP), gate.get(after));
    }
}
