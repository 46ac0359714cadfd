package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.checker.model.StepChecks;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.checker.trace.TraceFile;
import org.lvdcheck.checker.trace.TraceJson;
import org.lvdcheck.checker.trace.TraceText;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.lvd.SeededFault;

/**
 * The seeded faults of {@code faults.txt} (docs/SEEDED-FAULTS.md) hold what the catalogue says
 * of them. For each fault caught today: its run reports the property it breaks; its committed
 * trace is that property's, a trace of exactly this fault (the same inputs, SHA-256 for
 * SHA-256), re-executes and breaks the property, its text is what {@code check} writes for it,
 * and the same steps on the base spec do not break it (the violation is due to the changed
 * line). A fault whose run takes seconds (the initial state, depth-first, simulation) is also
 * checked afresh here. For each fault not caught today: no trace is committed, and a shallow
 * check finds nothing. The breadth-first runs to depth 100 (5 to 15 s each; the whole profile
 * takes about two minutes) are in {@link SeededFaultsExplorationTest} (profile {@code faults}).
 */
class SeededFaultsTest {
    static Stream<SeededFault> faults() {
        return SeededFaults.all();
    }

    static Stream<SeededFault> caught() {
        return SeededFaults.all().filter(SeededFault::isCaught);
    }

    /** A run is cheap when it stops at the initial state, or searches depth-first or at random. */
    static boolean cheap(SeededFault f, TraceFile committed) {
        return committed.steps().isEmpty() || f.checkOptions().contains("dfs") || f.checkOptions().contains("simulate");
    }

