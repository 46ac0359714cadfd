package org.lvdcheck.checker.mutate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;

/**
 * The contexts each source line ran in, read from the JSON report of a complete {@code check}
 * ({@code stats.lineCoverage.FILE.lineContexts}), for {@code mutate --line-contexts}: a mutant's
 * line that ran only as the driver's code or in transition code a driver's jump entered
 * ({@link #confined}) is one whose mutants give the driver nothing its own moves do not
 * (argument A of docs/SURVIVORS.md). A file is matched by name and SHA-256, so the
 * report must have been made from the same text of that file; the spec file itself may differ
 * (another workload), which the report's {@link #workload()} names.
 */
public final class LineContexts {
    /** The contexts that are the driver's: its own code, and trusted code its jump entered. */
    public static final Set<String> DRIVER_CONTEXTS = Set.of("driver", "driver-jump");

    private final String source;
    private final String workload;
    /** File path of the mutated spec to (line to contexts; a line absent never ran). */
    private final Map<String, Map<Integer, Set<String>>> byFile = new HashMap<>();

    private LineContexts(String source, String workload) {
        this.source = source;
        this.workload = workload;
    }

    /**
     * Reads {@code report} and matches each of {@code files} (path to text, as the mutated spec
     * loads them) with the report's input of the same name and SHA-256.
     */
    public static LineContexts read(String report, Map<String, InputFile> files) throws InputError {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(Path.of(report)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new InputError(new SourcePos(report, loc == null ? 1 : Math.max(1, loc.getLineNr()),
                    loc == null ? 1 : Math.max(1, loc.getColumnNr())), "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            throw new InputError(new SourcePos(report, 1, 1), "cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject() || !root.path("header").path("inputs").isObject()
                || !root.path("stats").path("lineCoverage").isObject()) {
            throw error(report, "not a report of lvdcheck check --json (no header.inputs or stats.lineCoverage)");
        }
        if (!root.path("complete").asBoolean(false)) {
            throw error(report, "the report is of an incomplete exploration: a line it did not see run may still run "
                    + "(line contexts need a complete check)");
        }
        LineContexts out = new LineContexts(report, root.path("workload").path("description").asText("?"));
        JsonNode inputs = root.path("header").path("inputs");
        JsonNode coverage = root.path("stats").path("lineCoverage");
        for (Map.Entry<String, InputFile> f : files.entrySet()) {
            String match = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> in = it.next();
                if (name(in.getKey()).equals(name(f.getKey())) && in.getValue().asText().equals(f.getValue().sha256())) {
                    match = in.getKey();
                }
            }
            if (match == null) {
                throw error(report, "no input of the report is " + f.getKey() + " with the same text (SHA-256 "
                        + f.getValue().sha256() + "): the report was made from another version of it");
            }
            JsonNode file = coverage.path(match);
            if (!file.path("lineContexts").isObject()) {
                throw error(report, "stats.lineCoverage has no lineContexts for " + match
                        + " (a report of an lvdcheck before line contexts)");
            }
            Map<Integer, Set<String>> lines = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = file.path("lineContexts").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> l = it.next();
                Set<String> in = new TreeSet<>();
                l.getValue().forEach(c -> in.add(c.asText()));
                try {
                    lines.put(Integer.parseInt(l.getKey()), in);
                } catch (NumberFormatException e) {
                    throw error(report, "stats.lineCoverage." + match + ".lineContexts: '" + l.getKey() + "' is not a line number");
                }
            }
            out.byFile.put(f.getKey(), lines);
        }
        return out;
    }

    private static InputError error(String report, String msg) {
        return new InputError(new SourcePos(report, 1, 1), msg);
    }

    private static String name(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? path : path.substring(i + 1);
    }

    /** The report this came from. */
    public String source() {
        return source;
    }

    /** The workload the report's exploration covered, as it describes it. */
    public String workload() {
        return workload;
    }

    /** The contexts line {@code line} of {@code file} ran in (empty: it never ran). */
    public Set<String> of(String file, int line) {
        Map<Integer, Set<String>> lines = byFile.get(file);
        Set<String> in = lines == null ? null : lines.get(line);
        return in == null ? Set.of() : in;
    }

    /** Whether the line ran, and only in the driver's contexts. */
    public boolean confined(String file, int line) {
        Set<String> in = of(file, line);
        return !in.isEmpty() && DRIVER_CONTEXTS.containsAll(in);
    }

    /** The contexts as reports print them: "driver-jump, kernel", or "never ran". */
    public String describe(String file, int line) {
        Set<String> in = of(file, line);
        return in.isEmpty() ? "never ran" : String.join(", ", in);
    }
}
