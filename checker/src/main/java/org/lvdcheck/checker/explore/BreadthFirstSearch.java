package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Breadth-first search, level by level (DESIGN.md §5). The states of a level are taken in
 * batches; the workers of a fixed pool expand a batch's states in chunks in parallel (reading
 * the seen set, never writing it), then one thread merges the batch in the order (parent id,
 * transition order), storing successors and assigning ids. Every decision that changes the
 * seen set is made in that sequential order, so distinct-state counts, ids, parents and
 * therefore every trace are identical for any worker count, and the first violation of a
 * property found is a shortest one.
 *
 * <p>Memory: whole states are held for the current level and the next one only; a state is
 * dropped from the current level as soon as it is merged. The ids of a level are contiguous.
 */
final class BreadthFirstSearch<S> {
    /** States per task handed to a worker. */
    static final int CHUNK = 64;
    /** Chunks per worker in one batch: enough to balance the load, few enough to bound memory. */
    static final int CHUNKS_PER_WORKER = 16;

    private final SearchContext<S> ctx;
    private final int workers;

    BreadthFirstSearch(SearchContext<S> ctx, int workers) {
        this.ctx = ctx;
        this.workers = workers;
    }

    void run() {
        List<S> level = ctx.admitInitialStates();
        int levelStart = 0;
        ExecutorService pool = workers > 1 ? Executors.newFixedThreadPool(workers, new WorkerThreads()) : null;
        try {
            for (int depth = 0; !level.isEmpty() && !ctx.stopped(); depth++) {
                if (depth >= ctx.options().maxDepth()) {
                    ctx.nextLevelFrom(Integer.MAX_VALUE); // nothing is stored beyond the bound
                    lookPastTheBound(level, levelStart, pool);
                    break;
                }
                int nextStart = ctx.store().size();
                ctx.nextLevelFrom(nextStart);
                List<S> next = new ArrayList<>();
                ctx.system().newGeneration();
                exploreLevel(level, levelStart, depth, next, pool);
                level = next;
                levelStart = nextStart;
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private void exploreLevel(List<S> level, int levelStart, int depth, List<S> next, ExecutorService pool) {
        inBatches(level, pool, depth, next, (i, prepared) ->
                ctx.merge(levelStart + i, level.get(i), prepared, depth, (s, id) -> next.add(ctx.system().compact(s))));
    }

    /**
     * The last level the depth bound allows: its states are expanded but nothing is stored;
     * the exploration is incomplete as soon as a step leads beyond what is stored.
     */
    private void lookPastTheBound(List<S> level, int levelStart, ExecutorService pool) {
        inBatches(level, pool, ctx.options().maxDepth(), List.of(), (i, prepared) -> {
            ctx.boundary(levelStart + i, level.get(i), prepared);
            if (ctx.incomplete()) {
                ctx.stop(Inconclusive.DEPTH_BOUND);
            }
        });
    }

    /** What the sequential phase does with the prepared expansion of {@code level[i]}. */
    private interface Merge<S> {
        void accept(int i, Successors<S> prepared);
    }

    /** Prepares the level batch by batch in parallel and hands each state to {@code merge} in order. */
    private void inBatches(List<S> level, ExecutorService pool, int depth, List<S> next, Merge<S> merge) {
        int batch = CHUNK * CHUNKS_PER_WORKER * workers;
        for (int from = 0; from < level.size() && !ctx.stopped(); from += batch) {
            int to = Math.min(level.size(), from + batch);
            List<Successors<S>> prepared = prepare(level, from, to, pool);
            if (prepared == null) {
                ctx.stop(Inconclusive.INTERRUPTED);
                return;
            }
            for (int i = from; i < to && !ctx.stopped(); i++) {
                merge.accept(i, prepared.get(i - from));
                level.set(i, null);
            }
            ctx.checkpoint(level.size() - to + next.size(), depth);
        }
    }

    /** Expands {@code level[from, to)} in order; null if interrupted. */
    private List<Successors<S>> prepare(List<S> level, int from, int to, ExecutorService pool) {
        if (pool == null) {
            return prepareRange(level, from, to);
        }
        List<Callable<List<Successors<S>>>> tasks = new ArrayList<>();
        for (int c = from; c < to; c += CHUNK) {
            int a = c;
            int b = Math.min(to, c + CHUNK);
            tasks.add(() -> prepareRange(level, a, b));
        }
        try {
            List<Successors<S>> out = new ArrayList<>(to - from);
            for (Future<List<Successors<S>>> f : pool.invokeAll(tasks)) {
                out.addAll(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private List<Successors<S>> prepareRange(List<S> level, int from, int to) {
        List<Successors<S>> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(ctx.prepare(level.get(i)));
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
