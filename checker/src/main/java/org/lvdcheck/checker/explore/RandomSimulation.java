package org.lvdcheck.checker.explore;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded random simulation ({@code --strategy simulate --seed N}, DESIGN.md §5): walks from a
 * random initial state, each step a uniformly chosen transition of the full expansion, until a
 * violation, a state without successors, or the walk length. Walks repeat until the time
 * limit, the state bound, the walk count, or every property is violated. States visited are
 * stored with the step that first reached them, so a counterexample replays like any other.
 * A simulation never shows that a property holds.
 */
final class RandomSimulation<S> {
    /** The walk length when no {@code --max-depth} is given (TLC's default simulation depth). */
    static final int DEFAULT_WALK_LENGTH = 100;
    /** Steps between checks of the time limit within a long walk. */
    static final int CHECK_EVERY = 4096;

    private final SearchContext<S> ctx;
    private final SplittableRandom random;
    private final Set<Integer> deadlocks = new HashSet<>();

    RandomSimulation(SearchContext<S> ctx) {
        this.ctx = ctx;
        this.random = new SplittableRandom(ctx.options().seed());
    }

    void run() {
        List<S> initial = ctx.admitInitialStates();
        int maxDepth = ctx.options().maxDepth();
        int walkLength = maxDepth == Integer.MAX_VALUE ? DEFAULT_WALK_LENGTH : maxDepth;
        for (long walks = 0; !initial.isEmpty() && !ctx.stopped() && walks < ctx.options().maxWalks(); walks++) {
            int start = random.nextInt(initial.size());
            walk(initial.get(start), start, walkLength);
            ctx.checkpoint(0, walkLength);
        }
    }

    private void walk(S state, int id, int length) {
        S at = state;
        int atId = id;
        for (int step = 0; step < length && !ctx.stopped(); step++) {
            Expansion<S> e = ctx.expandAll(at);
            if (e.size() == 0) {
                if (!ctx.system().isFinal(at) && deadlocks.add(atId)) {
                    ctx.deadlock(atId);
                }
                return;
            }
            Transition<S> t = e.get(random.nextInt(e.size()));
            ctx.explored(t.actionLabel());
            List<Violation> bad = ctx.checked(t.violations());
            if (!bad.isEmpty()) {
                ctx.record(bad, atId, t.actionIndex(), ctx.pathLength(atId) + 1);
                if (bad.stream().anyMatch(ctx.system()::cuts)) {
                    ctx.cut();
                    return;
                }
            }
            long fingerprint = ctx.fingerprint(t.target());
            int next = ctx.store().find(t.target(), fingerprint);
            if (next < 0) {
                next = ctx.admit(t.target(), fingerprint, atId, t.actionIndex());
                if (next < 0) {
                    return;
                }
            }
            ctx.reachedDepth(step + 1);
            at = t.target();
            atId = next;
            if ((step + 1) % CHECK_EVERY == 0) {
                ctx.checkpoint(0, step + 1);
            }
        }
    }
}
