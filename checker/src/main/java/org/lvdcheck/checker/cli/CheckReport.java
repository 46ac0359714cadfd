package org.lvdcheck.checker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lvdcheck.checker.explore.Counterexample;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.ExplorationStats;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.checker.io.OutputFiles;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LineCoverage;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.model.StateProfile;
import org.lvdcheck.checker.model.TransitionCode;
import org.lvdcheck.checker.model.Witnesses;
import org.lvdcheck.checker.trace.GhostTrace;
import org.lvdcheck.checker.trace.TraceFile;
import org.lvdcheck.checker.trace.TraceHtml;
import org.lvdcheck.checker.trace.TraceJson;
import org.lvdcheck.checker.trace.TraceRecorder;
import org.lvdcheck.checker.trace.TraceStep;
import org.lvdcheck.checker.trace.TraceText;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * What {@code check} reports (DESIGN.md §5, §8): the workload covered, the transition code,
 * figures, each property's status, the traces written, deadlocks, coverage per action and per
 * assembly line, and the verdict with its exit code — as text and as the JSON report.
 */
final class CheckReport {
    /** A counterexample written to the trace directory. */
    record Written(String property, int length, Path json, Path text, TraceFile trace) {}

    static final String[] ASSUMPTIONS = {"sequential consistency", "no DMA/IOMMU", "no SMM", "no speculation",
        "no paging-structure caches (no TLB)"};

    private final SpecLoader.Loaded loaded;
    private final LvdTransitionSystem sys;
    private final ExplorationResult result;
    private final List<PropertyId> checked;
    private final List<PropertyId> notChecked;
    private final List<Written> traces;
    private final long seenSetBytes;

    CheckReport(SpecLoader.Loaded loaded, LvdTransitionSystem sys, ExplorationResult result, List<PropertyId> checked,
                List<PropertyId> notChecked, List<Written> traces, long seenSetBytes) {
        this.loaded = loaded;
        this.sys = sys;
        this.result = result;
        this.checked = checked;
        this.notChecked = notChecked;
        this.traces = traces;
        this.seenSetBytes = seenSetBytes;
    }

    /**
     * How the search ran, for the header and the JSON report ({@code search}): enough to run it again.
     *
     * @param strategy {@code bfs}, {@code dfs} or {@code simulate}
     * @param workers the threads expanding states (1 but breadth-first)
     * @param seed the random simulation's seed (null for the other strategies)
     * @param reduction whether the partial-order reduction and the reductions that go with it are on
     * @param proviso how the cycle proviso is judged ({@code reach}, {@code stack} or {@code level}); null
     *        without reduction or in a simulation
     * @param sleepSets whether the breadth-first search keeps sleep sets
     * @param cpuSymmetry whether a state and its mirror image are one state
     * @param vectorClasses whether {@code --vector-classes} merges the arrivals of a vector class
     * @param coarseInterrupts whether {@code --coarse-interrupts} is on (no property can then hold)
     * @param exact whether whole states are stored instead of fingerprints
     * @param stopAtFirst whether the search stops at the first violation
     * @param maxStates the state bound, null: none
     * @param maxDepth the depth bound, null: none
     * @param timeLimitSeconds the time limit, null: none
     */
    record Search(String strategy, int workers, Long seed, boolean reduction, String proviso, boolean sleepSets,
                  boolean cpuSymmetry, boolean vectorClasses, boolean coarseInterrupts, boolean exact,
                  boolean stopAtFirst, Long maxStates, Integer maxDepth, Long timeLimitSeconds) {
        /** One line: the strategy, the reductions and the bounds. */
        String describe() {
            StringBuilder b = new StringBuilder(switch (strategy) {
                case "bfs" -> "breadth-first, " + workers + (workers == 1 ? " worker" : " workers");
                case "dfs" -> "depth-first";
                default -> "random simulation, seed " + seed;
            });
            if (!reduction) {
                b.append("; no reduction");
            } else if (strategy.equals("simulate")) {
                b.append("; every enabled action a choice at each step (the states reduced as by check: dead stacks, "
                        + "write-only words)");
            } else {
                b.append("; partial-order reduction");
                if (proviso != null) {
                    b.append(" (cycle proviso: ").append(proviso).append(')');
                }
                if (sleepSets) {
                    b.append(", sleep sets");
                }
            }
            if (cpuSymmetry) {
                b.append("; CPU symmetry");
            }
            if (vectorClasses) {
                b.append("; vector classes merged");
            }
            if (coarseInterrupts) {
                b.append("; coarse interrupt points (inconclusive at best)");
            }
            b.append(exact ? "; whole states stored" : "; 64-bit fingerprints");
            if (stopAtFirst) {
                b.append("; stops at the first violation");
            }
            List<String> bounds = new java.util.ArrayList<>();
            if (maxStates != null) {
                bounds.add(String.format(Locale.ROOT, "%,d states", maxStates));
            }
            if (maxDepth != null) {
                bounds.add("depth " + maxDepth);
            }
            if (timeLimitSeconds != null) {
                bounds.add(timeLimitSeconds + " s");
            }
            b.append(bounds.isEmpty() ? "; no bound" : "; bounds: " + String.join(", ", bounds));
            return b.toString();
        }

        void writeTo(ObjectNode o) {
            o.put("strategy", strategy);
            o.put("workers", workers);
            if (seed != null) {
                o.put("seed", seed);
            }
            o.put("reduction", reduction);
            if (proviso != null) {
                o.put("proviso", proviso);
            }
            o.put("sleepSets", sleepSets);
            o.put("cpuSymmetry", cpuSymmetry);
            o.put("vectorClasses", vectorClasses);
            o.put("coarseInterrupts", coarseInterrupts);
            o.put("exact", exact);
            o.put("stopAtFirst", stopAtFirst);
            if (maxStates != null) {
                o.put("maxStates", maxStates);
            }
            if (maxDepth != null) {
                o.put("maxDepth", maxDepth);
            }
            if (timeLimitSeconds != null) {
                o.put("timeLimitSeconds", timeLimitSeconds);
            }
        }
    }

