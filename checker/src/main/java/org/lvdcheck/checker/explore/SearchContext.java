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
    /** Receives a state the merge stored for the first time, with the agents asleep there (null: none). */
    interface NewState<S> {
        void accept(S state, int id, Sleep sleep);
    }

    /**
     * What the breadth-first search does when a stored state is reached again with fewer agents
     * asleep than it was stored with (sleep sets): {@code woken} are the agents no longer asleep,
     * {@code remaining} the agents asleep on every path so far, with the state's own keys.
     */
    interface Woken<S> {
        void accept(S state, int id, Sleep remaining, int woken);
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
    private volatile boolean stopped;
    /** Where states reached again with agents woken go; null: no sleep sets (depth-first, or turned off). */
    private Woken<S> woken;
    private long revisits;
    /** Whether the cycle proviso is judged by reachability once the search ends (breadth-first). */
    private boolean deferProviso;
    /** Depth-first: the proviso is judged on the search's path ({@link #provisoOnPath}). */
    private boolean provisoOnPath;
    /**
     * Reduced expansions the proviso deferred, each {@code {id, agents left out, successor ids...}}:
     * judged by {@link #unresolved()}.
     */
    private final List<int[]> pending = new ArrayList<>();
    private long deferred;

    SearchContext(TransitionSystem<S> system, Explorer.Options options) {
        this.system = system;
        this.options = options;
        this.store = options.exact() ? new ExactStore<>() : new FingerprintStore<>();
        this.initialStates = List.copyOf(system.initialStates());
        this.stateLimit = Math.min(options.maxStates(), FingerprintStore.MAX_STATES);
        this.startNanos = options.clock().getAsLong();
        this.lastMemoryCheckNanos = startNanos;
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

    /**
     * While set (breadth-first, for one level), what {@link #analyse} looks successors up in: the
     * store as it was when the level began, which workers may read while the merge inserts the
     * next level's states. A prepared expansion's {@code found} is a hint every reader of it
     * completes with the store itself (a successor not found there is looked up again or
     * inserted), and the states of the next level count as not yet stored for every decision
     * made from it ({@link Successors#mayReachNextLevel}), so it decides nothing differently.
     */
    private volatile StateStore.Lookup lookup;

    /** Looks successors up in the store as it is now until the next call; false if the store has no snapshot. */
    boolean lookUpInSnapshot() {
        lookup = store.snapshot();
        return lookup != null;
    }

    /** Looks successors up in the store itself again. */
    void lookUpInStore() {
        lookup = null;
    }

    /**
     * Turns sleep sets on (breadth-first, with reduction): states reached again with fewer agents
     * asleep go to {@code sink}.
     */
    void keepSleepSets(Woken<S> sink) {
        this.woken = options.reduction() && options.sleepSets() ? sink : null;
    }

    /** Judges the cycle proviso by reachability when the search ends (breadth-first, with reduction). */
    void deferProviso() {
        this.deferProviso = options.reduction() && options.reachProviso();
    }

    /**
     * Judges the cycle proviso on the search's path (depth-first, with reduction, unless {@code
     * --proviso level}); returns whether it does. Then {@link #prepare(Object)} keeps a reduced
     * expansion whatever its successors, and {@link #expandOnPath} decides.
     */
    boolean provisoOnPath() {
        this.provisoOnPath = options.reduction() && options.reachProviso();
        return provisoOnPath;
    }

    /** Receives a successor the depth-first search has not stored yet (it stores a state when it enters it). */
    interface Unstored<S> {
        void accept(S state, long fingerprint, int actionIndex);
    }

    /**
     * Depth-first with the proviso on the path ({@link #provisoOnPath}): expands the stored state
     * {@code id}, which the search has just entered at {@code depth}. A reduced expansion one of whose
     * successors is on the search's path ({@code onPath}, by stored id) is replaced by the full one
     * (the stack proviso, docs/MODEL.md "Partial-order reduction", C3). Counts a deadlock, records
     * violations (their targets are cut) and hands every other successor not stored yet to {@code
     * sink}, in transition order; nothing is stored here. {@code prepared} must have been prepared
     * with nothing stored since, so that its look-ups ({@link Successors#found}) are the store's.
     */
    void expandOnPath(int id, S state, Successors<S> prepared, int depth, java.util.function.IntPredicate onPath,
                      Unstored<S> sink) {
        Successors<S> r = prepared;
        if (r.expansion().reduced()) {
            for (int i = 0; i < r.size(); i++) {
                if (r.cut(i)) {
                    continue;
                }
                if (r.found(i) >= 0 && onPath.test(r.found(i))) {
                    r = analyse(expandAll(state), true);
                    break;
                }
            }
        }
        if (r.fullByProviso()) {
            provisoExpansions++;
        }
        if (noSuccessor(id, state, r)) {
            return;
        }
        for (int i = 0; i < r.size() && !stopped; i++) {
            if (cutAfterTaking(id, r, i, depth)) {
                continue;
            }
            if (r.found(i) < 0) {
                Transition<S> t = r.transition(i);
                sink.accept(t.target(), r.fingerprint(i), t.actionIndex());
            }
        }
    }

    /** Whether the expansion of {@code id} has no step; if so, counts a deadlock unless the state is final or agents sleep. */
    private boolean noSuccessor(int id, S state, Successors<S> r) {
        if (r.size() != 0) {
            return false;
        }
        if (r.expansion().asleep() == 0 && !system.isFinal(state)) {
            deadlock(id);
        }
        return true;
    }

    /**
     * Counts step {@code i} of the expansion of {@code id} at {@code depth} and records its violations;
     * whether its target is cut (never stored or expanded).
     */
    private boolean cutAfterTaking(int id, Successors<S> r, int i, int depth) {
        Transition<S> t = r.transition(i);
        explored(t.actionLabel());
        if (!r.violations(i).isEmpty()) {
            record(r.violations(i), id, t.actionIndex(), depth + 1);
        }
        if (r.cut(i)) {
            cut();
            return true;
        }
        return false;
    }

    /**
     * Depth-first with the proviso on the path: stores a state as the search enters it at {@code
     * depth}; its id, or -1 when it is stored already (entered on another path) or a state bound
     * stops the search.
     */
    int enter(S state, long fingerprint, int parent, int action, int depth) {
        int id = admit(state, fingerprint, parent, action);
        if (id >= 0) {
            reachedDepth(depth);
        }
        return id;
    }

    /**
     * The deferred reduced expansions whose successors reach no state that explores every agent
     * they left out, through the stored states' first-reached links and the deferred states' own
     * steps (each an explored step): they must be expanded fully. Clears the deferred list.
     */
    List<Integer> unresolved() {
        int n = store.size();
        byte[] reach = new byte[n];
        for (int id = 0; id < n; id++) {
            reach[id] = (byte) store.expanded(id);
        }
        // Up the first-reached links, then along the noted states' own steps to their successors,
        // until nothing changes (or a bound on the passes: fewer marks only expand more fully).
        boolean changed = true;
        for (int pass = 0; changed && pass < MARK_PASSES; pass++) {
            for (int id = n - 1; id >= 0; id--) {
                int parent = store.parent(id);
                if (parent >= 0) {
                    reach[parent] |= reach[id];
                }
            }
            changed = false;
            for (int[] p : pending) {
                int got = reach[p[0]];
                for (int i = 2; i < p.length; i++) {
                    got |= seenFromHere(reach[p[i]]);
                }
                if (got != reach[p[0]]) {
                    reach[p[0]] = (byte) got;
                    changed = true;
                }
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int[] p : pending) {
            int got = 0;
            for (int i = 2; i < p.length; i++) {
                got |= seenFromHere(reach[p[i]] & 0xFF);
            }
            if ((got & p[1]) != p[1]) {
                out.add(p[0]);
            }
        }
        pending.clear();
        return out;
    }

    /**
     * The agents marked at a successor as the step's source may count them: all of them, unless
     * the fingerprints identify states under a swap of agents 0 and 1 ({@link
     * TransitionSystem#swapsAgents}); then the stored successor may be the mirror image of the
     * step's target, and of agents 0 and 1 only both together count.
     */
    private int seenFromHere(int marks) {
        if (!system.swapsAgents()) {
            return marks;
        }
        return (marks & 3) == 3 ? marks : marks & ~3;
    }

    /** Counts states a proviso round expands fully. */
    void expandedByProviso(int n) {
        provisoExpansions += n;
    }

    /** Whether reduced expansions are waiting for {@link #unresolved()}. */
    boolean hasDeferred() {
        return !pending.isEmpty();
    }

    /** The stored state {@code id}, rebuilt by re-executing its path. */
    S rebuild(int id) {
        return new TraceReplay<>(this).toState(id).lastState();
    }

    /** Counts a state reached again with an agent woken, whose woken agents' actions are explored again. */
    void revisited() {
        revisits++;
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
        return prepare(state, null, 0);
    }

    /**
     * As {@link #prepare(Object)} with the agents of {@code sleep} asleep (those whose key changed
     * are woken first); with {@code only} non-zero, a state reached again with those agents woken:
     * their actions alone, all of them.
     */
    Successors<S> prepare(S state, Sleep sleep, int only) {
        if (only != 0) {
            Expansion<S> e = system.expand(state, false, ALL_AGENTS & ~only);
            return analyse(e, false, sleep == null ? 0 : sleep.mask());
        }
        if (!options.reduction()) {
            return analyse(expandAll(state), false);
        }
        int asleep = sleep == null ? 0 : sleep.mask();
        Expansion<S> e = system.expand(state, true, asleep);
        if (asleep != 0) {
            int w = sleep.woken(e.keys());
            if (w != 0) {
                asleep &= ~w;
                e = system.expand(state, true, asleep);
            }
        }
        if (e.size() == 0 && asleep != 0) {
            // The transaction's agent has nothing left to do: the agents asleep for it wake (docs/MODEL.md,
            // "Transactions").
            asleep = 0;
            e = system.expand(state, true, 0);
        }
        Successors<S> prepared = analyse(e, false, asleep);
        if (e.reduced() && !defers(e) && !provisoOnPath && !prepared.mayReachNextLevel(nextLevel)) {
            return analyse(expandAll(state, asleep), true, asleep);
        }
        return prepared;
    }

    /** The most passes {@link #unresolved()} makes to carry the marks along the noted states' steps. */
    static final int MARK_PASSES = 16;

    /** Every agent sleep sets track. */
    static final int ALL_AGENTS = (1 << Expansion.MAX_AGENTS) - 1;

    /** The full expansion, checked against the numbering contract of {@link TransitionSystem}. */
    Expansion<S> expandAll(S state) {
        return expandAll(state, 0);
    }

    /** The full expansion but the asleep agents' transitions, checked against the numbering contract. */
    Expansion<S> expandAll(S state, int asleep) {
        Expansion<S> e = system.expand(state, false, asleep);
        if (e.reduced()) {
            throw new IllegalStateException("expand(s, false) returned a reduced expansion");
        }
        for (int i = 0; i < e.size(); i++) {
            boolean ok = asleep == 0 ? e.get(i).actionIndex() == i
                    : i == 0 || e.get(i).actionIndex() > e.get(i - 1).actionIndex();
            if (!ok) {
                throw new IllegalStateException("expand(s, false) must number its transitions 0.."
                        + (e.size() - 1) + " in order; transition " + i + " has actionIndex "
                        + e.get(i).actionIndex());
            }
        }
        return e;
    }

    /** Prepares an expansion: checked violations, fingerprints and stored flags per transition. */
    Successors<S> analyse(Expansion<S> e, boolean fullByProviso) {
        return analyse(e, fullByProviso, 0);
    }

    /** As {@link #analyse(Expansion, boolean)}, for a state where the agents {@code asleep} sleep. */
    Successors<S> analyse(Expansion<S> e, boolean fullByProviso, int asleep) {
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
                StateStore.Lookup l = lookup;
                found[i] = l != null ? l.find(fps[i]) : store.find(t.target(), fps[i]);
            } else {
                found[i] = -1;
            }
        }
        return new Successors<>(e, violations, fps, found, cut, fullByProviso, asleep);
    }

    /**
     * Merges one prepared expansion of the stored state {@code id} at {@code depth}: applies
     * the cycle proviso, counts a deadlock, records violations (their targets are cut, never
     * stored) and stores new successors in transition order, handing each to {@code sink}. With
     * sleep sets, each successor gets the agents asleep after its step; a stored one reached with
     * fewer agents asleep than it was stored with goes to the search's {@link Woken} sink. With
     * {@code marks}, the agents the expansion explored are marked for the cycle proviso.
     */
    void merge(int id, S state, Successors<S> prepared, int depth, boolean marks, NewState<S> sink) {
        Successors<S> r = withProviso(id, state, prepared);
        boolean sleeping = woken != null && r.expansion().hasAgents();
        int asleepHere = sleeping ? stored(r.asleep(), state) : 0;
        if (sleeping && store.sleep(id) != asleepHere) {
            store.sleep(id, asleepHere & store.sleep(id));
        }
        if (deferProviso && r.expansion().hasAgents() && marks) {
            store.expanded(id, r.expansion().completeAgents());
        }
        if (noSuccessor(id, state, r)) {
            return;
        }
        for (int i = 0; i < r.size() && !stopped; i++) {
            if (cutAfterTaking(id, r, i, depth)) {
                continue;
            }
            Transition<S> t = r.transition(i);
            int mask = sleeping ? Sleep.after(r.expansion(), i, r.asleep()) : 0;
            Sleep after = mask == 0 ? null : new Sleep(mask, r.expansion().keys());
            int at = r.found(i);
            if (at < 0) {
                int child = admit(t.target(), r.fingerprint(i), id, t.actionIndex());
                if (child >= 0) {
                    if (mask != 0) {
                        store.sleep(child, stored(mask, t.target()));
                    }
                    reachedDepth(depth + 1);
                    sink.accept(t.target(), child, after);
                    continue;
                }
                if (stopped || !sleeping) {
                    continue;
                }
                at = store.find(t.target(), r.fingerprint(i));
            }
            if (sleeping && at >= 0) {
                reachedAgain(at, t.target(), after);
            }
        }
    }

    /**
     * The stored state {@code at}, reached again with {@code after} asleep (null: none): the agents
     * it was stored with asleep that are not asleep on this path (or whose key on this path is not
     * the state's own) are woken, and the state goes to the {@link Woken} sink.
     */
    private void reachedAgain(int at, S target, Sleep after) {
        int had = stored(store.sleep(at), target);
        if (had == 0) {
            return;
        }
        int still = after == null ? 0 : after.mask() & had;
        Object[] own = null;
        if (still != 0) {
            own = system.agentKeys(target);
            still &= ~after.woken(own);
        }
        int w = had & ~still;
        if (w == 0) {
            return;
        }
        store.sleep(at, stored(still, target));
        woken.accept(target, at, new Sleep(still, own), w);
    }

    /**
     * A sleep mask of {@code s} as the seen set keeps it, or a kept one as it holds for {@code s}
     * (the same map both ways): under a symmetry that swaps agents 0 and 1 the seen set keeps the
     * mask of the orbit's representative ({@link TransitionSystem#orientation}), which a path may
     * reach as its mirror image.
     */
    int stored(int mask, S s) {
        return mask == 0 || !system.swapsAgents() ? mask : Sleep.oriented(mask, system.orientation(s));
    }

    /** A sleep mask of {@code from} as it holds for {@code to}, a state of the same orbit. */
    int renamed(int mask, S from, S to) {
        return stored(stored(mask, from), to);
    }

    /**
     * Looks past a stored state at the depth bound without storing anything: counts a deadlock,
     * and makes the exploration incomplete if a step leads to a violation or to a state not
     * stored, which the bound hides.
     */
    void boundary(int id, S state, Successors<S> prepared) {
        Successors<S> r = withProviso(-1, state, prepared);
        if (r.size() == 0 && r.expansion().asleep() == 0 && !system.isFinal(state)) {
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
     * The cycle proviso (DESIGN.md §5, docs/MODEL.md "Partial-order reduction", C3): a reduced
     * expansion none of whose successors is new or, breadth-first, in the next level is replaced
     * by the full expansion, or, when the proviso is judged by reachability, noted for
     * {@link #unresolved()} and kept. Every reduced state then either has a successor one level
     * deeper or reaches, through explored steps, a state that explores the agents it left out
     * (or is expanded fully when the search ends); every action a reduced expansion left out is
     * independent of the ample steps taken on the way (C1), so it is still enabled there and taken.
     * {@code id} -1: a state looked past at the depth bound, whose proviso is judged at once.
     */
    private Successors<S> withProviso(int id, S state, Successors<S> prepared) {
        Successors<S> r = prepared;
        if (r.expansion().reduced() && !r.reachesNextLevel(store, nextLevel)) {
            if (id >= 0 && defers(r.expansion())) {
                defer(id, r);
            } else {
                r = analyse(expandAll(state, r.asleep()), true, r.asleep());
            }
        }
        if (r.fullByProviso()) {
            provisoExpansions++;
        }
        return r;
    }

    /** Whether the proviso of this reduced expansion waits for the end of the search. */
    private boolean defers(Expansion<S> e) {
        return deferProviso && e.hasAgents();
    }

    /**
     * Defers the proviso of the reduced expansion {@code r} of {@code id}: the agents it leaves out
     * (present, not explored, not asleep) must be explored below one of its successors.
     */
    private void defer(int id, Successors<S> r) {
        Expansion<S> e = r.expansion();
        int needed = e.presentAgents() & ~e.completeAgents() & ~r.asleep();
        if (needed == 0) {
            return;
        }
        int[] p = new int[2 + r.size()];
        p[0] = id;
        p[1] = needed;
        int k = 2;
        for (int i = 0; i < r.size(); i++) {
            int at = r.found(i) >= 0 ? r.found(i) : store.find(r.transition(i).target(), r.fingerprint(i));
            if (!r.cut(i) && at >= 0) {
                p[k++] = at;
            }
        }
        pending.add(java.util.Arrays.copyOf(p, k));
        deferred++;
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
            // A state reached again with an agent woken is expanded after deeper ones: keep the shortest.
            counterexamples.merge(v.property(), new Counterexample(v.property(), v, sourceId, actionIndex, length),
                    (old, found) -> found.length() < old.length() ? found : old);
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

    /** How often {@link #checkpoint} asks whether the heap is exhausted. */
    private static final long MEMORY_CHECK_NANOS = 1_000_000_000L;
    private long lastMemoryCheckNanos;

    /** Checks the time limit, interruption and the heap, and sends progress when it is due. */
    void checkpoint(long queue, int currentDepth) {
        long now = options.clock().getAsLong();
        if (options.timeLimit() != null && now - startNanos >= options.timeLimit().toNanos()) {
            stop(Inconclusive.TIME_BOUND);
        }
        if (Thread.currentThread().isInterrupted()) {
            stop(Inconclusive.INTERRUPTED);
        }
        if (now - lastMemoryCheckNanos >= MEMORY_CHECK_NANOS) {
            lastMemoryCheckNanos = now;
            if (options.memoryExhausted().getAsBoolean()) {
                stop(Inconclusive.MEMORY_BOUND);
            }
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
        double collision = !store.usesFingerprints() ? 0
                : system.swapsAgents() ? ExplorationStats.orbitCollisionEstimate(distinct)
                : ExplorationStats.collisionEstimate(distinct);
        Map<String, Long> perLabel = new HashMap<>();
        coverage.forEach((label, count) -> perLabel.put(label, count[0]));
        ExplorationStats stats = new ExplorationStats(distinct, generated, depth, seconds,
                seconds > 0 ? distinct / seconds : 0, workers, collision, perLabel, provisoExpansions, cutStates,
                deadlocks, store.bytes(), deferred, revisits);
        List<Verdict> verdicts = ExplorationResult.verdicts(options.properties(), counterexamples, strategy,
                incompleteReason, collision, cutStates);
        return new ExplorationResult(strategy, incompleteReason, verdicts, deadlockIds, stats);
    }
}
