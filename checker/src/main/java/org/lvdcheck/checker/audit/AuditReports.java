package org.lvdcheck.checker.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.lvdcheck.checker.io.OutputFiles;
import org.lvdcheck.properties.PropertyId;

/** The audit's text, JSON and SARIF 2.1.0 reports. */
public final class AuditReports {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AuditReports() {}

    /** One line per finding, then a summary line. */
    public static void text(AuditRun run, PrintWriter out) {
        for (Finding f : run.findings()) {
            out.println(f.line());
        }
        out.println("audit: " + (run.violated() ? "violated" : "holds") + " (" + run.count(Severity.ERROR)
                + " errors, " + run.count(Severity.WARNING) + " warnings, " + run.count(Severity.NOTE) + " notes)");
        out.flush();
    }

    /** Keys: header (tool, version, inputs with sha256), verdict, findings[]. */
    public static void json(AuditRun run, String version, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        header(root, run, version);
        root.put("verdict", run.violated() ? "violated" : "holds");
        ArrayNode list = root.putArray("findings");
        for (Finding f : run.findings()) {
            ObjectNode n = list.addObject();
            n.put("property", f.property().name());
            n.put("severity", f.severity().word());
            n.put("kind", f.kind());
            n.put("file", f.pos().file());
            n.put("line", f.pos().line());
            n.put("message", f.message());
        }
        OutputFiles.write(file, JSON.writeValueAsString(root));
    }

    /** The JSON report of a run stopped by bad input: verdict error and the message. */
    public static void jsonError(String version, String message, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode header = root.putObject("header");
        header.put("tool", "lvdcheck");
        header.put("version", version);
        root.put("verdict", "error");
        root.put("error", message);
        root.putArray("findings");
        OutputFiles.write(file, JSON.writeValueAsString(root));
    }

    private static void header(ObjectNode root, AuditRun run, String version) {
        ObjectNode header = root.putObject("header");
        header.put("tool", "lvdcheck");
        header.put("version", version);
        header.put("command", "audit");
        ArrayNode inputs = header.putArray("inputs");
        for (AuditRun.Input in : run.inputs()) {
            ObjectNode n = inputs.addObject();
            n.put("role", in.role());
            n.put("file", in.file());
            n.put("sha256", in.sha256());
        }
    }

    /** SARIF 2.1.0: one rule per property, one result per finding. */
    public static void sarif(AuditRun run, String version, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        root.put("version", "2.1.0");
        ObjectNode runNode = root.putArray("runs").addObject();
        ObjectNode driver = runNode.putObject("tool").putObject("driver");
        driver.put("name", "lvdcheck");
        driver.put("version", version);
        ArrayNode rules = driver.putArray("rules");
        for (PropertyId p : new PropertyId[] {PropertyId.CALL, PropertyId.DSAFE, PropertyId.DINTEG}) {
            ObjectNode r = rules.addObject();
            r.put("id", p.name());
            r.put("name", p.propertyName());
            r.putObject("shortDescription").put("text", p.holdsWhen());
        }
        ArrayNode artifacts = runNode.putArray("artifacts");
        for (AuditRun.Input in : run.inputs()) {
            ObjectNode a = artifacts.addObject();
            a.putObject("location").put("uri", in.file());
            a.putObject("hashes").put("sha-256", in.sha256());
        }
        ArrayNode results = runNode.putArray("results");
        for (Finding f : run.findings()) {
            ObjectNode r = results.addObject();
            r.put("ruleId", f.property().name());
            r.put("level", f.severity().word());
            r.putObject("message").put("text", f.message());
            r.putObject("properties").put("kind", f.kind());
            ObjectNode loc = r.putArray("locations").addObject().putObject("physicalLocation");
            loc.putObject("artifactLocation").put("uri", f.pos().file());
            loc.putObject("region").put("startLine", f.pos().line());
        }
        OutputFiles.write(file, JSON.writeValueAsString(root));
    }
}
