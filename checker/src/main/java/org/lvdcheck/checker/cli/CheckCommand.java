package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.time.Duration;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.HeapGauge;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.model.StateProfile;
import org.lvdcheck.checker.model.StepChecks;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.properties.PropertyId;
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

    /** The default wall-time bound of a check: the budget of DEVELOPERS.md, minus JVM start and reports. */
    static final int DEFAULT_TIME_LIMIT = 100;

    @Option(names = "--time-limit", paramLabel = "S",
            description = "Stop after S seconds (inconclusive). Default: " + DEFAULT_TIME_LIMIT + "; 0: no limit.")
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

    @Option(names = "--no-reduction", description = "Turn the CPU-local partial-order reduction off.")
    boolean noReduction;

    @Option(names = "--no-symmetry", description = "Store a state and its mirror image under the CPU symmetry the "
            + "spec declares (workload ... symmetry=cpus) apart (docs/MODEL.md, \"CPU symmetry\"). The symmetry is "
            + "used only by the breadth-first search without --exact.")
    boolean noSymmetry;

    @Option(names = "--vector-classes", description = "Where no thread can be switched in, let one source's arrival "
            + "stand for another's whose vector has the same gate and handler code, and keep the other's run beside it, "
            + "compared at every step (docs/MODEL.md, \"Vector classes\"): about a third fewer states, in about the "
            + "same time. A reduction: not with --no-reduction.")
    boolean vectorClasses;

    @Option(names = "--no-sleep-sets", description = "Keep no sleep sets in the reduced breadth-first search: "
            + "explore the other CPUs' steps inside a CPU's transactions too (docs/MODEL.md, \"Transactions\").")
    boolean noSleepSets;

    /** How the cycle proviso of the partial-order reduction is judged. */
    enum Proviso { reach, stack, level }

    @Option(names = "--proviso", paramLabel = "P", description = "The cycle proviso of the partial-order reduction. "
            + "Breadth-first: reach (default: a reduced state whose successors are all shallower is expanded fully "
            + "only if none reaches an expansion of what it left out, judged when the search ends) or level (expanded "
            + "fully at once). Depth-first: stack (default: a reduced state is expanded fully when a successor is on "
            + "the search's path) or level (when no successor is new).")
    Proviso proviso;

    @Option(names = "--state-profile", description = "After the run, print where the expanded states are: the "
            + "places (thread, view, source line) each CPU was at most often, the most frequent combinations, the "
            + "source files, what each thread had open (gate calls, events being handled), what kept each CPU out of "
            + "a reduced expansion where states were expanded fully (its first step that is not CPU-local, and why), "
            + "and what differs among states sampled at the most frequent combination.")
    boolean stateProfile;

    @Option(names = "--coarse-interrupts", description = "Let interrupts arrive only where a run of "
            + "interrupt-transparent kernel instructions starts (docs/MODEL.md): fewer states, but no property is "
            + "reported as holding.")
    boolean coarseInterrupts;

    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;

    @Override
    public Integer call() throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        List<PropertyId> selected = new ArrayList<>();
        for (String p : selection.properties) {
            PropertyId id = PropertyId.lookup(p).orElseThrow(() -> new UsageError("unknown property '" + p
                    + "'; 'lvdcheck properties' lists them"));
            if (!selected.contains(id)) {
                selected.add(id);
            }
        }
        if (selected.isEmpty()) {
            selected.addAll(List.of(PropertyId.values()));
        }
        Explorer.Options opts = options();
        if (reports.sarif != null || reports.junit != null) {
            throw new UsageError("check writes --json and --html reports in this version (SARIF and JUnit are not built)");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (coarseInterrupts && noReduction) {
            throw new UsageError("--coarse-interrupts is a reduction: it cannot go with --no-reduction");
        }
        LvdTransitionSystem sys = Replay.system(loaded, !noReduction, coarseInterrupts);
        String symmetry;
        var workload = loaded.spec().workload();
        if (!workload.cpuSymmetry()) {
            symmetry = "none declared (a spec declares one with workload ... symmetry=cpus)";
        } else if (noSymmetry) {
            symmetry = "declared, not used (--no-symmetry)";
        } else if (strategy == Strategy.simulate) {
            symmetry = "declared, not used: the random simulation walks runs, it does not store orbits";
        } else if (exact) {
            symmetry = "declared, not used: --exact stores whole states";
        } else {
            sys.useDeclaredCpuSymmetry(workload);
            symmetry = null;
        }
        if (vectorClasses && noReduction) {
            throw new UsageError("--vector-classes is a reduction: it cannot go with --no-reduction");
        }
        if (vectorClasses && sys.useVectorClasses() == null) {
            throw new UsageError("--vector-classes: no two interrupt sources of this spec have the same gate and "
                    + "handler code (the header's vector classes line says why)");
        }
        List<PropertyId> checked = selected.stream().filter(StepChecks.CHECKED::contains).toList();
        List<PropertyId> notChecked = selected.stream().filter(p -> !StepChecks.CHECKED.contains(p)).toList();
        opts = opts.withProperties(checked.stream().map(PropertyId::name).toArray(String[]::new));
        if (!quiet) {
            // Breadth-first: the states waiting in this level and the next; depth-first: the entries on its stack.
            String waiting = strategy == Strategy.dfs ? "stack" : "queue";
            opts = opts.withProgress(p -> out.printf(Locale.ROOT, "progress: %,d states, %s %,d, depth %d, %,.0f states/s, "
                    + "%.0f s%n", p.distinctStates(), waiting, p.queue(), p.depth(), p.statesPerSecond(), p.seconds()),
                    Duration.ofSeconds(5));
        }
        StateProfile profile = null;
        if (stateProfile) {
            profile = new StateProfile(sys.machine());
            sys.profile(profile);
        }
        CheckReport.header(out, loaded, sys, symmetry);
        CheckReport.Search search = search(opts, sys);
        out.println("search: " + search.describe());
        Explorer<CheckState> explorer = new Explorer<>(sys, opts);
        ExplorationResult result;
        try {
            result = explorer.run();
        } catch (org.lvdcheck.checker.model.DeadStacks.Forgotten | org.lvdcheck.checker.model.WriteOnlyWords.Observed
                | org.lvdcheck.emulator.machine.Adversary.FlagClassesBroken e) {
            out.println("error: " + e.getMessage());
            out.println("verdict: inconclusive");
            out.flush();
            return ExitCode.INCONCLUSIVE.code;
        } catch (OutOfMemoryError e) {
            throw new UsageError("out of memory after " + explorer.distinctStates() + " states: bound the run with "
                    + "--max-states or give the JVM more heap (LVDCHECK_JAVA_OPTS=-Xmx...)");
        }
        result = result.withCutSensitive(p -> true);
        if (coarseInterrupts) {
            result = result.withoutHolds(org.lvdcheck.checker.explore.Inconclusive.COARSE_INTERRUPTS);
        }
        if (!sys.invept().unmet().isEmpty()) {
            result = result.withoutHolds(org.lvdcheck.checker.explore.Inconclusive.INVEPT_OBLIGATION);
        }
        if (!CheckReport.ownershipBreaches(sys).isEmpty()) {
            result = result.withoutHolds(org.lvdcheck.checker.explore.Inconclusive.OWNERSHIP_BREACH);
        }
        if (!sys.imageBreaches().isEmpty()) {
            result = result.withoutHolds(org.lvdcheck.checker.explore.Inconclusive.VECTOR_CLASS_BREACH);
        }
        if (!sys.lockupsUndecided().isEmpty()) {
            result = result.withoutHold(PropertyId.AVAIL.name(), org.lvdcheck.checker.explore.Inconclusive.LOCKUP_UNDECIDED);
        }
        List<CheckReport.Written> traces = CheckReport.writeTraces(explorer, result, sys, loaded, fpSeed, traceDir);
        CheckReport report = new CheckReport(loaded, sys, result, checked, notChecked, traces, explorer.seenSetBytes())
                .search(search);
        report.print(out);
        if (result.incompleteReason() == org.lvdcheck.checker.explore.Inconclusive.MEMORY_BOUND) {
            out.println(memoryNote(HeapGauge.OLD_GENERATION.poolName(), Runtime.getRuntime().maxMemory() / (1 << 20)));
        }
        if (profile != null) {
            CheckReport.printProfile(out, profile);
        }
        if (reports.json != null) {
            report.writeJson(reports.json, fpSeed);
            out.println("report: " + reports.json);
        }
        if (reports.html != null) {
            report.writeHtml(reports.html);
            out.println("page: " + reports.html);
        }
        return report.exitCode().code;
    }

    /** The cycle proviso this run judges: {@code --proviso}, else the strategy's own (reach, or stack depth-first). */
    private Proviso effectiveProviso() {
        return proviso != null ? proviso : strategy == Strategy.dfs ? Proviso.stack : Proviso.reach;
    }

    /** What a run the memory bound stopped prints: the pool, and how to give it more room. */
    String memoryNote(String pool, long maxMiB) {
        String dfs = strategy == Strategy.bfs ? ", or search depth-first (--strategy dfs keeps the seen set and its "
                + "path, not whole breadth-first levels)" : "";
        return "note: the search stopped with the heap's old generation " + Math.round(HeapGauge.FULL * 100)
                + "% full after a full collection (" + pool + ", max " + maxMiB + " MiB); give the JVM more heap "
                + "(LVDCHECK_JAVA_OPTS=\"-Xss16m -XX:+UseParallelGC -Xmx...\") or bound the run (--max-states, "
                + "--max-depth)" + dfs;
    }

    /** How this run searches, as the header and the JSON report give it. */
    private CheckReport.Search search(Explorer.Options o, LvdTransitionSystem sys) {
        boolean simulate = strategy == Strategy.simulate;
        return new CheckReport.Search(strategy.name(), strategy == Strategy.bfs ? o.workers() : 1,
                simulate ? o.seed() : null, o.reduction(), !o.reduction() || simulate ? null : effectiveProviso().name(),
                strategy == Strategy.bfs && o.reduction() && o.sleepSets(), sys.cpuSymmetry() != null, vectorClasses,
                coarseInterrupts, o.exact(), o.stopAtFirst(),
                o.maxStates() == Long.MAX_VALUE ? null : o.maxStates(),
                o.maxDepth() == Integer.MAX_VALUE ? null : o.maxDepth(),
                o.timeLimit() == null ? null : o.timeLimit().toSeconds());
    }

    private Explorer.Options options() {
        if (workers != null && workers < 1) {
            throw new UsageError("--workers must be at least 1");
        }
        if (maxStates != null && maxStates < 1) {
            throw new UsageError("--max-states must be at least 1");
        }
        if (maxDepth != null && maxDepth < 0) {
            throw new UsageError("--max-depth must not be negative");
        }
        if (timeLimit != null && timeLimit < 0) {
            throw new UsageError("--time-limit must not be negative");
        }
        int limit = timeLimit == null ? DEFAULT_TIME_LIMIT : timeLimit;
        if (strategy == Strategy.simulate && limit == 0 && maxStates == null) {
            throw new UsageError("--strategy simulate needs --time-limit or --max-states");
        }
        Proviso p = effectiveProviso();
        if (p == Proviso.stack && strategy != Strategy.dfs) {
            throw new UsageError("--proviso stack is the depth-first search's (--strategy dfs); the breadth-first "
                    + "search judges the proviso by reach or level");
        }
        if (p == Proviso.reach && strategy == Strategy.dfs) {
            throw new UsageError("--proviso reach is the breadth-first search's; the depth-first search judges the "
                    + "proviso by stack or level");
        }
        Explorer.Options o = Explorer.Options.defaults()
                .withStrategy(switch (strategy) {
                    case bfs -> org.lvdcheck.checker.explore.Strategy.BFS;
                    case dfs -> org.lvdcheck.checker.explore.Strategy.DFS;
                    case simulate -> org.lvdcheck.checker.explore.Strategy.SIMULATE;
                })
                .withSeed(seed).withFpSeed(fpSeed).withExact(exact).withStopAtFirst(stopAtFirst)
                .withReduction(!noReduction).withSleepSets(!noSleepSets)
                .withReachProviso(p != Proviso.level);
        if (workers != null) {
            o = o.withWorkers(workers);
        }
        if (maxStates != null) {
            o = o.withMaxStates(maxStates);
        }
        if (maxDepth != null) {
            o = o.withMaxDepth(maxDepth);
        }
        if (limit > 0) {
            o = o.withTimeLimit(Duration.ofSeconds(limit));
        }
        return o;
    }
}
