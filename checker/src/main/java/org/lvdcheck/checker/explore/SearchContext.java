package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the three search strategies share: the system, the options, the seen set, and the
 * bookkeeping of one exploration (counterexamples, coverage, deadlocks, bounds, progress). The
 * merge of an expansion into the seen set, with the cycle proviso and the cut of violating
 * states (DESIGN.md §5), lives here so that BFS and DFS apply the same rules.
 *
 * <p>Only {@link #prepare} may run on worker threads; everything else runs on the exploring
 * thread.
 */
final class SearchContext<S> {
    /** Receives a state the merge stored for the first time. */
    interface NewState<S> {
        void accept(S state, int id);
    }

    private final TransitionSystem<S> system;
    private final Explorer.Options options;
    private final StateStore<S> store;
    private final List<S> initialStates;
    private final long stateLimit;
    private final long startNanos;
    private long lastProgressNanos;

    private final Map<String, Counterexample> counterexamples = new LinkedHashMap<>();
    private final Map<String, long[]> coverage = new HashMap<>();
    private final List<Integer> deadlockIds = new ArrayList<>();
    private long deadlocks;
    private long generated;
    private long provisoExpansions;
    /**
     * The id of the first state of the level after the one being expanded (breadth-first), or
     * {@link Integer#MAX_VALUE} when levels are not known (depth-first, the last level a depth
     * bound allows): what the cycle proviso counts as reaching further.
     */
    private volatile int nextLevel = Integer.MAX_VALUE;
    private long cutStates;
    private int depth;
    private Inconclusive incompleteReason;
    private boolean stopped;

    SearchContext(TransitionSystem<S> system, Explorer.Options options) {
        this.system = system;
        this.options = options;
        this.store = options.exact() ? new ExactStore<>() : new FingerprintStore<>();
        this.initialStates = List.copyOf(system.initialStates());
        this.stateLimit = Math.min(options.maxStates(), FingerprintStore.MAX_STATES);
        this.startNanos = options.clock().getAsLong();
        this.lastProgressNanos = startNanos;
    }

    TransitionSystem<S> system() {
        return system;
    }

    Explorer.Options options() {
        return options;
    }

    StateStore<S> store() {
        return store;
    }

    List<S> initialStates() {
        return initialStates;
    }

    /**
     * Checks the initial states, records their violations and stores the others; returns the
     * stored ones, whose ids are their positions in the returned list.
     */
    List<S> admitInitialStates() {
        List<S> admitted = new ArrayList<>();
        for (int i = 0; i < initialStates.size() && !stopped; i++) {
            S s = initialStates.get(i);
            List<Violation> bad = checked(system.checkInitial(s));
            if (!bad.isEmpty()) {
                record(bad, -1, i, 0);
            }
            if (bad.stream().anyMatch(system::cuts)) {
                cut();
            } else if (admit(s, fingerprint(s), -1, i) >= 0) {
                admitted.add(s);
            }
        }
        return admitted;
    }

    /**
     * Expands a state as a worker does: the reduced expansion when reduction is on, replaced by
     * the full one at once when it cannot reach a new state even before the merge (the seen set
     * only grows, so the merge would decide the same).
     */
    Successors<S> prepare(S state) {
        if (!options.reduction()) {
            return analyse(expandAll(state), false);
        }
        Expansion<S> e = system.expand(state, true);
        Successors<S> prepared = analyse(e, false);
        if (e.reduced() && !prepared.mayReachNextLevel(nextLevel)) {
            return analyse(expandAll(state), true);
        }
        return prepared;
    }

    /** The full expansion, checked against the numbering contract of {@link TransitionSystem}. */
    Expansion<S> expandAll(S state) {
        Expansion<S> e = system.expand(state, false);
        if (e.reduced()) {
            throw new IllegalStateException("expand(s, false) returned a reduced expansion");
        }
        for (int i = 0; i < e.size(); i++) {
            if (e.get(i).actionIndex() != i) {
                throw new IllegalStateException("expand(s, false) must number its transitions 0.."
                        + (e.size() - 1) + " in order; transition " + i + " has actionIndex "
                        + e.get(i).actionIndex());
            }
        }
        return e;
    }

    /** Prepares an expansion: checked violations, fingerprints and stored flags per transition. */
    Successors<S> analyse(Expansion<S> e, boolean fullByProviso) {
        int n = e.size();
        List<List<Violation>> violations = new ArrayList<>(n);
        long[] fps = new long[n];
        int[] found = new int[n];
        boolean[] cut = new boolean[n];
        for (int i = 0; i < n; i++) {
            Transition<S> t = e.get(i);
            List<Violation> bad = checked(t.violations());
            violations.add(bad);
            cut[i] = bad.stream().anyMatch(system::cuts);
            if (!cut[i]) {
                // A target reached with non-cutting violations only is stored and expanded like any other.
                fps[i] = fingerprint(t.target());
                found[i] = store.find(t.target(), fps[i]);
            } else {
                found[i] = -1;
            }
        }
        return new Successors<>(e, violations, fps, found, cut, fullByProviso);
    }

    /**
     * Merges one prepared expansion of the stored state {@code id} at {@code depth}: applies
     * the cycle proviso, counts a deadlock, records violations (their targets are cut, never
     * stored) and stores new successors in transition order, handing each to {@code sink}.
     */
    void merge(int id, S state, Successors<S> prepared, int depth, NewState<S> sink) {
        Successors<S> r = withProviso(state, prepared);
        if (r.size() == 0) {
            if (!system.isFinal(state)) {
                deadlock(id);
            }
            return;
        }
        for (int i = 0; i < r.size() && !stopped; i++) {
            Transition<S> t = r.transition(i);
            explored(t.actionLabel());
            if (!r.violations(i).isEmpty()) {
                record(r.violations(i), id, t.actionIndex(), depth + 1);
            }
            if (r.cut(i)) {
                cut();
            } else if (!r.stored(i)) {
                int child = admit(t.target(), r.fingerprint(i), id, t.actionIndex());
                if (child >= 0) {
                    reachedDepth(depth + 1);
                    sink.accept(t.target(), child);
                }
            }
        }
    }

    /**
     * Looks past a stored state at the depth bound without storing anything: counts a deadlock,
     * and makes the exploration incomplete if a step leads to a violation or to a state not
     * stored, which the bound hides.
     */
    void boundary(int id, S state, Successors<S> prepared) {
        Successors<S> r = withProviso(state, prepared);
        if (r.size() == 0 && !system.isFinal(state)) {
            deadlock(id);
        }
        for (int i = 0; i < r.size(); i++) {
            if (!r.violations(i).isEmpty()
                    || !r.stored(i) && store.find(r.transition(i).target(), r.fingerprint(i)) < 0) {
                incomplete(Inconclusive.DEPTH_BOUND);
                return;
            }
        }
    }

    /**
     * Breadth-first: the states stored from {@code firstId} on are the next level's (every state
     * the merge of the level about to be expanded stores). Depth-first: never called.
     */
    void nextLevelFrom(int firstId) {
        nextLevel = firstId;
    }

    /**
     * The cycle proviso (DESIGN.md §5, docs/MODEL.md "Partial-order reduction"): a reduced
     * expansion none of whose successors is new or, breadth-first, in the next level is replaced
     * by the full expansion. Every reduced state then has a successor one level deeper: from any
     * state, following such successors, the reduced states end at a fully expanded one within the
     * depth of the graph, with every action the reduced expansions on the way left out still
     * enabled (they are independent of it), so none is ignored for ever.
     */
    private Successors<S> withProviso(S state, Successors<S> prepared) {
        Successors<S> r = prepared;
        if (r.expansion().reduced() && !r.reachesNextLevel(store, nextLevel)) {
            r = analyse(expandAll(state), true);
        }
        if (r.fullByProviso()) {
            provisoExpansions++;
        }
        return r;
    }

    /** Stores a state unless present; stops with a state bound when a new state would exceed it. */
    int admit(S state, long fingerprint, int parent, int action) {
        if (store.size() >= stateLimit) {
            if (store.find(state, fingerprint) < 0) {
                stop(Inconclusive.STATE_BOUND);
            }
            return -1;
        }
        return store.insert(state, fingerprint, parent, action);
    }

    long fingerprint(S state) {
        return store.usesFingerprints() ? system.fingerprint(state, options.fpSeed()) : 0L;
    }

    /** The violations of checked properties among {@code all}. */
    List<Violation> checked(List<Violation> all) {
        if (all.isEmpty()) {
            return List.of();
        }
        Set<String> wanted = options.properties();
        return all.stream().filter(v -> wanted.contains(v.property())).toList();
    }

    /**
     * Records the first violation of each property (in search order) as its counterexample,
     * then stops if asked to stop at the first or if every checked property is violated.
     */
    void record(List<Violation> violations, int sourceId, int actionIndex, int length) {
        for (Violation v : violations) {
            counterexamples.putIfAbsent(v.property(),
                    new Counterexample(v.property(), v, sourceId, actionIndex, length));
        }
        if (options.stopAtFirst() || counterexamples.size() == options.properties().size()) {
            stop(Inconclusive.STOPPED);
        }
    }

    /** Counts a violating state left unexpanded. */
    void cut() {
        cutStates++;
    }

    void explored(String label) {
        generated++;
        coverage.computeIfAbsent(label, k -> new long[1])[0]++;
    }

    void deadlock(int id) {
        deadlocks++;
        if (deadlockIds.size() < options.deadlocksKept()) {
            deadlockIds.add(id);
        }
    }

    void reachedDepth(int d) {
        depth = Math.max(depth, d);
    }

    /** Whether the exploration is already known to be incomplete. */
    boolean incomplete() {
        return incompleteReason != null;
    }

    /** Notes that the exploration is incomplete, keeping the first reason. */
    void incomplete(Inconclusive reason) {
        if (incompleteReason == null) {
            incompleteReason = reason;
        }
    }

    void stop(Inconclusive reason) {
        incomplete(reason);
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Checks the time limit and interruption, and sends progress when it is due. */
    void checkpoint(long queue, int currentDepth) {
        long now = options.clock().getAsLong();
        if (options.timeLimit() != null && now - startNanos >= options.timeLimit().toNanos()) {
            stop(Inconclusive.TIME_BOUND);
        }
        if (Thread.currentThread().isInterrupted()) {
            stop(Inconclusive.INTERRUPTED);
        }
        if (options.progress() != null && now - lastProgressNanos >= options.progressInterval().toNanos()) {
            lastProgressNanos = now;
            double seconds = (now - startNanos) / 1e9;
            options.progress().accept(new Progress(store.size(), queue, currentDepth,
                    seconds > 0 ? store.size() / seconds : 0, seconds));
        }
    }

    /** The number of steps from an initial state to the stored state {@code id}. */
    int pathLength(int id) {
        int length = 0;
        for (int at = store.parent(id); at >= 0; at = store.parent(at)) {
            length++;
        }
        return length;
    }

    ExplorationResult result(Strategy strategy, int workers) {
        double seconds = (options.clock().getAsLong() - startNanos) / 1e9;
        long distinct = store.size();
        double collision = store.usesFingerprints() ? ExplorationStats.collisionEstimate(distinct) : 0;
        Map<String, Long> perLabel = new HashMap<>();
        coverage.forEach((label, count) -> perLabel.put(label, count[0]));
        ExplorationStats stats = new ExplorationStats(distinct, generated, depth, seconds,
                seconds > 0 ? distinct / seconds : 0, workers, collision, perLabel, provisoExpansions, cutStates,
                deadlocks, store.bytes());
        List<Verdict> verdicts = ExplorationResult.verdicts(options.properties(), counterexamples, strategy,
                incompleteReason, collision, cutStates);
        return new ExplorationResult(strategy, incompleteReason, verdicts, deadlockIds, stats);
    }
}