    private Search search;

    /** Records how the search ran ({@link Search}), for the JSON report. */
    CheckReport search(Search s) {
        this.search = s;
        return this;
    }

    /** The run's header; {@code symmetry}: null when the search uses the CPU symmetry, else why not. */
    static void header(PrintWriter out, SpecLoader.Loaded loaded, LvdTransitionSystem sys, String symmetry) {
        var system = sys.machine().system();
        out.println("lvdcheck check: spec " + loaded.spec().name() + " (" + loaded.files().size() + " input files), "
                + system.cpus() + " CPUs, views " + system.views());
        out.println("workload: " + workload(loaded));
        for (TransitionCode.Range r : sys.checks().transitionCode().ranges()) {
            out.printf(Locale.ROOT, "transition code: %s in %s [%x, %x)%n", r.section(), r.view(), r.start(), r.end());
        }
        if (sys.adversary()) {
            out.println("adversary: a compromised driver in every domain (every move of DESIGN.md §3 wherever a CPU "
                    + "runs driver code; taint, havoc memory, clobber)");
        } else {
            out.println("adversary: not modelled: the driver runs its own program only, so no property can be "
                    + "reported as holding");
        }
        for (String note : org.lvdcheck.checker.model.DeadExitRules.of(sys.machine())) {
            out.println("note: " + note);
        }
        for (var w : sys.writeOnlyWords()) {
            out.printf(Locale.ROOT, "write-only word: %s (%d bytes at %x), kept at its initial value 0x%x: only its "
                    + "increments reach it (docs/MODEL.md)%n", w.name(), w.size(), w.gva(), w.initial());
        }
        if (sys.cpuSymmetry() != null) {
            out.println("symmetry: a state and its mirror image, cpu0 and cpu1 swapped (" + sys.cpuSymmetry().framePairs()
                    + " frame pairs, the addresses in them and the CPU numbers), are one state (docs/MODEL.md, "
                    + "\"CPU symmetry\")");
        } else {
            out.println("symmetry: " + symmetry);
        }
        var merged = sys.vectorClass();
        for (var c : org.lvdcheck.checker.model.VectorClasses.ofSources(system)) {
            String pair = String.format(Locale.ROOT, "vector classes: %s (0x%x) and %s (0x%x)", c.a().name(),
                    c.a().number(), c.b().name(), c.b().number());
            if (!c.same()) {
                out.println(pair + " differ: " + c.why());
            } else if (merged != null && merged.a().equals(c.a()) && merged.b().equals(c.b())) {
                out.println(pair + ": " + c.why() + "; merged where no thread can be switched in: " + c.a().name()
                        + "'s arrival stands for " + c.b().name() + "'s, whose run is kept beside it and compared at "
                        + "every step (docs/MODEL.md, \"Vector classes\")");
            } else {
                out.println(pair + ": " + c.why() + "; explored apart (check --vector-classes merges them)");
            }
        }
        if (sys.coarseInterrupts()) {
            out.println("interrupts: only where a run of interrupt-transparent kernel instructions starts "
                    + "(--coarse-interrupts), so no property can be reported as holding");
        }
        out.flush();
    }

