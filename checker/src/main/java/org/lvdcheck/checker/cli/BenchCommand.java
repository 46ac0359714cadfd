package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lvdcheck.checker.explore.ExplorationStats;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Emulator and explorer throughput and state cost, for docs/PERFORMANCE.md. Steps per second: the
 * spec's first scenario run on one path, best of several timed runs after warm-up runs. Bytes per
 * state: the heap retained by a chain of consecutive states (each sharing what it did not
 * change with its predecessor), measured after garbage collection, divided by their number.
 * With {@code --explorer}: distinct states per second of the breadth-first search {@code check}
 * runs (reductions on, the compromised driver), bounded by a state count, for each worker count
 * (or of the depth-first search, {@code --strategy dfs}, on one thread),
 * best and mean of timed runs after a warm-up run; bytes per stored state of its seen set; and
 * whether every worker count stored the same states.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure emulator steps per second and bytes per retained state for one or more specs.",
            "With --explorer: distinct states per second and seen-set bytes per state of the explorer, per worker count."})
public final class BenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--spec", paramLabel = "S", split = ",", defaultValue = "lvd-hardened,lvd-as-built",
            description = "Specs to measure (comma-separated). Default: ${DEFAULT-VALUE}.")
    List<String> specs;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "200000",
            description = "Steps per timed run. Default: ${DEFAULT-VALUE}.")
    long steps;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "Timed runs. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--retain", paramLabel = "N", defaultValue = "20000",
            description = "States kept for the bytes-per-state figure. Default: ${DEFAULT-VALUE}.")
    int retain;

    @Option(names = "--explorer", description = "Measure the explorer (a bounded breadth-first check) instead of the "
            + "emulator; --steps and --retain do not apply. Default spec: lvd-hardened.")
    boolean explorer;

    @Option(names = "--max-states", paramLabel = "N", defaultValue = "200000",
            description = "With --explorer: distinct states per search. Default: ${DEFAULT-VALUE}.")
    long maxStates;

    @Option(names = "--workers", paramLabel = "N", split = ",", defaultValue = "1,2",
            description = "With --explorer: the worker counts to measure (comma-separated). Default: ${DEFAULT-VALUE}.")
    List<Integer> workerCounts;

    /** Which search {@code --explorer} measures. */
    enum Strategy { bfs, dfs }

    @Option(names = "--strategy", paramLabel = "bfs|dfs", defaultValue = "bfs",
            description = "With --explorer: the search to measure, breadth-first for each worker count or depth-first "
                    + "(one thread; --workers does not apply). Default: ${DEFAULT-VALUE}.")
    Strategy strategy;

    @Override
    public Integer call() throws InputError {
        if (steps <= 0 || runs <= 0 || retain <= 0 || maxStates <= 0) {
            throw new UsageError("--steps, --runs, --retain and --max-states must be positive");
        }
        if (workerCounts.stream().anyMatch(w -> w < 1)) {
            throw new UsageError("--workers: every worker count must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "lvdcheck bench: %d cores, Java %s, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
        if (explorer) {
            return explorer(out);
        }
        for (String name : specs) {
            SpecLoader.Loaded loaded = SpecLoader.load(name);
            Model.Scenario sc = loaded.spec().scenarios().get(0);
            SystemBuilder.Built built = SystemBuilder.build(loaded, sc);
            Machine m = new Machine(built.system(), built.initial());
            for (int i = 0; i < 2; i++) {
                new ScenarioRunner(m, sc).run(steps, 0, null);
            }
            double best = 0;
            double sum = 0;
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                ScenarioRunner.Summary s = new ScenarioRunner(m, sc).run(steps, 0, null);
                double rate = s.steps() / ((System.nanoTime() - t0) / 1e9);
                best = Math.max(best, rate);
                sum += rate;
            }
            long bytes = retainedBytesPerState(m, retain);
            out.printf(Locale.ROOT, "%-14s steps/s: best %,.0f, mean %,.0f over %d runs of %,d steps; "
                    + "bytes per retained state: %,d (%,d consecutive states)%n", loaded.spec().name(), best, sum / runs, runs,
                    steps, bytes, retain);
        }
        return ExitCode.HOLDS.code;
    }

    /** The explorer's figures for each spec and worker count; exit 3 if worker counts stored different states. */
    private int explorer(PrintWriter out) throws InputError {
        List<String> names = spec.commandLine().getParseResult().hasMatchedOption("--spec") ? specs : List.of("lvd-hardened");
        ExitCode result = ExitCode.HOLDS;
        for (String name : names) {
            SpecLoader.Loaded loaded = SpecLoader.load(name);
            ExplorationStats first = null;
            boolean dfs = strategy == Strategy.dfs;
            for (int w : dfs ? List.of(1) : workerCounts) {
                Explorer.Options opts = Explorer.Options.defaults().withWorkers(w).withMaxStates(maxStates)
                        .withStrategy(dfs ? org.lvdcheck.checker.explore.Strategy.DFS
                                : org.lvdcheck.checker.explore.Strategy.BFS);
                explore(loaded, opts); // warm-up
                double best = 0;
                double sum = 0;
                ExplorationStats last = null;
                for (int i = 0; i < runs; i++) {
                    last = explore(loaded, opts);
                    best = Math.max(best, last.statesPerSecond());
                    sum += last.statesPerSecond();
                }
                out.printf(Locale.ROOT, "%-14s explorer, %s: %,d distinct states%s (%,d generated), depth %d; "
                        + "states/s: best %,.0f, mean %,.0f over %d runs; seen set %.1f bytes/state%n", loaded.spec().name(),
                        dfs ? "depth-first" : w + (w == 1 ? " worker" : " workers"), last.distinctStates(),
                        loaded.spec().workload().cpuSymmetry() ? " up to the CPU symmetry" : "", last.generatedStates(),
                        last.depth(), best, sum / runs,
                        runs, (double) last.seenSetBytes() / Math.max(1, last.distinctStates()));
                if (first == null) {
                    first = last;
                } else if (first.distinctStates() != last.distinctStates() || first.depth() != last.depth()
                        || first.generatedStates() != last.generatedStates()) {
                    out.printf(Locale.ROOT, "%-14s worker counts stored different states: the figures are not comparable%n",
                            loaded.spec().name());
                    result = result.and(ExitCode.INCONCLUSIVE);
                }
            }
        }
        return result.code;
    }

    /** One run of the search `check` makes (with the CPU symmetry the spec declares). */
    private static ExplorationStats explore(SpecLoader.Loaded loaded, Explorer.Options opts) throws InputError {
        LvdTransitionSystem sys = Replay.system(loaded, true);
        sys.useDeclaredCpuSymmetry(loaded.spec().workload());
        return new Explorer<>(sys, opts).run().stats();
    }

    /** Heap retained per state by a chain of consecutive states (round-robin over the CPUs). */
    private static long retainedBytesPerState(Machine m, int n) {
        List<MachineState> chain = new ArrayList<>(n);
        long before = usedAfterGc();
        MachineState s = m.initial();
        int cpus = s.cpus().size();
        for (int i = 0; chain.size() < n && i < 50 * n; i++) {
            Action a = new Action.Execute(i % cpus);
            if (m.enabled(s, a)) {
                s = m.next(s, a).state();
                chain.add(s);
            }
        }
        long after = usedAfterGc();
        long per = chain.isEmpty() ? 0 : (after - before) / chain.size();
        java.lang.ref.Reference.reachabilityFence(chain);
        return per;
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
