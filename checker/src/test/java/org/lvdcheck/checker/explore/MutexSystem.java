package org.lvdcheck.checker.explore;

import java.util.List;

/**
 * Two processes competing for a critical section (pc 3), each always having exactly one
 * transition (action 0 for process 0, 1 for process 1; a busy wait is a self-loop). Entering a
 * state with both processes critical violates {@code MUTEX}.
 * <ul>
 *   <li>Broken (check, then set): pc 0 → 1; pc 1 waits while the other's flag is set, else →
 *       2; pc 2 sets the own flag → 3; pc 3 clears it → 0. Shortest violation: 6 steps.</li>
 *   <li>Peterson: pc 0 sets the own flag → 1; pc 1 gives the turn away → 2; pc 2 waits while
 *       the other's flag is set and it is the other's turn, else → 3; pc 3 clears the flag →
 *       0. Mutual exclusion holds.</li>
 * </ul>
 */
final class MutexSystem implements TransitionSystem<MutexSystem.State> {
    record State(int pc0, int pc1, boolean flag0, boolean flag1, int turn) {
        int pc(int p) {
            return p == 0 ? pc0 : pc1;
        }

        boolean flag(int p) {
            return p == 0 ? flag0 : flag1;
        }

        State with(int p, int pc, boolean flag) {
            return p == 0 ? new State(pc, pc1, flag, flag1, turn) : new State(pc0, pc, flag0, flag, turn);
        }

        State withTurn(int t) {
            return new State(pc0, pc1, flag0, flag1, t);
        }
    }

    final boolean peterson;

    MutexSystem(boolean peterson) {
        this.peterson = peterson;
    }

    @Override
    public List<State> initialStates() {
        return List.of(new State(0, 0, false, false, 0));
    }

    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        return Expansion.all(List.of(step(s, 0), step(s, 1)));
    }

    private Transition<State> step(State s, int p) {
        State t = peterson ? peterson(s, p) : broken(s, p);
        boolean bad = t.pc0() == 3 && t.pc1() == 3;
        return new Transition<>(p, "p" + p + " pc" + s.pc(p), t,
                bad ? List.of(new Violation("MUTEX", "both processes critical")) : List.of());
    }

    private static State broken(State s, int p) {
        int other = 1 - p;
        return switch (s.pc(p)) {
            case 0 -> s.with(p, 1, s.flag(p));
            case 1 -> s.flag(other) ? s : s.with(p, 2, s.flag(p));
            case 2 -> s.with(p, 3, true);
            default -> s.with(p, 0, false);
        };
    }

    private static State peterson(State s, int p) {
        int other = 1 - p;
        return switch (s.pc(p)) {
            case 0 -> s.with(p, 1, true);
            case 1 -> s.with(p, 2, true).withTurn(other);
            case 2 -> s.flag(other) && s.turn() == other ? s : s.with(p, 3, true);
            default -> s.with(p, 0, false);
        };
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.pc0(), s.pc1(), s.flag0() ? 1 : 0, s.flag1() ? 1 : 0, s.turn());
    }

    @Override
    public boolean isFinal(State s) {
        return false;
    }
}
