package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.checker.explore.Expansion;
import org.lvdcheck.checker.explore.Transition;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * {@link LvdTransitionSystem#compact}: a state as the breadth-first search keeps it, packed or only
 * interned, is equal to the state, has its fingerprint and its successors; packed, it shares its CPU
 * states, threads, ghost and runs of frames with the other states kept in the same generation.
 */
class CompactStateTest {
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void keptStatesAreTheSameStatesAndShareTheirEqualParts(boolean pack) throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        sys.packKeptStates(pack);
        Set<Long> seen = new HashSet<>();
        List<CheckState> level = new ArrayList<>(sys.initialStates());
        level.forEach(s -> seen.add(sys.fingerprint(s, 0)));
        int checked = 0;
        for (int depth = 0; depth < 60 && !level.isEmpty(); depth++) {
            sys.newGeneration();
            List<CheckState> next = new ArrayList<>();
            Map<CpuState, CpuState> firstEqual = new HashMap<>();
            Map<CpuState, Boolean> kept = new IdentityHashMap<>();
            for (CheckState s : level) {
                for (Transition<CheckState> t : sys.expand(s, true).transitions()) {
                    CheckState c = t.target();
                    if (!seen.add(sys.fingerprint(c, 0))) {
                        continue;
                    }
                    CheckState k = sys.compact(c);
                    assertEquals(c, k);
                    assertEquals(c.hashCode(), k.hashCode());
                    assertEquals(sys.fingerprint(c, 0), sys.fingerprint(k, 0));
                    assertEquals(sys.fingerprint(c, 77), sys.fingerprint(k, 77));
                    if (checked++ % 50 == 0) {
                        assertEquals(successors(sys, c), successors(sys, k), "the kept state has the same successors");
                    }
                    for (CpuState cpu : k.machine().cpus()) {
                        firstEqual.putIfAbsent(cpu, cpu);
                        kept.put(cpu, true);
                    }
                    next.add(k);
                }
            }
            if (pack) {
                assertEquals(firstEqual.size(), kept.size(), "one CPU-state object per distinct CPU state in a generation");
            }
            level = next;
        }
        assertTrue(checked > 1000, "explored " + checked);
    }

    private static List<Long> successors(LvdTransitionSystem sys, CheckState s) {
        Expansion<CheckState> e = sys.expand(s, true);
        List<Long> out = new ArrayList<>();
        for (Transition<CheckState> t : e.transitions()) {
            out.add(sys.fingerprint(t.target(), 0));
            out.add((long) t.actionIndex());
        }
        return out;
    }
}
