package org.lvdcheck.checker.cli;

import java.nio.file.Path;
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
        return NotBuilt.report(spec.commandLine().getErr(), "check", "the explorer", loaded);
    }
}
