package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Two agents, each running a straight program over one shared word x, for the transactions of
 * the sleep sets (docs/MODEL.md, "Transactions"). An agent's program is a string of operations:
 * <ul>
 *   <li>{@code m}: a both-mover (it touches nothing the other agent reads or writes);</li>
 *   <li>{@code w}: writes x := its number + 1;</li>
 *   <li>{@code r}: reads x, and violates {@code SAW0} or {@code SAW1} when x holds the other agent's
 *       write (agent 1 reading 1 breaks SAW0, agent 0 reading 2 breaks SAW1);</li>
 *   <li>{@code b}: waits until x is not 0 (disabled before).</li>
 * </ul>
 * The workload is complete when both programs have ended; an agent waiting at {@code b} for ever
 * leaves a deadlock. With {@code ample}, a reduced expansion is the lowest awake agent's step when
 * it is an {@code m} and the other agent can move too (an ample set of one CPU-local step);
 * otherwise every awake agent's enabled step is expanded.
 */
final class TransactionSystem implements TransitionSystem<TransactionSystem.State> {
    record State(int pc0, int pc1, int x) {
        int pc(int a) {
            return a == 0 ? pc0 : pc1;
        }
    }

    private final String[] programs;
    private final boolean ample;

    TransactionSystem(String p0, String p1, boolean ample) {
        this.programs = new String[] {p0, p1};
        this.ample = ample;
    }

    /** Both programs at their start, x 0. */
    @Override
    public List<State> initialStates() {
        return List.of(new State(0, 0, 0));
    }

    /** Agent a's enabled operation in s, or 0 when it has none. */
    private char op(State s, int a) {
        if (s.pc(a) >= programs[a].length()) {
            return 0;
        }
        char o = programs[a].charAt(s.pc(a));
        return o == 'b' && s.x() == 0 ? 0 : o;
    }

    private Transition<State> step(State s, int a, int index) {
        char o = op(s, a);
        int x = o == 'w' ? a + 1 : s.x();
        State t = a == 0 ? new State(s.pc0() + 1, s.pc1(), x) : new State(s.pc0(), s.pc1() + 1, x);
        List<Violation> bad = o == 'r' && s.x() == 2 - a
                ? List.of(new Violation("SAW" + (1 - a), "agent " + a + " read agent " + (1 - a) + "'s write"))
                : List.of();
        return new Transition<>(index, "a" + a + " " + o + "@" + s.pc(a), t, bad);
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        return expand(s, reduced, 0);
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced, int asleep) {
        Object[] keys = agentKeys(s);
        int present = Expansion.presentAgents(keys);
        asleep &= present;
        // The full list numbers agent 0's step (if enabled) 0 and agent 1's next.
        int[] index = new int[2];
        int n = 0;
        for (int a = 0; a < 2; a++) {
            index[a] = keys[a] != null ? n++ : -1;
        }
        if (reduced && ample && present == 3) {
            for (int a = 0; a < 2; a++) {
                if ((asleep & 1 << a) == 0 && op(s, a) == 'm') {
                    BitSet movers = new BitSet();
                    movers.set(0);
                    return new Expansion<>(List.of(step(s, a, index[a])), true, new int[] {a}, keys, 1 << a, asleep,
                            movers);
                }
            }
        }
        List<Transition<State>> ts = new ArrayList<>();
        List<Integer> agents = new ArrayList<>();
        BitSet movers = new BitSet();
        for (int a = 0; a < 2; a++) {
            if (keys[a] == null || (asleep & 1 << a) != 0) {
                continue;
            }
            if (op(s, a) == 'm') {
                movers.set(ts.size());
            }
            ts.add(step(s, a, index[a]));
            agents.add(a);
        }
        return new Expansion<>(ts, false, agents.stream().mapToInt(Integer::intValue).toArray(), keys,
                present & ~asleep, asleep, movers);
    }

    @Override
    public Object[] agentKeys(State s) {
        Object[] keys = new Object[2];
        for (int a = 0; a < 2; a++) {
            char o = op(s, a);
            keys[a] = o == 0 ? null : o + "@" + s.pc(a);
        }
        return keys;
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.pc0(), s.pc1(), s.x());
    }

    @Override
    public boolean isFinal(State s) {
        return s.pc0() == programs[0].length() && s.pc1() == programs[1].length();
    }

    /** No read has happened at the start. */
    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }
}