    static String workload(SpecLoader.Loaded loaded) {
        StringBuilder sb = new StringBuilder();
        List<String> threads = loaded.spec().workload().threads();
        if (threads.isEmpty()) {
            threads = loaded.spec().threads().stream().map(Model.Thread::name).toList();
        }
        int calls = loaded.spec().workload().callsPerThread();
        sb.append(threads.size()).append(threads.size() == 1 ? " thread (" : " threads (").append(String.join(", ", threads))
                .append(") x ").append(calls).append(calls == 1 ? " call" : " calls");
        for (Model.Source s : loaded.spec().sources()) {
            sb.append("; ").append(s.name()).append(" fires ")
                    .append(s.fires() < 0 ? "unbounded" : "<= " + s.fires() + " per CPU")
                    .append(s.cpu() < 0 ? " on every CPU" : " on cpu" + s.cpu());
        }
        return sb.toString();
    }

    static List<Written> writeTraces(Explorer<CheckState> explorer, ExplorationResult result, LvdTransitionSystem sys,
                                     SpecLoader.Loaded loaded, long fpSeed, Path dir) {
        List<Written> out = new ArrayList<>();
        TraceRecorder rec = new TraceRecorder(sys);
        for (Counterexample c : result.counterexamples()) {
            List<Integer> path = new ArrayList<>();
            if (!c.initial()) {
                path.addAll(explorer.traceTo(c.sourceId()).actionIndices());
                path.add(c.actionIndex());
            }
            List<TraceStep> steps;
            List<CheckState> states = new ArrayList<>();
            try {
                steps = rec.record(path, states);
            } catch (TraceRecorder.NotReplayable e) {
                throw new IllegalStateException("a counterexample of " + c.property() + " does not re-execute: "
                        + e.getMessage(), e);
            }
            PropertyId p = PropertyId.lookup(c.property()).orElseThrow();
            GhostTrace.Annotated a = GhostTrace.annotate(sys, p.name(), states, steps, c.violation().evidence());
            TraceFile t = new TraceFile("lvdcheck " + Version.VERSION, loaded.spec().sdm(), loaded.spec().name(),
                    loaded.specPath(), loaded.files(), fpSeed, p.name(), p.propertyName(), a.evidence(), a.steps());
            Path json = dir.resolve(p.name() + ".json");
            Path text = dir.resolve(p.name() + ".txt");
            try {
                TraceJson.write(t, json);
                OutputFiles.write(text, TraceText.of(t));
            } catch (IOException e) {
                throw new UsageError("cannot write traces to " + dir + ": " + e.getMessage());
            }
            out.add(new Written(p.name(), steps.size(), json, text, t));
        }
        return out;
    }

    /** The status of a checked property as reported: "holds" needs the adversary too. */
    String status(PropertyId p) {
        Verdict v = result.verdict(p.name());
        if (v.status() == Status.HOLDS && !sys.adversary()) {
            return "inconclusive";
        }
        return v.status().name().toLowerCase(Locale.ROOT);
    }

    String reason(PropertyId p) {
        Verdict v = result.verdict(p.name());
        if (v.status() == Status.HOLDS && !sys.adversary()) {
            return "no violation with the driver's own program; the compromised driver is not modelled yet";
        }
        return v.reason() == null ? "" : v.reason().label();
    }

    ExitCode exitCode() {
        boolean violated = checked.stream().anyMatch(p -> status(p).equals("violated"));
        if (violated) {
            return ExitCode.VIOLATED;
        }
        // A selected property without a check in this version keeps the verdict from "holds".
        boolean allHold = !checked.isEmpty() && notChecked.isEmpty()
                && checked.stream().allMatch(p -> status(p).equals("holds"));
        // A system that never reaches a behaviour its spec names as reachable earns no "holds".
        return allHold && sys.witnesses().unreached().isEmpty() && sys.invept().unmet().isEmpty()
                && ownershipBreaches(sys).isEmpty() && sys.imageBreaches().isEmpty() ? ExitCode.HOLDS
                : ExitCode.INCONCLUSIVE;
    }

