package org.lvdcheck.checker.explore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Depth-first search with an explicit stack, on one thread ({@code --strategy dfs}, DESIGN.md
 * §5). A state is stored when first generated and expanded when popped; its new successors are
 * pushed so that the first transition is expanded first. The same merge as BFS applies the
 * cycle proviso (sound here too: a reduced expansion is kept only if it stores a new state,
 * which is expanded later) and cuts violating states. Counterexamples need not be shortest.
 * A state at {@code --max-depth} is looked past but its successors are not stored; if one of
 * them is new or violating, the exploration is incomplete.
 */
final class DepthFirstSearch<S> {
    /** Expansions between checks of the time limit and progress. */
    static final int CHECK_EVERY = 1024;

    private record Frame<S>(S state, int id, int depth) {
    }

    private final SearchContext<S> ctx;

    DepthFirstSearch(SearchContext<S> ctx) {
        this.ctx = ctx;
    }

    void run() {
        List<S> initial = ctx.admitInitialStates();
        Deque<Frame<S>> stack = new ArrayDeque<>();
        for (int i = initial.size() - 1; i >= 0; i--) {
            stack.push(new Frame<>(initial.get(i), i, 0));
        }
        long expanded = 0;
        while (!stack.isEmpty() && !ctx.stopped()) {
            Frame<S> f = stack.pop();
            if (f.depth() >= ctx.options().maxDepth()) {
                ctx.boundary(f.id(), f.state(), ctx.prepare(f.state()));
                continue;
            }
            List<Frame<S>> children = new ArrayList<>();
            ctx.merge(f.id(), f.state(), ctx.prepare(f.state()), f.depth(), true,
                    (s, id, sleep) -> children.add(new Frame<>(s, id, f.depth() + 1)));
            for (int i = children.size() - 1; i >= 0; i--) {
                stack.push(children.get(i));
            }
            if (++expanded % CHECK_EVERY == 0) {
                ctx.checkpoint(stack.size(), f.depth());
            }
        }
    }
}
