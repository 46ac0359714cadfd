package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Two philosophers and two forks: each takes its left fork, then its right one, eats, and puts
 * both back. Both holding their left fork is the one deadlock, 2 steps from the start.
 * State: each philosopher's pc (0 thinking, 1 holding left, 2 eating) and each fork's holder
 * (-1 free).
 */
final class PhilosophersSystem implements TransitionSystem<PhilosophersSystem.State> {
    record State(int pc0, int pc1, int fork0, int fork1) {
        int pc(int p) {
            return p == 0 ? pc0 : pc1;
        }

        int fork(int f) {
            return f == 0 ? fork0 : fork1;
        }

        State set(int p, int pc, int f, int holder) {
            int a = p == 0 ? pc : pc0;
            int b = p == 1 ? pc : pc1;
            return new State(a, b, f == 0 ? holder : fork0, f == 1 ? holder : fork1);
        }
    }

    @Override
    public List<State> initialStates() {
        return List.of(new State(0, 0, -1, -1));
    }

    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        List<Transition<State>> out = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int left = p;
            int right = 1 - p;
            State next = switch (s.pc(p)) {
                case 0 -> s.fork(left) < 0 ? s.set(p, 1, left, p) : null;
                case 1 -> s.fork(right) < 0 ? s.set(p, 2, right, p) : null;
                default -> new State(p == 0 ? 0 : s.pc0(), p == 1 ? 0 : s.pc1(), -1, -1);
            };
            if (next != null) {
                out.add(new Transition<>(out.size(), "philosopher " + p, next));
            }
        }
        return Expansion.all(out);
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.pc0(), s.pc1(), s.fork0(), s.fork1());
    }

    @Override
    public boolean isFinal(State s) {
        return false;
    }
}
