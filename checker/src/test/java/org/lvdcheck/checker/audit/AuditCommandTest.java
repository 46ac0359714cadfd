package org.lvdcheck.checker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lvdcheck.checker.cli.Main;
import org.lvdcheck.spec.InputError;

class AuditCommandTest {
    @TempDir Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private static Path dir(String name) throws Exception {
        return AuditCasesTest.root().resolve(name);
    }

    @Test
    void textReportHasOneLinePerFindingWithFileLineSeverityAndProperty() throws Exception {
        Path d = dir("new-kernel-function");
        Result r = run("audit", "--base", d.resolve("base.idl").toString(), "--head", d.resolve("head.idl").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().startsWith(d.resolve("head.idl") + ":42: ERROR CALL: the driver can call kernel function "
                + "'netif_wake_queue'"), r.out());
    }

    @Test
    void jsonReportCarriesVerdictFindingsAndInputHashes() throws Exception {
        Path d = dir("widened-projection");
        Path json = tmp.resolve("audit.json");
        Result r = run("audit", "--base", d.resolve("base.idl").toString(), "--head", d.resolve("head.idl").toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals("holds", root.get("verdict").asText());
        JsonNode f = root.get("findings").get(0);
        assertEquals("DSAFE", f.get("property").asText());
        assertEquals("warning", f.get("severity").asText());
        assertEquals("field-read-added", f.get("kind").asText());
        assertEquals(7, f.get("line").asInt());
        assertTrue(f.get("file").asText().endsWith("head.idl"));
        assertFalse(f.get("message").asText().isEmpty());
        JsonNode inputs = root.get("header").get("inputs");
        assertEquals(2, inputs.size());
        assertEquals(64, inputs.get(0).get("sha256").asText().length());
        assertFalse(inputs.get(0).get("sha256").asText().equals(inputs.get(1).get("sha256").asText()));
        assertFalse(root.get("header").get("version").asText().isEmpty());
    }

    @Test
    void sarifReportIsVersion210WithOneResultPerFinding() throws Exception {
        Path d = dir("unregistered-callback");
        Path sarif = tmp.resolve("audit.sarif");
        Result r = run("audit", "--base", d.resolve("base.idl").toString(), "--head", d.resolve("head.idl").toString(),
                "--sarif", sarif.toString());
        assertEquals(1, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(sarif.toFile());
        assertEquals("2.1.0", root.get("version").asText());
        JsonNode results = root.get("runs").get(0).get("results");
        assertEquals(4, results.size());
        assertEquals("error", results.get(1).get("level").asText());
        assertEquals(25, results.get(1).get("locations").get(0).get("physicalLocation").get("region")
                .get("startLine").asInt());
    }

    @Test
    void unsupportedReportFormatsAreRefusedNotIgnored() throws Exception {
        Path d = dir("identical-layout");
        Result r = run("audit", "--base", d.resolve("base.idl").toString(), "--head", d.resolve("head.idl").toString(),
                "--junit", tmp.resolve("j.xml").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--junit"), r.err());
        assertFalse(Files.exists(tmp.resolve("j.xml")));
    }

    @Test
    void badIdlIsExitTwoWithFileLineColumn() throws Exception {
        Path bad = tmp.resolve("bad.idl");
        Files.writeString(bad, "module kernel {\n\trpc void f(int x {}\n}\n");
        Path json = tmp.resolve("err.json");
        Result r = run("audit", "--base", dir("identical-layout").resolve("base.idl").toString(), "--head",
                bad.toString(), "--json", json.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith(bad + ":2:19: error: unexpected '{'"), r.err());
        assertEquals("error", new ObjectMapper().readTree(json.toFile()).get("verdict").asText());
    }

    @Test
    void missingFileIsExitTwo() {
        Result r = run("audit", "--base", tmp.resolve("none.idl").toString(), "--head", tmp.resolve("none.idl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("none.idl:1:1: error: cannot read"), r.err());
    }

    @Test
    void policyErrorsAreLocated() {
        InputError e = assertThrows(InputError.class, () -> Policy.parse("p.txt",
                "# fine\nsensitive function commit_creds\nallow field net_device.mtu sometimes\n"));
        assertEquals("p.txt:3:28", e.pos().toString());
        InputError verb = assertThrows(InputError.class, () -> Policy.parse("p.txt", "  forbid function x\n"));
        assertEquals("p.txt:1:3", verb.pos().toString());
        InputError field = assertThrows(InputError.class, () -> Policy.parse("p.txt", "type field mtu\n"));
        assertEquals("p.txt:1:12", field.pos().toString());
        InputError extra = assertThrows(InputError.class, () -> Policy.parse("p.txt", "sensitive function a b\n"));
        assertEquals("p.txt:1:22", extra.pos().toString());
    }

    @Test
    void policyMatchesScopedCallbackNamesByTheirLastPart() throws InputError {
        Policy p = Policy.parse("p.txt", "sensitive function timer_fn\nallow function ok\n");
        assertTrue(p.sensitiveFunction("mod_timer.timer_fn"));
        assertTrue(p.allowedFunction("ok"));
        assertFalse(p.sensitiveFunction("ok"));
    }
}
