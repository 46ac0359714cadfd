package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Two processes. Process 0 goes from 0 to 1 by one of two actions ("left", "right"), then to 2;
 * process 1 has one step ("other", while it is at 0). Asked for a reduced expansion, a state
 * where process 0 is at 1 offers process 0's step alone. So the two states at depth 1 (process
 * 0 at 1, reached left and right, which differ in a flag) share their only reduced successor at
 * depth 2: the second expansion merged finds it stored already, one level deeper.
 */
final class SharedSuccessorSystem implements TransitionSystem<SharedSuccessorSystem.State> {
    record State(int p0, boolean right, int p1) {
    }

    @Override
    public List<State> initialStates() {
        return List.of(new State(0, false, 0));
    }

    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        List<Transition<State>> all = new ArrayList<>();
        if (s.p0() == 0) {
            all.add(new Transition<>(0, "left", new State(1, false, s.p1())));
            all.add(new Transition<>(1, "right", new State(1, true, s.p1())));
        } else if (s.p0() == 1) {
            all.add(new Transition<>(0, "finish", new State(2, false, s.p1())));
        }
        if (s.p1() == 0) {
            all.add(new Transition<>(all.size(), "other", new State(s.p0(), s.right(), 1)));
        }
        if (reduced && s.p0() == 1 && all.size() > 1) {
            return Expansion.ample(all.subList(0, 1));
        }
        return Expansion.all(all);
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.p0(), s.right() ? 1 : 0, s.p1());
    }

    @Override
    public boolean isFinal(State s) {
        return s.p0() == 2 && s.p1() == 1;
    }
}
