package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.explore.Expansion;
import org.lvdcheck.checker.explore.Transition;

/**
 * What the explored system tells the explorer's sleep sets and reachability proviso (docs/MODEL.md,
 * "Transactions"), checked on every state of a breadth-first walk of mini.lvd (2 CPUs) against the
 * system's own choices and {@link CpuLocality}.
 */
class SleepSetAgentsTest {
    @Test
    void agentsKeysBothMoversAndAsleepCpusMatchTheChoices() throws Exception {
        LvdTransitionSystem sys = SmallSpecs.system(SmallSpecs.load("mini.lvd"), true);
        Deque<CheckState> queue = new ArrayDeque<>(sys.initialStates());
        Set<Long> seen = new HashSet<>();
        int checked = 0;
        int moversSeen = 0;
        while (!queue.isEmpty() && checked < 400) {
            CheckState s = queue.poll();
            if (!seen.add(sys.fingerprint(s, 0))) {
                continue;
            }
            checked++;
            List<LvdTransitionSystem.Choice> choices = sys.choices(s);
            Expansion<CheckState> full = sys.expand(s, false, 0);
            assertTrue(full.hasAgents());
            assertEquals(choices.size(), full.size());
            int present = 0;
            for (int c = 0; c < 2; c++) {
                final int cpu = c;
                List<LvdTransitionSystem.Choice> mine = choices.stream().filter(ch -> ch.action().cpu() == cpu).toList();
                if (mine.isEmpty()) {
                    assertNull(full.key(c));
                } else {
                    assertEquals(mine, full.key(c), "cpu" + c + "'s key is its choices");
                    present |= 1 << c;
                }
            }
            assertEquals(present, full.completeAgents());
            assertEquals(0, full.asleep());
            for (int i = 0; i < full.size(); i++) {
                assertEquals(choices.get(i).action().cpu(), full.agent(i));
            }
            assertEquals(java.util.Arrays.asList(sys.agentKeys(s)), java.util.Arrays.asList(full.keys()));
            for (int i = 0; i < full.size(); i++) {
                // A both-mover: breaks nothing, and is CPU-local or the driver's jump into transition code.
                Transition<CheckState> t = full.get(i);
                var a = choices.get(i).action();
                boolean jump = a instanceof org.lvdcheck.emulator.machine.Action.Driver d
                        && d.move() instanceof org.lvdcheck.emulator.machine.DriverMove.Jump;
                boolean local = !(a instanceof org.lvdcheck.emulator.machine.Action.Driver) && CpuLocality.isLocal(a,
                        sys.take(s, choices.get(i)).step(), s.machine(), sys.machine(), sys.ownership(), false);
                assertEquals(t.violations().isEmpty() && (local || jump), full.mover(i), choices.get(i).label());
                moversSeen += full.mover(i) ? 1 : 0;
            }
            for (int c = 0; c < 2; c++) {
                if ((present & 1 << c) == 0) {
                    continue;
                }
                // Asleep: its transitions are left out, the others kept in order.
                Expansion<CheckState> slept = sys.expand(s, false, 1 << c);
                assertEquals(1 << c, slept.asleep());
                List<Integer> kept = new ArrayList<>();
                for (int i = 0; i < full.size(); i++) {
                    if (full.agent(i) != c) {
                        kept.add(full.get(i).actionIndex());
                    }
                }
                assertEquals(kept, slept.transitions().stream().map(Transition::actionIndex).toList());
                Expansion<CheckState> reduced = sys.expand(s, true, 1 << c);
                if (reduced.reduced()) {
                    for (Transition<CheckState> t : reduced.transitions()) {
                        assertTrue(choices.get(t.actionIndex()).action().cpu() != c, "the ample set is an awake CPU's");
                    }
                }
            }
            Expansion<CheckState> reduced = sys.expand(s, true, 0);
            Expansion<CheckState> before = sys.expand(s, true);
            assertEquals(before.transitions().stream().map(Transition::actionIndex).toList(),
                    reduced.transitions().stream().map(Transition::actionIndex).toList());
            if (reduced.reduced()) {
                int c = reduced.agent(0);
                assertEquals(1 << c, reduced.completeAgents());
                assertNotNull(reduced.key(c));
            }
            for (Transition<CheckState> t : full.transitions()) {
                if (t.violations().stream().noneMatch(sys::cuts)) {
                    queue.add(t.target());
                }
            }
        }
        assertEquals(400, checked);
        assertTrue(moversSeen > 0, "some step was a both-mover");
    }
}
