package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Process 0 cycles through {@code loop} local states for ever (action 0); process 1 has one
 * step (action 1, while p1 = 0) whose step violates {@code BAD}. Asked for a reduced
 * expansion, the system offers process 0's step alone: without the cycle proviso, process 1
 * would be ignored for ever and the violation never found.
 */
final class ProvisoSystem implements TransitionSystem<ProvisoSystem.State> {
    record State(int p0, int p1) {
    }

    final int loop;

    ProvisoSystem(int loop) {
        this.loop = loop;
    }

    @Override
    public List<State> initialStates() {
        return List.of(new State(0, 0));
    }

    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        List<Transition<State>> all = new ArrayList<>();
        all.add(new Transition<>(0, "p0 step", new State((s.p0() + 1) % loop, s.p1())));
        if (s.p1() == 0) {
            all.add(new Transition<>(1, "p1 step", new State(s.p0(), 1), List.of(new Violation("BAD", "p1 moved"))));
        }
        return reduced && all.size() > 1 ? Expansion.ample(all.subList(0, 1)) : Expansion.all(all);
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.p0(), s.p1());
    }

    @Override
    public boolean isFinal(State s) {
        return false;
    }
}
