package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Three counters a, b, c in [0, m) and a bit d: actions increment each counter (when below
 * m − 1), reset a to 0 when it is at m − 1, and flip d (a local loop). States with
 * b = c = m − 1 and a ≡ 3 (mod 7) have no successor (deadlocks). Entering a state with
 * (a, b, c) = (20, 30, 10) violates {@code MID}, (m − 1, m − 1, m − 2) violates
 * {@code CORNER}; {@code NEVER} is never violated. Asked for a reduced expansion when a + b is
 * divisible by 3, the system offers the flip alone: the flip's two-state cycle makes the cycle
 * proviso expand one of the two fully. With m = 37: about 10^5 states.
 */
final class CountersSystem implements TransitionSystem<CountersSystem.State> {
    record State(int a, int b, int c, int d) {
    }

    final int m;

    CountersSystem(int m) {
        this.m = m;
    }

    @Override
    public List<State> initialStates() {
        return List.of(new State(0, 0, 0, 0), new State(0, m / 2, 0, 0));
    }

    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        if (s.b() == m - 1 && s.c() == m - 1 && s.a() % 7 == 3) {
            return Expansion.all(List.of());
        }
        List<Transition<State>> all = new ArrayList<>();
        if (s.a() < m - 1) {
            all.add(step(all.size(), "inc a", new State(s.a() + 1, s.b(), s.c(), s.d())));
        } else {
            all.add(step(all.size(), "reset a", new State(0, s.b(), s.c(), s.d())));
        }
        if (s.b() < m - 1) {
            all.add(step(all.size(), "inc b", new State(s.a(), s.b() + 1, s.c(), s.d())));
        }
        if (s.c() < m - 1) {
            all.add(step(all.size(), "inc c", new State(s.a(), s.b(), s.c() + 1, s.d())));
        }
        Transition<State> flip = step(all.size(), "flip d", new State(s.a(), s.b(), s.c(), 1 - s.d()));
        all.add(flip);
        if (reduced && (s.a() + s.b()) % 3 == 0) {
            return Expansion.ample(List.of(flip));
        }
        return Expansion.all(all);
    }

    private Transition<State> step(int index, String label, State t) {
        List<Violation> bad = new ArrayList<>();
        if (t.a() == 20 && t.b() == 30 && t.c() == 10) {
            bad.add(new Violation("MID", "reached " + t));
        }
        if (t.a() == m - 1 && t.b() == m - 1 && t.c() == m - 2) {
            bad.add(new Violation("CORNER", "reached " + t));
        }
        return new Transition<>(index, label, t, bad);
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.a(), s.b(), s.c(), s.d());
    }

    @Override
    public boolean isFinal(State s) {
        return false;
    }
}
