package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Two agents shaped like the two CPUs of the default workload (docs/MODEL.md, "Partial-order
 * reduction"). Agent 1 runs {@code setup} local steps and then one global step that ends it; at
 * each set-up position an interrupt may arrive, whose handler runs {@code handler} local steps and
 * returns to the position it interrupted (a cycle of local steps). With {@code setup} 0 agent 1
 * is an idle CPU: its interrupt cycle is all it can do, for ever. Agent 0 is a driver whose every
 * step is global: {@code driver} steps, the last of which violates {@code BAD} when {@code bad}.
 *
 * <p>Reduced expansions are agent 1's steps while they are all local (agent 0's are never local);
 * agents, keys (each agent's enabled action names) and both-movers (the local steps) are named for
 * sleep sets.
 */
final class HandlerCycleSystem implements TransitionSystem<HandlerCycleSystem.State> {
    /** {@code pos}: agent 1's set-up position ({@code setup}: at its global step; -1: done); {@code h}: handler step (0: none). */
    record State(int pos, int h, int driver) {
    }

    private final int setup;
    private final int handler;
    private final int driver;
    private final boolean bad;

    HandlerCycleSystem(int setup, int handler, int driver, boolean bad) {
        this.setup = setup;
        this.handler = handler;
        this.driver = driver;
        this.bad = bad;
    }

    @Override
    public List<State> initialStates() {
        return List.of(new State(0, 0, 0));
    }

    @Override
    public List<Violation> checkInitial(State s) {
        return List.of();
    }

    private record Choice(int agent, String name, State target, boolean local, boolean violates) {
    }

    private List<Choice> choices(State s) {
        List<Choice> out = new ArrayList<>();
        if (s.driver() < driver) {
            boolean last = s.driver() == driver - 1;
            out.add(new Choice(0, "driver " + s.driver(), new State(s.pos(), s.h(), s.driver() + 1), false,
                    bad && last));
        }
        if (s.pos() >= 0) {
            if (s.h() > 0) {
                State next = s.h() == handler ? new State(s.pos(), 0, s.driver()) : new State(s.pos(), s.h() + 1, s.driver());
                out.add(new Choice(1, s.h() == handler ? "iretq" : "handler " + s.h(), next, true, false));
            } else if (s.pos() < setup) {
                out.add(new Choice(1, "setup " + s.pos(), new State(s.pos() + 1, 0, s.driver()), true, false));
                out.add(new Choice(1, "interrupt", new State(s.pos(), 1, s.driver()), true, false));
            } else if (setup == 0) {
                out.add(new Choice(1, "interrupt", new State(s.pos(), 1, s.driver()), true, false));
            } else {
                out.add(new Choice(1, "global", new State(-1, 0, s.driver()), false, false));
            }
        }
        return out;
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced) {
        return expand(s, reduced, 0);
    }

    @Override
    public Expansion<State> expand(State s, boolean reduced, int asleep) {
        List<Choice> all = choices(s);
        Object[] keys = keys(all);
        boolean[] global = new boolean[2];
        for (Choice c : all) {
            global[c.agent()] |= !c.local();
        }
        int present = Expansion.presentAgents(keys);
        asleep &= present;
        boolean twoMove = keys[0] != null && keys[1] != null;
        if (reduced && twoMove && (asleep & 2) == 0 && !global[1]) {
            return build(all, 1, true, keys, 2, asleep);
        }
        return build(all, -1, false, keys, present & ~asleep, asleep);
    }

    private Expansion<State> build(List<Choice> all, int only, boolean reduced, Object[] keys, int complete,
            int asleep) {
        List<Transition<State>> ts = new ArrayList<>();
        List<Integer> agents = new ArrayList<>();
        java.util.BitSet movers = new java.util.BitSet();
        for (int i = 0; i < all.size(); i++) {
            Choice c = all.get(i);
            if (only >= 0 ? c.agent() != only : (asleep & 1 << c.agent()) != 0) {
                continue;
            }
            movers.set(ts.size(), c.local() && !c.violates());
            ts.add(new Transition<>(i, c.name().split(" ")[0], c.target(),
                    c.violates() ? List.of(new Violation("BAD", "the driver's last step")) : List.of()));
            agents.add(c.agent());
        }
        return new Expansion<>(ts, reduced, agents.stream().mapToInt(Integer::intValue).toArray(), keys, complete,
                asleep, movers);
    }

    private static Object[] keys(List<Choice> all) {
        List<List<String>> names = List.of(new ArrayList<>(), new ArrayList<>());
        for (Choice c : all) {
            names.get(c.agent()).add(c.name());
        }
        Object[] keys = new Object[2];
        for (int a = 0; a < 2; a++) {
            keys[a] = names.get(a).isEmpty() ? null : List.copyOf(names.get(a));
        }
        return keys;
    }

    @Override
    public Object[] agentKeys(State s) {
        return keys(choices(s));
    }

    @Override
    public long fingerprint(State s, long seed) {
        return Fp.of(seed, s.pos(), s.h(), s.driver());
    }

    @Override
    public boolean isFinal(State s) {
        return s.pos() < 0 && s.driver() == driver;
    }
}
