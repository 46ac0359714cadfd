package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sleep masks of transactions (docs/MODEL.md, "Transactions"), rule by rule. */
class SleepTest {
    /** Two transitions, agent 0's and agent 1's; {@code movers} marks which are both-movers. */
    private static Expansion<String> expansion(int complete, int asleep, boolean... movers) {
        BitSet m = new BitSet();
        for (int i = 0; i < movers.length; i++) {
            m.set(i, movers[i]);
        }
        List<Transition<String>> ts = List.of(new Transition<>(0, "a0", "s0", List.of()),
                new Transition<>(1, "a1", "s1", List.of()));
        return new Expansion<>(ts, false, new int[] {0, 1}, new Object[] {"k0", "k1"}, complete, asleep, m);
    }

    @Test
    void aBothMoverPutsTheOtherExploredAgentToSleep() {
        Expansion<String> e = expansion(3, 0, true, false);
        assertEquals(2, Sleep.after(e, 0, 0), "agent 1 sleeps for agent 0's transaction");
        assertEquals(0, Sleep.after(e, 1, 0), "a step that is not a both-mover ends every transaction");
    }

    @Test
    void anAgentNotExploredHereStaysAwakeAndOneAsleepStaysAsleep() {
        Expansion<String> ample = expansion(1, 0, true, true);
        assertEquals(0, Sleep.after(ample, 0, 0), "agent 1's steps were not explored here");
        assertEquals(2, Sleep.after(ample, 0, 2), "agent 1 was asleep: the transaction goes on");
    }

    @Test
    void masksFollowTheOrbitsRepresentative() {
        assertEquals(2, Sleep.swapped(1));
        assertEquals(1 | 4, Sleep.swapped(2 | 4));
        assertEquals(1, Sleep.oriented(1, -1), "the state represents its orbit");
        assertEquals(2, Sleep.oriented(1, 1), "its mirror image does");
        assertEquals(0, Sleep.oriented(1, 0), "neither is known: only what holds for both agents");
        assertEquals(3, Sleep.oriented(3, 0));
        for (int m = 0; m < 16; m++) {
            assertEquals(m, Sleep.oriented(Sleep.oriented(m, 1), 1), "its own inverse");
            assertEquals(m, Sleep.oriented(Sleep.oriented(m, -1), -1));
            assertEquals(Sleep.oriented(m, 0), Sleep.oriented(Sleep.oriented(m, 0), 0), "what it keeps it keeps");
        }
    }
}
