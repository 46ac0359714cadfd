package org.lvdcheck.checker.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.lvdcheck.checker.trace.CommittedTracesTest;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.checker.trace.TraceFile;
import org.lvdcheck.checker.trace.TraceJson;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.lvd.FaultCatalogue;
import org.lvdcheck.spec.lvd.SeededFault;
import org.lvdcheck.spec.lvd.SpecLoader;

/** What the seeded-fault tests share: the catalogue, the committed traces, and runs of {@code check}. */
final class SeededFaults {
    private SeededFaults() {
    }

    static Stream<SeededFault> all() {
        return FaultCatalogue.builtin().all().stream();
    }

    /** The repository's {@code counterexamples/faults/}. */
    static Path dir() {
        return CommittedTracesTest.root().resolve("faults");
    }

    static Path json(SeededFault f) {
        return dir().resolve(f.name() + ".json");
    }

    static Path text(SeededFault f) {
        return dir().resolve(f.name() + ".txt");
    }

    /** {@code check --spec SPEC} with the fault's options, quiet, traces into {@code out}. */
    static CliTest.Run check(String spec, SeededFault f, Path out) {
        List<String> args = new ArrayList<>(List.of("check", "--spec", spec, "--quiet", "--trace-dir", out.toString()));
        args.addAll(f.checkOptions());
        return CliTest.run(args.toArray(String[]::new));
    }

    /** The properties a {@code check} run reports a counterexample for, in the order it prints them. */
    static List<String> reported(CliTest.Run r) {
        List<String> out = new ArrayList<>();
        for (String l : r.out().split("\n")) {
            if (l.startsWith("counterexample ")) {
                out.add(l.substring("counterexample ".length(), l.indexOf(':')));
            }
        }
        return out;
    }

    /**
     * Every input of a spec by path with its SHA-256, after the system is built (the assembler
     * reads the {@code .include}d files then).
     */
    static Map<String, String> inputs(String spec) throws InputError {
        SpecLoader.Loaded l = SpecLoader.load(spec);
        Replay.system(l, true);
        Map<String, String> out = new TreeMap<>();
        l.files().forEach((k, v) -> out.put(k, v.sha256()));
        return out;
    }

    static Map<String, String> inputs(TraceFile t) {
        Map<String, String> out = new TreeMap<>();
        t.inputs().forEach((k, v) -> out.put(k, v.sha256()));
        return out;
    }

    /** {@code t} with the inputs of another spec: its steps re-executed there. */
    /**
     * A run of a fault not caught that reports exactly its base's own violations ({@code on-base}):
     * each trace it wrote into {@code out}, its steps re-executed on the base spec, breaks it too.
     */
    static void reportsOnlyTheBases(SeededFault f, CliTest.Run r, Path out) throws Exception {
        org.junit.jupiter.api.Assertions.assertEquals(f.onBaseProperties(), reported(r), r.out());
        for (String p : f.onBaseProperties()) {
            Replay.Outcome o = Replay.run(on(TraceJson.read(out.resolve(p + ".json")), f.base()));
            org.junit.jupiter.api.Assertions.assertTrue(o.reproduced(), "on " + f.base() + ": " + o.message());
        }
    }

    static TraceFile on(TraceFile t, String spec) throws InputError {
        SpecLoader.Loaded l = SpecLoader.load(spec);
        Replay.system(l, true);
        Map<String, InputFile> files = Map.copyOf(l.files());
        return new TraceFile(t.tool(), t.sdm(), spec, l.specPath(), files, t.fingerprintSeed(), t.property(),
                t.propertyName(), t.evidence(), t.steps());
    }
}