    static Stream<SeededFault> notCaught() {
        return SeededFaults.all().filter(f -> !f.isCaught());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void namesPropertiesOfTheCatalogue(SeededFault f) {
        PropertyId breaks = PropertyId.lookup(f.breaks()).orElseThrow(() -> new AssertionError("breaks " + f.breaks()));
        assertEquals(f.breaks(), breaks.name(), "ids as DESIGN.md writes them");
        assertTrue(StepChecks.CHECKED.contains(breaks), f.breaks() + " has a check");
        for (String p : concat(f.caughtProperties(), f.onBaseProperties())) {
            PropertyId caught = PropertyId.lookup(p).orElseThrow(() -> new AssertionError("caught or on-base " + p));
            assertEquals(p, caught.name());
            assertTrue(StepChecks.CHECKED.contains(caught), p + " has a check");
        }
        if (f.isCaught()) {
            assertTrue(f.caughtAsDesigned(), f.name() + ": the run reports " + f.caughtProperties() + ", not " + f.breaks());
        }
        List<String> o = f.checkOptions();
        assertTrue(o.contains("--stop-at-first") && o.get(o.indexOf("--time-limit") + 1).equals("0"),
                "a deterministic run: stop at the first violation, no wall-clock bound");
        assertTrue(o.contains("--max-depth") && !o.contains("--strategy") || o.contains("--max-states"), "a state bound");
        SeededFaults.all().filter(g -> g.base().equals(f.base()) && g.check().equals(f.check()))
                .forEach(g -> assertEquals(f.onBase(), g.onBase(), "one run on one base reports one thing: " + g.name()));
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caught")
    void theCommittedTraceIsThisFaultsAndReplays(SeededFault f) throws Exception {
        TraceFile t = TraceJson.read(SeededFaults.json(f));
        assertEquals(f.primary(), t.property());
        assertEquals(f.name(), t.specName());
        assertEquals(SeededFaults.inputs(f.name()), SeededFaults.inputs(t), "the trace embeds this fault's inputs");
        Replay.Outcome o = Replay.run(t);
        assertTrue(o.reproduced(), o.message());
        assertEquals(t.steps().size(), o.steps().size());
        assertEquals(Files.readString(SeededFaults.text(f)), TraceText.of(t));
        int depth = f.checkOptions().indexOf("--max-depth");
        if (depth >= 0) {
            assertTrue(t.steps().size() <= Integer.parseInt(f.checkOptions().get(depth + 1)), "within the bound");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caught")
    void theSameStepsOnTheBaseBreakNothing(SeededFault f) throws Exception {
        TraceFile t = SeededFaults.on(TraceJson.read(SeededFaults.json(f)), f.base());
        Replay.Outcome o = Replay.run(t);
        assertFalse(o.reproduced(), "on " + f.base() + ": " + o.message());
    }

    /**
     * The runs that take seconds are repeated here and must report exactly the catalogued
     * properties and write exactly the committed trace: a fault caught in its initial state, a
     * depth-first run and a seeded simulation, each of which stops at its first violation. The
     * breadth-first runs to depth 100 are in {@link SeededFaultsExplorationTest}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("caught")
    void aCheapRunIsRepeatedAfresh(SeededFault f, @TempDir Path out) throws Exception {
        TraceFile committed = TraceJson.read(SeededFaults.json(f));
        if (!cheap(f, committed)) {
            return;
        }
        CliTest.Run r = SeededFaults.check(f.name(), f, out);
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals(f.caughtProperties(), SeededFaults.reported(r));
        assertTrue(r.out().contains("counterexample " + f.primary() + ": " + committed.steps().size() + " steps"), r.out());
        assertEquals(Files.readString(SeededFaults.text(f)), Files.readString(out.resolve(f.primary() + ".txt")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notCaught")
    void aFaultNotCaughtHasNoTraceAndAShallowCheckFindsNothing(SeededFault f, @TempDir Path out) {
        assertFalse(Files.exists(SeededFaults.json(f)) || Files.exists(SeededFaults.text(f)));
        CliTest.Run r = CliTest.run("check", "--spec", f.name(), "--quiet", "--stop-at-first", "--max-depth", "40",
                "--time-limit", "0", "--trace-dir", out.toString());
        assertEquals(3, r.code(), r.out() + r.err());
        assertEquals(List.of(), SeededFaults.reported(r));
    }

    /**
     * A fault not caught whose run is cheap and reports violations at all reports exactly the
     * base spec's own ({@code on-base}): each trace it writes, its steps re-executed on the base
     * spec, breaks the same property there. That is what {@code caught none} with an
     * {@code on-base} finding means: the run says nothing about the fault.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("notCaught")
    void aFaultNotCaughtReportsOnlyWhatItsBaseReports(SeededFault f, @TempDir Path out) throws Exception {
        if (f.onBaseProperties().isEmpty() || !f.checkOptions().contains("simulate")) {
            return;
        }
        CliTest.Run r = SeededFaults.check(f.name(), f, out);
        SeededFaults.reportsOnlyTheBases(f, r, out);
    }

    /**
     * The base spec under each distinct run of the catalogue, with its bound cut down (depth 40,
     * 100,000 states; a simulation keeps its walk length, which bounds no depth), reports no
     * violation. The full runs on the base are in {@link SeededFaultsExplorationTest}.
     */
    @Test
    void theBaseUnderSmallerBoundsReportsNoViolation(@TempDir Path out) {
        Set<String> runs = new TreeSet<>();
        // A run the catalogue records as reporting something on the base (on-base) is held to that
        // in the profile's full runs, not here.
        faults().filter(f -> f.onBaseProperties().isEmpty())
                .forEach(f -> runs.add(f.base() + " " + String.join(" ", smaller(f.checkOptions()))));
        for (String run : runs) {
            List<String> words = List.of(run.split(" "));
            List<String> args = new java.util.ArrayList<>(List.of("check", "--spec", words.get(0), "--quiet",
                    "--trace-dir", out.toString()));
            args.addAll(words.subList(1, words.size()));
            CliTest.Run r = CliTest.run(args.toArray(String[]::new));
            assertEquals(3, r.code(), run + ":\n" + r.out() + r.err());
            assertEquals(List.of(), SeededFaults.reported(r), run);
        }
        assertFalse(runs.isEmpty());
    }

    static List<String> smaller(List<String> options) {
        List<String> out = new java.util.ArrayList<>(options);
        boolean walks = out.contains("simulate");
        for (int i = 0; i + 1 < out.size(); i++) {
            if (out.get(i).equals("--max-depth") && !walks) {
                out.set(i + 1, "40");
            } else if (out.get(i).equals("--max-states")) {
                out.set(i + 1, "100000");
            }
        }
        return out;
    }

    @Test
    void everyCommittedTraceIsACaughtFaults() throws IOException {
        Set<String> expected = new TreeSet<>();
        caught().filter(SeededFault::caughtAsDesigned).forEach(f -> {
            expected.add(f.name() + ".json");
            expected.add(f.name() + ".txt");
        });
        Set<String> found = new TreeSet<>();
        try (Stream<Path> s = Files.list(SeededFaults.dir())) {
            s.forEach(p -> found.add(p.getFileName().toString()));
        }
        assertEquals(expected, found);
    }

    /** docs/SEEDED-FAULTS.md shows each fault as its diff with what catches it. */
    @Test
    void theDocsShowEveryFault() throws IOException {
        String doc = Files.readString(SeededFaults.dir().getParent().getParent().resolve("docs/SEEDED-FAULTS.md"));
        for (SeededFault f : faults().toList()) {
            assertTrue(doc.contains("### `" + f.name() + "`"), f.name());
            assertTrue(doc.contains("```diff\n" + f.patch().diff() + "```"), "the diff of " + f.name());
            String row = "| `" + f.name() + "` | `" + f.patch().file().replaceAll(".*/", "") + ":" + f.patch().line()
                    + "` | " + f.breaks() + " | " + String.join(", ", f.isCaught() ? f.caughtProperties() : List.of("none")) + " |";
            assertTrue(doc.contains(row), "table row " + row);
        }
        assertTrue(List.of(doc.split("\n")).stream().filter(l -> l.startsWith("### `fault-")).count()
                == faults().count(), "no fault in the docs that the catalogue lacks");
    }
}
