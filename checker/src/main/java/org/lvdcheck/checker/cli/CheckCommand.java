package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.lvd.Model;
import java.util.concurrent.Callable;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Explore every interleaving of CPUs, interrupts and a compromised driver and check the "
                + "invariants; write a shortest trace for each violation.",
            "With no arguments it checks the built-in lvd-hardened spec."})
public final class CheckCommand implements Callable<Integer> {
    enum Strategy { bfs, dfs, simulate }

    /** The longest path the one-path run of the workload may take. */
    static final long PATH_STEPS = 10_000_000;

    @Spec CommandSpec spec;
    @Mixin SpecOption specOption = new SpecOption();
    @Mixin PropertySelection selection = new PropertySelection();
    @Mixin ReportOptions reports = new ReportOptions();

    @Option(names = "--workers", paramLabel = "N", description = "Parallel workers (default: all cores).")
    Integer workers;

    @Option(names = "--strategy", paramLabel = "bfs|dfs|simulate", defaultValue = "bfs",
            description = "Search strategy. Default: ${DEFAULT-VALUE} (shortest counterexamples).")
    Strategy strategy;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed for simulation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--max-states", paramLabel = "N", description = "Stop after N distinct states (inconclusive).")
    Long maxStates;

    @Option(names = "--max-depth", paramLabel = "N", description = "Do not explore beyond depth N (inconclusive).")
    Integer maxDepth;

    @Option(names = "--time-limit", paramLabel = "S", description = "Stop after S seconds (inconclusive).")
    Integer timeLimit;

    @Option(names = "--exact", description = "Store whole states instead of 64-bit fingerprints (small specs).")
    boolean exact;

    @Option(names = "--stop-at-first", description = "Stop at the first violation.")
    boolean stopAtFirst;

    @Option(names = "--fp-seed", paramLabel = "N", defaultValue = "0", description = "Fingerprint seed. Default: ${DEFAULT-VALUE}.")
    long fpSeed;

    @Option(names = "--trace-dir", paramLabel = "D", defaultValue = "lvdcheck-out",
            description = "Where counterexample traces are written. Default: ${DEFAULT-VALUE}.")
    Path traceDir;

    @Override
    public Integer call() throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        List<PropertyId> selected = new ArrayList<>();
        for (String p : selection.properties) {
            selected.add(PropertyId.lookup(p).orElseThrow(() -> new UsageError("unknown property '" + p
                    + "'; 'lvdcheck properties' lists them")));
        }
        if (workers != null && workers < 1) {
            throw new UsageError("--workers must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        // What is real today: the machine is built from the spec and its workload runs on one path.
        SystemBuilder.Built built = SystemBuilder.build(loaded, loaded.spec().workload().callsPerThread());
        Machine machine = new Machine(built.system(), built.initial());
        long t0 = System.nanoTime();
        ScenarioRunner.Summary run = new ScenarioRunner(machine, workloadSchedule(loaded)).run(PATH_STEPS, seed, null);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.println("lvdcheck check: spec " + loaded.spec().name() + " (" + loaded.files().size() + " input files)");
        out.println("built the machine: " + built.system().cpus() + " CPUs, views " + built.system().views() + ", "
                + built.initial().mem().frameCount() + " frames, " + built.system().code().size() + " instructions placed");
        out.printf(Locale.ROOT, "ran the workload on one path: %d threads x %d calls, %d steps (%s), %d crossings, "
                        + "%d interrupts inside a domain, in %.2f s%n", loaded.spec().workload().threads().size(),
                loaded.spec().workload().callsPerThread(), run.steps(), run.end(),
                run.domainEntries() + run.kernelEntries(), run.interruptsDeliveredInDomain(), secs);
        for (String stop : run.stops()) {
            out.println("  stopped: " + stop);
        }
        if (maxStates != null || maxDepth != null || timeLimit != null || exact || stopAtFirst || workers != null
                || strategy != Strategy.bfs || !selected.isEmpty()) {
            out.println("note: --property, --workers, --strategy, --max-states, --max-depth, --time-limit, --exact and "
                    + "--stop-at-first steer the explorer, which is not built yet: they had no effect.");
        }
        out.println("verdict: inconclusive. The explorer is not built in lvdcheck " + Version.VERSION
                + ": no interleaving was explored and no property was checked.");
        if (reports.json != null) {
            JsonReport.writeUnchecked(reports.json, loaded, selected.isEmpty() ? List.of(PropertyId.values()) : selected,
                    fpSeed, run, secs);
            out.println("report: " + reports.json);
        }
        if (reports.sarif != null || reports.junit != null || reports.html != null) {
            throw new UsageError("check writes --json only in this version (SARIF, JUnit and HTML reports come with the explorer)");
        }
        return ExitCode.INCONCLUSIVE.code;
    }

    /** The explored workload as a schedule for one path: the spec's calls, its first timer source. */
    private static Model.Scenario workloadSchedule(SpecLoader.Loaded loaded) throws InputError {
        Model.Source timer = loaded.spec().sources().stream()
                .filter(s -> loaded.spec().vector(s.vector()).map(v -> v.vectorClass() == Model.VectorClass.TIMER).orElse(false))
                .findFirst().orElseThrow(() -> new InputError(loaded.spec().workload().pos(),
                        "the workload needs a timer source (source NAME vector=V cpu=all fires=...)"));
        int every = loaded.spec().scenarios().isEmpty() ? 1000 : loaded.spec().scenarios().get(0).timerEvery();
        return new Model.Scenario("workload", "the spec's workload", loaded.spec().workload().callsPerThread(), every,
                timer.name(), 0, loaded.spec().workload().threads(), loaded.spec().workload().pos());
    }
}
