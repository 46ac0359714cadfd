package org.lvdcheck.checker.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.checker.io.OutputFiles;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;

/**
 * Reads and writes the JSON trace format {@value #FORMAT} (docs/TRACE-FORMAT.md). Writing goes
 * through a temporary file moved into place, so a trace is never half-written; reading checks
 * every field it needs and every embedded input's SHA-256 and reports a located error.
 */
public final class TraceJson {
    public static final String FORMAT = "lvdcheck-trace/1";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TraceJson() {
    }

    public static ObjectNode toJson(TraceFile t) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("tool", t.tool());
        root.put("sdm", t.sdm());
        root.put("property", t.property());
        root.put("propertyName", t.propertyName());
        root.put("evidence", t.evidence());
        root.put("length", t.steps().size());
        root.put("fingerprintSeed", t.fingerprintSeed());
        ObjectNode spec = root.putObject("spec");
        spec.put("name", t.specName());
        spec.put("path", t.specPath());
        ArrayNode inputs = root.putArray("inputs");
        t.inputs().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode o = inputs.addObject();
            o.put("path", e.getKey());
            o.put("name", e.getValue().name());
            o.put("sha256", e.getValue().sha256());
            o.put("text", e.getValue().text());
        });
        ArrayNode steps = root.putArray("steps");
        for (TraceStep s : t.steps()) {
            ObjectNode o = steps.addObject();
            o.put("step", s.index());
            o.put("choice", s.choice());
            o.put("cpu", s.cpu());
            o.put("action", s.action());
            o.put("view", s.view());
            o.put("rip", "0x" + Long.toHexString(s.rip()));
            o.put("instruction", s.instruction());
            s.events().forEach(o.putArray("events")::add);
            s.changes().forEach(o.putArray("changes")::add);
            ArrayNode vs = o.putArray("violations");
            for (TraceStep.TraceViolation v : s.violations()) {
                vs.addObject().put("property", v.property()).put("evidence", v.evidence());
            }
        }
        return root;
    }

    public static void write(TraceFile t, Path to) throws IOException {
        OutputFiles.write(to, MAPPER.writeValueAsString(toJson(t)));
    }

    public static TraceFile read(Path file) throws InputError {
        String name = file.toString();
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new InputError(new SourcePos(name, loc == null ? 1 : Math.max(1, loc.getLineNr()),
                    loc == null ? 1 : Math.max(1, loc.getColumnNr())), "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InputError(new SourcePos(name, 1, 1), "cannot read: " + e.getMessage());
        }
        Reader r = new Reader(name);
        if (!root.isObject()) {
            throw r.error("a trace is a JSON object");
        }
        String format = r.text(root, "format");
        if (!format.equals(FORMAT)) {
            throw r.error("unsupported trace format '" + format + "' (this lvdcheck reads " + FORMAT + ")");
        }
        Map<String, InputFile> inputs = new LinkedHashMap<>();
        for (JsonNode in : r.array(root, "inputs")) {
            String path = r.text(in, "path");
            InputFile f = InputFile.of(r.text(in, "name"), r.text(in, "text"));
            if (!f.sha256().equals(r.text(in, "sha256"))) {
                throw r.error("input " + path + ": its text does not match its SHA-256 (the trace was edited)");
            }
            inputs.put(path, f);
        }
        JsonNode spec = r.object(root, "spec");
        List<TraceStep> steps = new ArrayList<>();
        for (JsonNode s : r.array(root, "steps")) {
            List<TraceStep.TraceViolation> vs = new ArrayList<>();
            for (JsonNode v : r.array(s, "violations")) {
                vs.add(new TraceStep.TraceViolation(r.text(v, "property"), r.text(v, "evidence")));
            }
            steps.add(new TraceStep(r.integer(s, "step"), r.integer(s, "choice"), r.integer(s, "cpu"),
                    r.text(s, "action"), r.text(s, "view"), r.hex(s, "rip"), r.text(s, "instruction"),
                    r.texts(s, "events"), r.texts(s, "changes"), vs));
        }
        return new TraceFile(r.text(root, "tool"), r.text(root, "sdm"), r.text(spec, "name"), r.text(spec, "path"),
                inputs, root.path("fingerprintSeed").asLong(0), r.text(root, "property"), r.text(root, "propertyName"),
                r.text(root, "evidence"), steps);
    }

    /** Field access with located errors (the JSON tree keeps no positions: errors name the field). */
    private record Reader(String file) {
        InputError error(String msg) {
            return new InputError(new SourcePos(file, 1, 1), msg);
        }

        JsonNode field(JsonNode n, String key) throws InputError {
            JsonNode v = n.get(key);
            if (v == null || v.isNull()) {
                throw error("missing field '" + key + "'");
            }
            return v;
        }

        String text(JsonNode n, String key) throws InputError {
            JsonNode v = field(n, key);
            if (!v.isTextual()) {
                throw error("field '" + key + "' must be a string");
            }
            return v.asText();
        }

        int integer(JsonNode n, String key) throws InputError {
            JsonNode v = field(n, key);
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                throw error("field '" + key + "' must be an integer");
            }
            return v.asInt();
        }

        long hex(JsonNode n, String key) throws InputError {
            String t = text(n, key);
            try {
                return Long.parseUnsignedLong(t.startsWith("0x") ? t.substring(2) : t, 16);
            } catch (NumberFormatException e) {
                throw error("field '" + key + "' must be a hexadecimal address, not '" + t + "'");
            }
        }

        JsonNode object(JsonNode n, String key) throws InputError {
            JsonNode v = field(n, key);
            if (!v.isObject()) {
                throw error("field '" + key + "' must be an object");
            }
            return v;
        }

        Iterable<JsonNode> array(JsonNode n, String key) throws InputError {
            JsonNode v = field(n, key);
            if (!v.isArray()) {
                throw error("field '" + key + "' must be an array");
            }
            return v;
        }

        List<String> texts(JsonNode n, String key) throws InputError {
            List<String> out = new ArrayList<>();
            for (JsonNode v : array(n, key)) {
                if (!v.isTextual()) {
                    throw error("field '" + key + "' must hold strings");
                }
                out.add(v.asText());
            }
            return out;
        }
    }
}