    /** The breaches of the frame ownership the reduction and the hard-lockup test rely on that the run saw. */
    static List<String> ownershipBreaches(org.lvdcheck.checker.model.LvdTransitionSystem sys) {
        return sys.ownership().breaches();
    }

    String verdictWord() {
        return switch (exitCode()) {
            case HOLDS -> "holds";
            case VIOLATED -> "violated";
            default -> "inconclusive";
        };
    }

    void print(PrintWriter out) {
        ExplorationStats st = result.stats();
        out.printf(Locale.ROOT, "explored %,d distinct states%s (%,d generated), depth %d, in %.1f s (%,.0f states/s, "
                        + "%d workers); seen set %.1f bytes/state; collision probability %.2e%n",
                st.distinctStates(), sys.cpuSymmetry() != null ? " up to the CPU symmetry" : "", st.generatedStates(),
                st.depth(), st.seconds(), st.statesPerSecond(), st.workers(),
                st.distinctStates() == 0 ? 0.0 : (double) seenSetBytes / st.distinctStates(), st.collisionProbability());
        out.println(result.complete() ? "exploration complete" : "exploration incomplete: "
                + result.incompleteReason().label());
        for (PropertyId p : checked) {
            String r = reason(p);
            out.printf(Locale.ROOT, "  %-6s %-22s %s%s%n", p.name(), p.propertyName(), status(p), r.isEmpty() ? "" : " (" + r + ")");
        }
        for (PropertyId p : notChecked) {
            out.printf(Locale.ROOT, "  %-6s %-22s not-checked (no check in this version)%n", p.name(), p.propertyName());
        }
        for (Written w : traces) {
            out.printf(Locale.ROOT, "counterexample %s: %d steps, %s (text: %s)%n", w.property(), w.length(), w.json(), w.text());
            out.println("  " + w.trace().evidence());
        }
        if (st.deadlocks() > 0) {
            out.printf(Locale.ROOT, "deadlocks: %,d states with no successor that are not final%n", st.deadlocks());
        }
        for (String o : sys.invept().unmet()) {
            out.println("INVEPT obligation unmet: " + o + " (the model keeps no EPT translation cache; the verdict cannot be holds)");
        }
        for (String b : ownershipBreaches(sys)) {
            out.println("frame ownership breached: " + b + " (the partial-order reduction and the hard-lockup test took "
                    + "that frame as not shared; the verdict cannot be holds)");
        }
        for (String u : sys.lockupsUndecided()) {
            out.println("lockup undecided: " + u + " (AVAIL cannot hold)");
        }
        for (String b : sys.imageBreaches()) {
            out.println("vector class breached: " + b + " (the merged vector's run does what its representative's "
                    + "cannot stand for; the verdict cannot be holds; check again without --vector-classes)");
        }
        Witnesses ws = sys.witnesses();
        for (int i = 0; i < ws.all().size(); i++) {
            Model.Witness w = ws.all().get(i);
            out.printf(Locale.ROOT, "witness %s (%s, %s): %s%n", w.name(), w.event(), w.pos(), ws.reached(i) ? "reached"
                    : result.complete() ? "NOT REACHED: the verdict cannot be holds" : "not reached (incomplete)");
        }
        out.print("coverage by action:");
        st.coverage().forEach((k, v) -> out.printf(Locale.ROOT, " %s %,d;", k, v));
        out.println();
        for (LineCoverage.FileCoverage f : sys.coverage().byFile().values()) {
            out.printf(Locale.ROOT, "  %-40s %4d/%-4d lines (%.0f%%)%s%n", f.file(), f.executed(), f.lines(), f.percent(),
                    contexts(f));
        }
        out.println("verdict: " + verdictWord());
    }

    /** How many of a file's lines ran in each context, as " by context: kernel 12, driver-jump 40"; empty when none ran. */
    static String contexts(LineCoverage.FileCoverage f) {
        StringBuilder b = new StringBuilder();
        f.byContext().forEach((k, n) -> {
            if (n > 0) {
                b.append(b.length() == 0 ? " by context: " : ", ").append(k.label()).append(' ').append(n);
            }
        });
        return b.toString();
    }

