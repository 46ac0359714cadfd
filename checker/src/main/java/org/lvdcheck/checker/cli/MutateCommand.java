package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.lvdcheck.checker.mutate.LineContexts;
import org.lvdcheck.checker.mutate.MutationRun;
import org.lvdcheck.checker.mutate.Mutants;
import org.lvdcheck.checker.io.OutputFiles;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "mutate", mixinStandardHelpOptions = true,
        description = {"Apply every one-line mutation to the gate and entry code (drop a line, negate a jump's "
                + "condition, change an immediate or a register) and report how many the checker catches.",
                "Each mutant gets a bounded breadth-first and a bounded depth-first search; a survivor is not "
                + "proven equivalent (exit 3 while any survives)."})
public final class MutateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SpecOption specOption = new SpecOption();
    @Mixin ReportOptions reports = new ReportOptions();

    @Option(names = "--workers", paramLabel = "N", description = "Parallel workers per search (default: all cores).")
    Integer workers;

    @Option(names = "--file", paramLabel = "F", description = "Mutate only this assembly file (its name ends "
            + "with F), repeatable. Default: the spec's gate and entry code (entry.s, gate.s, gate-kernel.s).")
    List<String> files = new ArrayList<>();

    @Option(names = "--max-states", paramLabel = "N", defaultValue = "20000",
            description = "States per search of one mutant. Default: ${DEFAULT-VALUE}.")
    long maxStates;

    @Option(names = "--limit", paramLabel = "N", description = "Check only the first N mutants (in file and line order).")
    Integer limit;

    @Option(names = "--line", paramLabel = "N", description = "Mutate only this line of the chosen files, repeatable.")
    List<Integer> lines = new ArrayList<>();

    @Option(names = "--line-contexts", paramLabel = "REPORT", description = "The JSON report of a complete check of "
            + "the same assembly (check --json): print with each survivor the contexts its line ran in there (kernel, "
            + "domain, driver-jump, driver) and count the survivors whose line ran only as the driver's code or after "
            + "its jumps (docs/MUTATION.md).")
    String lineContexts;

    static final List<String> GATE_AND_ENTRY = List.of("entry.s", "gate.s", "gate-kernel.s");

    @Override
    public Integer call() throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        if (reports.sarif != null || reports.junit != null || reports.html != null) {
            throw new UsageError("mutate writes a --json report in this version");
        }
        if (maxStates < 1 || (limit != null && limit < 0) || (workers != null && workers < 1)) {
            throw new UsageError("--max-states and --workers must be at least 1, --limit not negative");
        }
        List<Mutants.Mutant> mutants = new ArrayList<>();
        List<String> chosen = new ArrayList<>();
        for (Map.Entry<String, InputFile> e : loaded.files().entrySet()) {
            String path = e.getKey();
            if (!path.endsWith(".s")) {
                continue;
            }
            boolean wanted = files.isEmpty() ? GATE_AND_ENTRY.stream().anyMatch(g -> path.equals(g) || path.endsWith("/" + g))
                    : files.stream().anyMatch(path::endsWith);
            if (wanted) {
                chosen.add(path);
                mutants.addAll(Mutants.of(path, e.getValue().text()));
            }
        }
        if (chosen.isEmpty()) {
            throw new UsageError("no assembly file of spec " + loaded.spec().name() + " matches " + files);
        }
        if (!lines.isEmpty()) {
            mutants = new ArrayList<>(mutants.stream().filter(m -> lines.contains(m.patch().line())).toList());
            if (mutants.isEmpty()) {
                throw new UsageError("no mutant of " + String.join(", ", chosen) + " is on line " + lines);
            }
        }
        LineContexts contexts = null;
        if (lineContexts != null) {
            Map<String, InputFile> mutated = new TreeMap<>();
            chosen.forEach(p -> mutated.put(p, loaded.files().get(p)));
            contexts = LineContexts.read(lineContexts, mutated);
        }
        if (limit != null && limit < mutants.size()) {
            mutants = mutants.subList(0, limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        int w = workers == null ? Runtime.getRuntime().availableProcessors() : workers;
        MutationRun run = new MutationRun(specOption.spec, maxStates, w);
        out.printf(Locale.ROOT, "lvdcheck mutate: spec %s, %d mutants of %s; each: the spec's scenarios, then BFS then DFS, "
                + "<= %,d states, then one action at each of CPU 0's first driver entries followed by its own program, "
                + "stop at the first violation%n", loaded.spec().name(), mutants.size(), String.join(", ", chosen), maxStates);
        java.util.Set<String> broken = run.baseline();
        if (!broken.isEmpty()) {
            out.println("the unmutated spec already breaks " + broken + " within these bounds: mutants are judged "
                    + "by the other properties");
        }
        if (run.judged().isEmpty()) {
            out.println("no property holds for the unmutated spec within these bounds: no mutant can be judged");
            out.flush();
            return ExitCode.VIOLATED.code;
        }
        if (!run.judgedScenarios().isEmpty()) {
            out.println("judged first by the scenarios (the driver's own program, <= "
                    + org.lvdcheck.checker.mutate.MutationRun.SCENARIO_CALLS + " calls per thread): a mutant caught there "
                    + "ends, ends differently or kills, stops or exits where the original does not: "
                    + String.join(", ", run.judgedScenarios()));
        }
        out.println("judged by: " + String.join(", ", run.judged()));
        if (!run.judgedWitnesses().isEmpty()) {
            out.println("and by the witnesses its complete search reaches, where a mutant's search is complete too: "
                    + String.join(", ", run.judgedWitnesses()));
        }
        if (contexts != null) {
            out.println("line contexts from " + contexts.source() + " (a complete exploration; workload: "
                    + contexts.workload() + ")");
        }
        final LineContexts ctx = contexts;
        long start = System.nanoTime();
        List<MutationRun.Result> results = run.run(mutants, r -> {
            out.printf(Locale.ROOT, "%-8s %s:%d %s%s%s%n", r.outcome().name().toLowerCase(Locale.ROOT),
                    r.mutant().patch().file(), r.mutant().patch().line(), r.mutant().description(),
                    r.property() != null && r.property().startsWith("scenario") ? " (" + firstLine(r.detail()) + ")"
                    : r.property() != null && r.property().startsWith("witness") ? " (" + r.property() + ")"
                    : r.property() != null ? " (" + r.property() + (r.detail().isEmpty() ? "" : ", " + r.detail()) + ")"
                    : r.outcome() == MutationRun.Outcome.INVALID
                            ? " (" + firstLine(r.detail()) + ")"
                    : r.outcome() == MutationRun.Outcome.SURVIVED && !r.detail().equals(MutationRun.BOUNDED_NO_VIOLATION)
                            ? " (" + firstLine(r.detail()) + ")" : "",
                    ctx != null && r.outcome() == MutationRun.Outcome.SURVIVED
                            ? " [ran: " + ctx.describe(r.mutant().patch().file(), r.mutant().patch().line()) + "]" : "");
            out.flush();
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        long caught = results.stream().filter(r -> r.outcome() == MutationRun.Outcome.CAUGHT).count();
        long invalid = results.stream().filter(r -> r.outcome() == MutationRun.Outcome.INVALID).count();
        long survived = results.size() - caught - invalid;
        Map<String, Integer> byProperty = new TreeMap<>();
        results.stream().filter(r -> r.property() != null).forEach(r -> byProperty.merge(r.property(), 1, Integer::sum));
        long valid = caught + survived;
        out.printf(Locale.ROOT, "mutants: %d; invalid (do not load): %d; caught: %d; survived: %d; score %.1f%% "
                + "(%.0f s)%n", results.size(), invalid, caught, survived, valid == 0 ? 0.0 : 100.0 * caught / valid, seconds);
        out.println("caught by: " + byProperty);
        long confined = 0;
        if (contexts != null) {
            final LineContexts c = contexts;
            confined = results.stream().filter(r -> r.outcome() == MutationRun.Outcome.SURVIVED
                    && c.confined(r.mutant().patch().file(), r.mutant().patch().line())).count();
            out.printf(Locale.ROOT, "survivors whose line ran only as the driver's code or after its jumps in %s: %d of %d "
                    + "(confined: argument A of docs/SURVIVORS.md)%n", contexts.source(), confined, survived);
        }
        if (reports.json != null) {
            writeJson(loaded, results, byProperty, seconds, contexts, confined);
            out.println("report: " + reports.json);
        }
        out.flush();
        return survived == 0 ? ExitCode.HOLDS.code : ExitCode.INCONCLUSIVE.code;
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    private void writeJson(SpecLoader.Loaded loaded, List<MutationRun.Result> results, Map<String, Integer> byProperty,
                           double seconds, LineContexts contexts, long confined) {
        var m = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        var root = m.createObjectNode();
        root.put("spec", loaded.spec().name());
        root.put("maxStatesPerSearch", maxStates);
        root.put("seconds", seconds);
        if (contexts != null) {
            root.putObject("lineContexts").put("report", contexts.source()).put("workload", contexts.workload())
                    .put("survivorsConfined", confined);
        }
        var arr = root.putArray("mutants");
        for (MutationRun.Result r : results) {
            var o = arr.addObject();
            o.put("file", r.mutant().patch().file());
            o.put("line", r.mutant().patch().line());
            o.put("operator", r.mutant().operator());
            o.put("mutation", r.mutant().description());
            o.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
            if (r.property() != null) {
                o.put("property", r.property());
            }
            if (!r.detail().isEmpty()) {
                o.put("detail", r.detail());
            }
            if (contexts != null) {
                var in = o.putArray("lineContexts");
                contexts.of(r.mutant().patch().file(), r.mutant().patch().line()).forEach(in::add);
                o.put("confined", contexts.confined(r.mutant().patch().file(), r.mutant().patch().line()));
            }
        }
        var by = root.putObject("caughtBy");
        byProperty.forEach(by::put);
        try {
            OutputFiles.write(reports.json, m.writeValueAsString(root));
        } catch (java.io.IOException e) {
            throw new UsageError("cannot write " + reports.json + ": " + e.getMessage());
        }
    }
}
