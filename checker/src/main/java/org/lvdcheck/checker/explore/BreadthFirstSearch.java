package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Breadth-first search, level by level (DESIGN.md §5). The states of a level are taken in
 * batches; the workers of a fixed pool expand a batch's states in chunks in parallel (reading
 * a snapshot of the seen set as the level began, never writing it), and one thread merges the
 * batch in the order (parent id, transition order), storing successors and assigning ids, while
 * the workers expand the next batch. Every decision that changes the seen set is made in that
 * sequential order, and what the workers prepare does not depend on how far the merge has got,
 * so distinct-state counts, ids, parents and
 * therefore every trace are identical for any worker count, and each property keeps the
 * shortest violation found (in level order the first; revisits and proviso levels, below, come
 * after deeper states).
 *
 * <p>Memory: whole states are held for the current level and the next one only; a state is
 * dropped from the current level as soon as it is merged. The ids of a level are contiguous.
 *
 * <p>Sleep sets (with reduction; docs/MODEL.md "Transactions"): each state of the next level keeps
 * the agents asleep at it, narrowed when another path reaches it before it is expanded; a state
 * of this or an earlier level reached again with agents woken is expanded again for those agents
 * in the next level, after its states (a revisit: its successors' traces may be shorter than the
 * level's, and a shorter counterexample found there replaces a longer one).
 *
 * <p>The cycle proviso by reachability (docs/MODEL.md, "Partial-order reduction", C3): when the
 * levels run out, the reduced states the merge noted whose successors reach no expansion of the
 * agents they left out are rebuilt and expanded fully, as one more level, and the search goes on.
 */
final class BreadthFirstSearch<S> {
    /** States per task handed to a worker. */
    static final int CHUNK = 64;
    /** Chunks per worker in one batch: enough to balance the load, few enough to bound memory. */
    static final int CHUNKS_PER_WORKER = 16;
    /** Merged states between two looks at the bounds (time, heap) within a batch. */
    private static final int CHECK_EVERY = 256;

    private final SearchContext<S> ctx;
    private final int workers;

    BreadthFirstSearch(SearchContext<S> ctx, int workers) {
        this.ctx = ctx;
        this.workers = workers;
    }

    /**
     * A stored state reached again with agents woken (sleep sets), or one the cycle proviso expands
     * fully: the actions of {@code woken} are explored from it. {@code marks}: whether the expansion
     * may mark the agents it explores for the cycle proviso, which reads them in the naming of the
     * state's first path; a state reached again may be the mirror image of that under a symmetry that
     * swaps agents.
     */
    private record Revisit<S>(S state, int id, Sleep sleep, int woken, boolean marks) {
    }

    /**
     * One level: the states stored in it (ids {@code firstId} on, in order), the agents asleep at
     * each (null: none), then the states of earlier levels reached again with agents woken.
     */
    private static final class Level<S> {
        final int firstId;
        final List<S> states = new ArrayList<>();
        final List<Sleep> sleeps = new ArrayList<>();
        /** The number of steps from an initial state to each state (a level after a proviso round mixes them). */
        final IntChunks depths = new IntChunks();
        final List<Revisit<S>> revisits = new ArrayList<>();

        Level(int firstId) {
            this.firstId = firstId;
        }

        int size() {
            return states.size() + revisits.size();
        }

        boolean isEmpty() {
            return size() == 0;
        }

        boolean isRevisit(int i) {
            return i >= states.size();
        }

        /** The state of entry {@code i}: a state of the level, then the revisits. */
        S state(int i) {
            return isRevisit(i) ? revisits.get(i - states.size()).state() : states.get(i);
        }

        /** The stored id of entry {@code i}. */
        int id(int i) {
            return isRevisit(i) ? revisits.get(i - states.size()).id() : firstId + i;
        }

        /** Forgets entry {@code i} once merged. */
        void drop(int i) {
            if (isRevisit(i)) {
                revisits.set(i - states.size(), null);
            } else {
                states.set(i, null);
                sleeps.set(i, null);
            }
        }
    }

    void run() {
        List<S> initial = ctx.admitInitialStates();
        Level<S> level = new Level<>(0);
        for (S s : initial) {
            level.states.add(s);
            level.sleeps.add(null);
            level.depths.add(0);
        }
        ctx.deferProviso();
        ExecutorService pool = workers > 1 ? Executors.newFixedThreadPool(workers, new WorkerThreads()) : null;
        try {
            for (int depth = 0; !ctx.stopped(); depth++) {
                if (level.isEmpty()) {
                    level = provisoRound();
                    if (level == null) {
                        break;
                    }
                }
                if (depth >= ctx.options().maxDepth()) {
                    ctx.nextLevelFrom(Integer.MAX_VALUE); // nothing is stored beyond the bound
                    lookPastTheBound(level, pool);
                    if (!ctx.stopped() && ctx.hasDeferred() && !ctx.unresolved().isEmpty()) {
                        // A deferred proviso would expand a state fully beyond what the bound lets the search see.
                        ctx.stop(Inconclusive.DEPTH_BOUND);
                    }
                    break;
                }
                int nextStart = ctx.store().size();
                ctx.nextLevelFrom(nextStart);
                Level<S> next = new Level<>(nextStart);
                ctx.keepSleepSets((state, id, remaining, woken) -> {
                    if (id >= next.firstId) {
                        // Not expanded yet: it sleeps only what every path to it lets sleep.
                        int i = id - next.firstId;
                        Sleep had = next.sleeps.get(i);
                        int mask = had == null ? 0
                                : had.mask() & ctx.renamed(remaining.mask(), state, next.states.get(i));
                        next.sleeps.set(i, mask == 0 ? null : new Sleep(mask, had.keys()));
                    } else {
                        ctx.revisited();
                        next.revisits.add(new Revisit<>(ctx.system().compact(state), id, remaining, woken,
                                !ctx.system().swapsAgents()));
                    }
                });
                ctx.system().newGeneration();
                exploreLevel(level, depth, next, pool);
                level = next;
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The search has run out of states: the reduced expansions whose cycle proviso waited
     * (docs/MODEL.md, "Partial-order reduction", C3) and whose successors reach no expansion of the
     * agents they left out are expanded fully, as a level of their own; null when there are none.
     * Under a depth bound the search stops instead, inconclusive.
     */
    private Level<S> provisoRound() {
        if (!ctx.hasDeferred()) {
            return null;
        }
        List<Integer> ids = ctx.unresolved();
        if (ids.isEmpty()) {
            return null;
        }
        if (ctx.options().maxDepth() != Integer.MAX_VALUE) {
            ctx.stop(Inconclusive.DEPTH_BOUND);
            return null;
        }
        Level<S> level = new Level<>(ctx.store().size());
        for (int id : ids) {
            S state = ctx.rebuild(id);
            int asleep = ctx.stored(ctx.store().sleep(id), state);
            level.revisits.add(new Revisit<>(ctx.system().compact(state), id, new Sleep(asleep, null),
                    SearchContext.ALL_AGENTS & ~asleep, true));
        }
        ctx.expandedByProviso(ids.size());
        return level;
    }

    private void exploreLevel(Level<S> level, int depth, Level<S> next, ExecutorService pool) {
        inBatches(level, pool, depth, next, (i, prepared) -> {
            int id = level.id(i);
            int at = level.isRevisit(i) ? ctx.pathLength(id) : level.depths.get(i);
            boolean marks = !level.isRevisit(i) || level.revisits.get(i - level.states.size()).marks();
            ctx.merge(id, level.state(i), prepared, at, marks, (s, child, sleep) -> {
                next.states.add(ctx.system().compact(s));
                next.sleeps.add(sleep);
                next.depths.add(at + 1);
            });
        });
    }

    /**
     * The last level the depth bound allows: its states are expanded but nothing is stored;
     * the exploration is incomplete as soon as a step leads beyond what is stored.
     */
    private void lookPastTheBound(Level<S> level, ExecutorService pool) {
        inBatches(level, pool, ctx.options().maxDepth(), null, (i, prepared) -> {
            ctx.boundary(level.id(i), level.state(i), prepared);
            if (ctx.incomplete()) {
                ctx.stop(Inconclusive.DEPTH_BOUND);
            }
        });
    }

    /** What the sequential phase does with the prepared expansion of {@code level[i]}. */
    private interface Merge<S> {
        void accept(int i, Successors<S> prepared);
    }

    /**
     * Prepares the level batch by batch in parallel and hands each state to {@code merge} in order.
     * With workers and a store that offers a snapshot, the workers prepare the next batch while
     * this thread merges one: the expansions look successors up in the store as the level began
     * ({@link SearchContext#lookUpInSnapshot}), so what they prepare does not depend on how far the
     * merge has got.
     */
    private void inBatches(Level<S> level, ExecutorService pool, int depth, Level<S> next, Merge<S> merge) {
        int batch = CHUNK * CHUNKS_PER_WORKER * workers;
        int n = level.size();
        boolean overlap = ctx.lookUpInSnapshot() && pool != null;
        List<Future<List<Successors<S>>>> ahead = null;
        try {
            for (int from = 0; from < n && !ctx.stopped(); from += batch) {
                int to = Math.min(n, from + batch);
                List<Successors<S>> prepared;
                if (overlap) {
                    List<Future<List<Successors<S>>>> mine = ahead != null ? ahead : submit(level, from, to, pool);
                    ahead = null;
                    prepared = collect(mine);
                    if (prepared != null && to < n) {
                        ahead = submit(level, to, Math.min(n, to + batch), pool);
                    }
                } else {
                    prepared = prepare(level, from, to, pool);
                }
                if (prepared == null) {
                    ctx.stop(Inconclusive.INTERRUPTED);
                    return;
                }
                for (int i = from; i < to && !ctx.stopped(); i++) {
                    merge.accept(i, prepared.get(i - from));
                    level.drop(i);
                    if ((i - from) % CHECK_EVERY == CHECK_EVERY - 1) {
                        // Within a batch too: a batch of a run short of heap can take minutes.
                        ctx.checkpoint(n - i + (next == null ? 0 : next.size()), depth);
                    }
                }
                ctx.checkpoint(n - to + (next == null ? 0 : next.size()), depth);
            }
        } finally {
            if (ahead != null) {
                // The search stopped with a batch in the workers' hands: let it finish, unused.
                collect(ahead);
            }
            ctx.lookUpInStore();
        }
    }

    /** Expands {@code level[from, to)} in order; null if interrupted. */
    private List<Successors<S>> prepare(Level<S> level, int from, int to, ExecutorService pool) {
        if (pool == null) {
            return prepareRange(level, from, to);
        }
        return collect(submit(level, from, to, pool));
    }

    /** Hands {@code level[from, to)} to the workers in chunks. */
    private List<Future<List<Successors<S>>>> submit(Level<S> level, int from, int to, ExecutorService pool) {
        List<Future<List<Successors<S>>>> out = new ArrayList<>();
        for (int c = from; c < to; c += CHUNK) {
            int a = c;
            int b = Math.min(to, c + CHUNK);
            out.add(pool.submit(() -> prepareRange(level, a, b)));
        }
        return out;
    }

    /** The chunks' expansions in order, once every chunk is done; null if interrupted. */
    private List<Successors<S>> collect(List<Future<List<Successors<S>>>> chunks) {
        List<Successors<S>> out = new ArrayList<>();
        try {
            for (Future<List<Successors<S>>> f : chunks) {
                out.addAll(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            for (Future<List<Successors<S>>> f : chunks) {
                f.cancel(true);
            }
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private List<Successors<S>> prepareRange(Level<S> level, int from, int to) {
        List<Successors<S>> out = new ArrayList<>(to - from);
        for (int i = from; i < to && !ctx.stopped(); i++) { // a stopped search uses none of them
            if (level.isRevisit(i)) {
                Revisit<S> r = level.revisits.get(i - level.states.size());
                out.add(ctx.prepare(r.state(), r.sleep(), r.woken()));
            } else {
                out.add(ctx.prepare(level.states.get(i), level.sleeps.get(i), 0));
            }
        }
        return out;
    }

    /** A failure inside the system, thrown again on the exploring thread as it was. */
    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(cause);
    }

    /** Daemon worker threads, named for thread dumps. */
    private static final class WorkerThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "lvdcheck-explore-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