    /** The state profile of {@code check --state-profile}: the places and combinations counted most. */
    static void printProfile(PrintWriter out, StateProfile p) {
        out.printf(Locale.ROOT, "state profile: %,d states expanded; the places CPUs were at most often:%n", p.expanded());
        for (var c : p.topPlaces(PROFILE_LINES)) {
            out.printf(Locale.ROOT, "  %,12d  %s%n", c.states(), c.place());
        }
        StringBuilder views = new StringBuilder();
        long sum = 0;
        for (int c = 0; c < p.cpus(); c++) {
            views.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "cpu%d %,d", c, p.views(c)));
            sum += p.views(c);
        }
        out.printf(Locale.ROOT, "state profile: distinct views per CPU (a state without the other CPUs' registers, frames and "
                + "running threads): %s; together %,d, %.2f per expanded state%n", views, sum,
                p.expanded() == 0 ? 0.0 : (double) sum / p.expanded());
        if (p.orbits() >= 0) {
            out.printf(Locale.ROOT, "state profile: distinct up to the CPU symmetry (a state and its mirror image, the CPUs "
                    + "swapped, once): %,d, %.2f per expanded state%n", p.orbits(),
                    p.expanded() == 0 ? 0.0 : (double) p.orbits() / p.expanded());
        } else {
            out.println("state profile: no CPU symmetry: " + p.noSymmetry());
        }
        out.println("state profile: the combinations of all CPUs' places met most often:");
        for (var c : p.topCombinations(PROFILE_LINES)) {
            out.printf(Locale.ROOT, "  %,12d  %s%n", c.states(), c.place());
        }
        out.println("state profile: the source files CPUs were in (per CPU, per thread):");
        for (var c : p.topFiles(PROFILE_LINES)) {
            out.printf(Locale.ROOT, "  %,12d  %s%n", c.states(), c.place());
        }
        out.println("state profile: what the threads had open (gate calls, then the events being handled and the view "
                + "each interrupted):");
        for (var c : p.topNestings(PROFILE_LINES)) {
            out.printf(Locale.ROOT, "  %,12d  %s%n", c.states(), c.place());
        }
        if (p.fullExpansions() > 0) {
            out.printf(Locale.ROOT, "state profile: %,d states expanded fully though two CPUs or more could move (no CPU's "
                    + "steps were all CPU-local); what kept each CPU out, most often (its place, its first step that is "
                    + "not CPU-local, why):%n", p.fullExpansions());
            for (var c : p.topGlobal(PROFILE_LINES)) {
                out.printf(Locale.ROOT, "  %,12d  %s%n", c.states(), c.place());
            }
        }
        StateProfile.Differences d = p.differences(PROFILE_LINES);
        if (d != null) {
            out.printf(Locale.ROOT, "state profile: what differs among %d states sampled at %s (pairs of them that differ "
                    + "in each part):%n", d.states(), d.combination());
            for (var c : d.parts()) {
                out.printf(Locale.ROOT, "  %,12d  %s%n", c.states(), c.place());
            }
        }
    }

    /** Lines of each list of the state profile. */
    static final int PROFILE_LINES = 20;

    void writeJson(Path to, long fpSeed) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        ObjectNode header = root.putObject("header");
        header.put("tool", "lvdcheck " + Version.VERSION);
        header.put("sdm", loaded.spec().sdm());
        header.put("fingerprintSeed", fpSeed);
        ObjectNode inputs = header.putObject("inputs");
        for (Map.Entry<String, InputFile> f : loaded.files().entrySet()) {
            inputs.put(f.getValue().name(), f.getValue().sha256());
        }
        if (search != null) {
            search.writeTo(root.putObject("search"));
        }
        root.put("verdict", verdictWord());
        root.put("complete", result.complete());
        if (!result.complete()) {
            root.put("incomplete", result.incompleteReason().label());
        }
        root.put("adversary", sys.adversary());
        ArrayNode ps = root.putArray("properties");
        for (PropertyId p : checked) {
            ObjectNode o = ps.addObject();
            o.put("id", p.name());
            o.put("name", p.propertyName());
            o.put("status", status(p));
            if (!reason(p).isEmpty()) {
                o.put("reason", reason(p));
            }
        }
        for (PropertyId p : notChecked) {
            ps.addObject().put("id", p.name()).put("name", p.propertyName()).put("status", "not-checked");
        }
        ArrayNode cx = root.putArray("counterexamples");
        for (Written w : traces) {
            ObjectNode o = cx.addObject();
            o.put("property", w.property());
            o.put("kind", "trace");
            o.put("length", w.length());
            o.put("evidence", w.trace().evidence());
            o.put("file", w.json().toString());
            o.set("steps", TraceJson.toJson(w.trace()).get("steps"));
        }
        ExplorationStats st = result.stats();
        ObjectNode stats = root.putObject("stats");
        stats.put("distinctStates", st.distinctStates());
        stats.put("cpuSymmetry", sys.cpuSymmetry() != null);
        stats.put("generatedStates", st.generatedStates());
        stats.put("depth", st.depth());
        stats.put("seconds", st.seconds());
        stats.put("statesPerSecond", st.statesPerSecond());
        stats.put("workers", st.workers());
        stats.put("collisionProbability", st.collisionProbability());
        stats.put("seenSetBytes", seenSetBytes);
        stats.put("deadlocks", st.deadlocks());
        stats.put("cutStates", st.cutStates());
        stats.put("provisoExpansions", st.provisoExpansions());
        stats.put("provisoDeferred", st.provisoDeferred());
        stats.put("sleepRevisits", st.sleepRevisits());
        ObjectNode cov = stats.putObject("coverage");
        st.coverage().forEach(cov::put);
        ObjectNode lines = stats.putObject("lineCoverage");
        for (LineCoverage.FileCoverage f : sys.coverage().byFile().values()) {
            ObjectNode file = lines.putObject(f.file()).put("executed", f.executed()).put("lines", f.lines());
            ObjectNode by = file.putObject("contexts");
            f.byContext().forEach((k, n) -> by.put(k.label(), n));
            ObjectNode each = file.putObject("lineContexts");
            ArrayNode never = file.putArray("unexecuted");
            for (LineCoverage.LineContexts l : sys.coverage().lines(f.file())) {
                if (l.contexts().isEmpty()) {
                    never.add(l.line());
                } else {
                    ArrayNode in = each.putArray(Integer.toString(l.line()));
                    l.contexts().forEach(k -> in.add(k.label()));
                }
            }
        }
        ArrayNode io = root.putArray("inveptObligations");
        sys.invept().unmet().forEach(io::add);
        ArrayNode ob = root.putArray("ownershipBreaches");
        ownershipBreaches(sys).forEach(ob::add);
        ArrayNode lu = root.putArray("lockupsUndecided");
        sys.lockupsUndecided().forEach(lu::add);
        ArrayNode vb = root.putArray("vectorClassBreaches");
        sys.imageBreaches().forEach(vb::add);
        ArrayNode wn = root.putArray("witnesses");
        Witnesses ws = sys.witnesses();
        for (int i = 0; i < ws.all().size(); i++) {
            Model.Witness w = ws.all().get(i);
            wn.addObject().put("name", w.name()).put("event", w.event()).put("line", w.pos().toString())
                    .put("reached", ws.reached(i));
        }
        ObjectNode wl = root.putObject("workload");
        wl.put("cpus", loaded.spec().cpus());
        wl.put("threads", loaded.spec().workload().threads().size());
        wl.put("callsPerThread", loaded.spec().workload().callsPerThread());
        wl.put("description", workload(loaded));
        ArrayNode tc = root.putArray("transitionCode");
        for (TransitionCode.Range r : sys.checks().transitionCode().ranges()) {
            tc.addObject().put("section", r.section()).put("view", r.view())
                    .put("start", "0x" + Long.toHexString(r.start())).put("end", "0x" + Long.toHexString(r.end()));
        }
        ArrayNode as = root.putArray("assumptions");
        for (String a : ASSUMPTIONS) {
            as.add(a);
        }
        try {
            OutputFiles.write(to, m.writeValueAsString(root));
        } catch (IOException e) {
            throw new UsageError("cannot write " + to + ": " + e.getMessage());
        }
    }

    void writeHtml(Path to) {
        try {
            OutputFiles.write(to, TraceHtml.page("lvdcheck check " + loaded.spec().name() + ": " + verdictWord(),
                    traces.stream().map(Written::trace).toList()));
        } catch (IOException e) {
            throw new UsageError("cannot write " + to + ": " + e.getMessage());
        }
    }
}
