package org.lvdcheck.checker.explore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * Depth-first search with an explicit stack, on one thread ({@code --strategy dfs}, DESIGN.md
 * §5). Counterexamples need not be shortest. Violating states are cut. A state at {@code
 * --max-depth} is looked past but its successors are not stored; if one of them is new or
 * violating, the exploration is incomplete.
 *
 * <p>With reduction, by default, the cycle proviso is the stack proviso (docs/MODEL.md,
 * "Partial-order reduction", C3): a state is stored when the search enters it, is on the search's
 * path until every state pushed after it has been left, and a reduced expansion one of whose
 * successors is on the path is replaced by the full one. Every cycle of the reduced graph the
 * search explores closes with a step back to a state on the path, so every cycle holds a state
 * expanded fully and no action is ignored for ever. The initial states, stored before the search
 * enters them, count as on the path until each has been entered and left.
 *
 * <p>Without reduction, or with {@code --proviso level}, a state is stored when first generated
 * and expanded when popped, and a reduced expansion is kept only if it stores a new state, which is
 * expanded later.
 */
final class DepthFirstSearch<S> {
    /** Expansions between checks of the time limit and progress. */
    static final int CHECK_EVERY = 1024;

    private record Frame<S>(S state, int id, int depth) {
    }

    /**
     * A state for the search to enter: stored already ({@code id} >= 0, an initial state) or not yet,
     * reached from the stored state {@code parent} by its action {@code action}.
     */
    private record Enter<S>(S state, long fingerprint, int parent, int action, int id, int depth) {
    }

    /** The search leaves the stored state {@code id}: every state pushed after it has been left. */
    private record Leave(int id) {
    }

    private final SearchContext<S> ctx;

    DepthFirstSearch(SearchContext<S> ctx) {
        this.ctx = ctx;
    }

    void run() {
        if (ctx.provisoOnPath()) {
            runWithStackProviso();
        } else {
            runStoringWhenGenerated();
        }
    }

    private void runWithStackProviso() {
        List<S> initial = ctx.admitInitialStates();
        Deque<Object> stack = new ArrayDeque<>();
        for (int i = initial.size() - 1; i >= 0; i--) {
            stack.push(new Enter<>(initial.get(i), 0L, -1, i, i, 0));
        }
        // The initial states are stored before the search enters them: until each is entered and
        // left it counts as on the path, so a step into one not entered yet is never taken as
        // closing no cycle (a full expansion more is always sound).
        BitSet path = new BitSet();
        path.set(0, initial.size());
        long expanded = 0;
        while (!stack.isEmpty() && !ctx.stopped()) {
            Object top = stack.pop();
            if (top instanceof Leave leave) {
                path.clear(leave.id());
                continue;
            }
            @SuppressWarnings("unchecked")
            Enter<S> e = (Enter<S>) top;
            int id = e.id() >= 0 ? e.id() : ctx.enter(e.state(), e.fingerprint(), e.parent(), e.action(), e.depth());
            if (id < 0) {
                continue; // entered on another path first, or a state bound stopped the search
            }
            if (e.depth() >= ctx.options().maxDepth()) {
                ctx.boundary(id, e.state(), ctx.prepare(e.state()));
                continue;
            }
            path.set(id);
            stack.push(new Leave(id));
            List<Enter<S>> children = new ArrayList<>();
            ctx.expandOnPath(id, e.state(), ctx.prepare(e.state()), e.depth(), path::get,
                    (s, fp, action) -> children.add(new Enter<>(s, fp, id, action, -1, e.depth() + 1)));
            for (int i = children.size() - 1; i >= 0; i--) {
                stack.push(children.get(i));
            }
            if (++expanded % CHECK_EVERY == 0) {
                ctx.checkpoint(stack.size(), e.depth());
            }
        }
    }

    private void runStoringWhenGenerated() {
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
