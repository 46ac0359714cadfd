package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
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
 * Emulator throughput and state cost, for docs/PERFORMANCE.md. Steps per second: the spec's
 * first scenario run on one path, best of several timed runs after warm-up runs. Bytes per
 * state: the heap retained by a chain of consecutive states (each sharing what it did not
 * change with its predecessor), measured after garbage collection, divided by their number.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure emulator steps per second and bytes per retained state for one or more specs.")
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

    @Override
    public Integer call() throws InputError {
        if (steps <= 0 || runs <= 0 || retain <= 0) {
            throw new UsageError("--steps, --runs and --retain must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "lvdcheck bench: %d cores, Java %s, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
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
