package org.lvdcheck.checker.explore;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The explorer of DESIGN.md §5: searches the states of a {@link TransitionSystem} for
 * violations of the checked properties and for deadlocks, and rebuilds a replayable trace for
 * each.
 *
 * <ul>
 *   <li><b>BFS</b> (default), level by level with a fixed pool of workers and a sequential
 *       merge in the order (parent id, transition order): distinct-state counts, ids and every
 *       trace are identical for any worker count, and each counterexample is the shortest the
 *       search found (shortest in the reduced graph but for the states a proviso round or a
 *       revisit expands after deeper ones). DFS and
 *       seeded random simulation are options.</li>
 *   <li><b>Seen set</b> of 64-bit seeded fingerprints, 21.3 to 24 bytes per state (fingerprint,
 *       parent id, action index, and an open-addressing index; see {@link #seenSetBytes()}),
 *       or whole states in exact mode. The collision estimate n²/2^65 is reported; above
 *       {@link ExplorationResult#COLLISION_LIMIT} "holds" becomes inconclusive.</li>
 *   <li><b>Partial-order reduction</b>: the system returns an ample set when asked. The cycle
 *       proviso keeps a reduced expansion that reaches a state one level deeper; breadth-first,
 *       by default, one that does not is noted and, when the search runs out of states, expanded
 *       fully unless one of its successors reaches, through explored steps, a state that explores
 *       the agents it left out ({@code reachProviso}); otherwise (without agents, or {@code
 *       --proviso level}) it is expanded fully at once. Depth-first, by default, a state enters the
 *       seen set when the search enters it, and a reduced expansion is replaced by the full one
 *       when one of its successors is on the search's path (the stack proviso). No transition is
 *       ignored forever. Breadth-first search
 *       also keeps sleep sets when the system names agents ({@link Expansion}).</li>
 *   <li><b>Cut</b>: a step that violates a checked property is recorded as that property's
 *       counterexample if it is the first found or shorter than the one recorded, and its target is not stored or expanded. Each
 *       verdict says whether anything was cut; {@link ExplorationResult#withCutSensitive} lets
 *       the caller turn such "holds" into "inconclusive (cut)".</li>
 *   <li><b>Bounds</b> ({@code maxStates}, {@code maxDepth}, {@code timeLimit}) make every
 *       property without a violation inconclusive, never "holds".</li>
 * </ul>
 *
 * <p>An explorer runs once; afterwards {@link #trace(Counterexample)} and {@link #traceTo(int)}
 * rebuild traces by re-executing recorded action indices and throw
 * {@link IllegalStateException} if the system does not reproduce them.
 *
 * @param <S> the state type
 */
public final class Explorer<S> {
    private final TransitionSystem<S> system;
    private final Options options;
    private SearchContext<S> ctx;

    public Explorer(TransitionSystem<S> system, Options options) {
        this.system = Objects.requireNonNull(system, "system");
        this.options = Objects.requireNonNull(options, "options");
        if (!options.terminates()) {
            throw new IllegalArgumentException("simulation needs a time limit, a state bound or a walk count");
        }
    }

    /** Explores the system; callable once. */
    public ExplorationResult run() {
        if (ctx != null) {
            throw new IllegalStateException("an explorer runs once");
        }
        ctx = new SearchContext<>(system, options);
        switch (options.strategy()) {
            case BFS -> new BreadthFirstSearch<>(ctx, options.workers()).run();
            case DFS -> new DepthFirstSearch<>(ctx).run();
            case SIMULATE -> new RandomSimulation<>(ctx).run();
        }
        return ctx.result(options.strategy(), options.strategy() == Strategy.BFS ? options.workers() : 1);
    }

    /** The re-executed trace of a counterexample, ending with its violating step. */
    public Trace<S> trace(Counterexample counterexample) {
        return new TraceReplay<>(ran()).of(counterexample);
    }

    /** The re-executed trace from an initial state to the stored state {@code stateId} (e.g. a deadlock). */
    public Trace<S> traceTo(int stateId) {
        return new TraceReplay<>(ran()).toState(stateId);
    }

    /**
     * Bytes held by the seen set: in fingerprint mode 16 bytes per state in chunked columns
     * (fingerprint, parent, action index) plus an {@code int} index at load 0.5 to 0.75, so at
     * most 24 bytes per state plus one chunk per column; in exact mode the id columns plus an
     * estimate per map entry, not counting the states themselves.
     */
    public long seenSetBytes() {
        return ran().store().bytes();
    }

    /** The number of states in the seen set. */
    public int distinctStates() {
        return ran().store().size();
    }

    private SearchContext<S> ran() {
        if (ctx == null) {
            throw new IllegalStateException("run() the explorer first");
        }
        return ctx;
    }

    /**
     * The options of an exploration (DESIGN.md §8 {@code check}). Start from {@link #defaults()}
     * and change fields with the {@code with} methods.
     *
     * @param strategy BFS (default), DFS or SIMULATE
     * @param workers threads expanding states in BFS (default: available processors)
     * @param seed the random seed of simulation
     * @param fpSeed the fingerprint seed ({@code --fp-seed})
     * @param maxStates the most distinct states to store ({@code Long.MAX_VALUE}: no bound)
     * @param maxDepth the most steps from an initial state ({@code Integer.MAX_VALUE}: no bound;
     *        in simulation also the walk length, {@value RandomSimulation#DEFAULT_WALK_LENGTH} when unbounded)
     * @param timeLimit wall time after which the search stops; null: none
     * @param exact whether to store whole states instead of fingerprints
     * @param stopAtFirst whether to stop at the first violation of any checked property
     * @param reduction whether to ask the system for reduced (ample) expansions
     * @param properties the properties to check; violations of others are ignored
     * @param progress receives a {@link Progress} every {@code progressInterval}; null: none
     * @param progressInterval how often progress is sent
     * @param clock monotonic nanoseconds ({@code System::nanoTime}); injectable for tests
     * @param maxWalks the most random walks of a simulation ({@code Long.MAX_VALUE}: no bound)
     * @param deadlocksKept how many deadlock ids the result keeps (all are counted)
     * @param sleepSets whether breadth-first search with reduction also keeps sleep sets (the
     *        system must name each transition's agent; see {@link Expansion})
     * @param reachProviso whether the cycle proviso (docs/MODEL.md "Partial-order reduction", C3) waits
     *        rather than expanding a reduced state with no new successor fully at once: breadth-first,
     *        judged by reachability (a reduced state none of whose successors is one level deeper is
     *        expanded fully only if, once the search ends, no successor reaches a state that explores
     *        the agents it left out); depth-first, judged on the search's path (the stack proviso: a
     *        reduced state is expanded fully when one of its successors is on the path)
     * @param memoryExhausted whether the heap is so full that the search should stop, inconclusive
     *        ({@link Inconclusive#MEMORY_BOUND}), before the collector spends the run or the JVM fails;
     *        polled about once a second of {@code clock}
     */
    public record Options(Strategy strategy, int workers, long seed, long fpSeed, long maxStates, int maxDepth,
            Duration timeLimit, boolean exact, boolean stopAtFirst, boolean reduction, Set<String> properties,
            Consumer<Progress> progress, Duration progressInterval, LongSupplier clock, long maxWalks,
            int deadlocksKept, boolean sleepSets, boolean reachProviso, BooleanSupplier memoryExhausted) {
        public Options {
            Objects.requireNonNull(strategy, "strategy");
            require(workers >= 1, "workers must be at least 1: " + workers);
            require(maxStates >= 1, "maxStates must be at least 1: " + maxStates);
            require(maxDepth >= 0, "maxDepth must not be negative: " + maxDepth);
            require(timeLimit == null || !timeLimit.isNegative(), "timeLimit must not be negative");
            properties = Collections.unmodifiableSet(new LinkedHashSet<>(properties));
            require(progressInterval != null && !progressInterval.isNegative(), "progressInterval must be >= 0");
            Objects.requireNonNull(clock, "clock");
            require(maxWalks >= 1, "maxWalks must be at least 1: " + maxWalks);
            require(deadlocksKept >= 0, "deadlocksKept must not be negative: " + deadlocksKept);
            Objects.requireNonNull(memoryExhausted, "memoryExhausted");
        }

        /** Whether a run with these options ends: a simulation needs a time, state or walk bound. */
        boolean terminates() {
            return strategy != Strategy.SIMULATE || timeLimit != null || maxStates != Long.MAX_VALUE
                    || maxWalks != Long.MAX_VALUE;
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }

        /** BFS on every processor, no bounds, fingerprints with seed 0, reduction on, no property checked. */
        public static Options defaults() {
            return new Options(Strategy.BFS, Runtime.getRuntime().availableProcessors(), 0, 0, Long.MAX_VALUE,
                    Integer.MAX_VALUE, null, false, false, true, Set.of(), null, Duration.ofSeconds(5),
                    System::nanoTime, Long.MAX_VALUE, 10, true, true, HeapGauge.OLD_GENERATION::exhausted);
        }

        public Options withStrategy(Strategy value) {
            return new Options(value, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withWorkers(int value) {
            return new Options(strategy, value, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withSeed(long value) {
            return new Options(strategy, workers, value, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withFpSeed(long value) {
            return new Options(strategy, workers, seed, value, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withMaxStates(long value) {
            return new Options(strategy, workers, seed, fpSeed, value, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withMaxDepth(int value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, value, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withTimeLimit(Duration value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, value, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withExact(boolean value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, value, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withStopAtFirst(boolean value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, value,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withReduction(boolean value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    value, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withProperties(Set<String> value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, value, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        /** The properties to check, in the order the verdicts list them. */
        public Options withProperties(String... value) {
            return withProperties(new LinkedHashSet<>(Arrays.asList(value)));
        }

        public Options withProgress(Consumer<Progress> value, Duration interval) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, value, interval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withClock(LongSupplier value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, value, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withMaxWalks(long value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, value, deadlocksKept, sleepSets, reachProviso,
                    memoryExhausted);
        }

        public Options withSleepSets(boolean value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, value, reachProviso,
                    memoryExhausted);
        }

        public Options withReachProviso(boolean value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, value,
                    memoryExhausted);
        }

        /** How the search tells that the heap is exhausted (polled about once a second; see {@link HeapGauge}). */
        public Options withMemoryExhausted(BooleanSupplier value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, deadlocksKept, sleepSets, reachProviso,
                    value);
        }

        public Options withDeadlocksKept(int value) {
            return new Options(strategy, workers, seed, fpSeed, maxStates, maxDepth, timeLimit, exact, stopAtFirst,
                    reduction, properties, progress, progressInterval, clock, maxWalks, value, sleepSets, reachProviso,
                    memoryExhausted);
        }
    }
}
