package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check} explores the machine against the compromised driver and {@code replay}
 * re-executes what it wrote: on LVD as built a depth-first search finds the driver's VMFUNC
 * with an EPTP-list index that holds no valid EPTP, which the hypervisor answers by halting
 * the CPU (AVAIL), writes its trace, and the trace replays; a trace whose steps or inputs were
 * edited does not.
 */
class CheckExploreTest {
    @TempDir
    static Path dir;
    static CliTest.Run found;

    @BeforeAll
    static void findOops() {
        found = CliTest.run("check", "--spec", "lvd-as-built", "--strategy", "dfs", "--stop-at-first", "--quiet",
                "--property", "AVAIL", "--trace-dir", dir.toString(), "--json", dir.resolve("report.json").toString());
    }

    @Test
    void dfsFindsTheAsBuiltOopsAndWritesItsTrace() throws Exception {
        assertEquals(1, found.code(), found.out() + found.err());
        assertTrue(found.out().contains("AVAIL  availability           violated"), found.out());
        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals("violated", report.get("verdict").asText());
        assertEquals("AVAIL", report.get("counterexamples").get(0).get("property").asText());
        assertTrue(report.get("stats").get("distinctStates").asLong() > 50);
        for (String key : new String[] {"generatedStates", "depth", "seconds", "statesPerSecond", "workers",
            "collisionProbability"}) {
            assertTrue(report.get("stats").has(key), key);
        }
        JsonNode trace = new ObjectMapper().readTree(dir.resolve("AVAIL.json").toFile());
        JsonNode last = trace.get("steps").get(trace.get("steps").size() - 1);
        assertTrue(last.get("action").asText().startsWith("driver: vmfunc eax=0 ecx=3"), last.toString());
        assertTrue(trace.get("evidence").asText().contains("halted the vCPU on exit vmfunc"), trace.toString());
    }

    @Test
    void theTraceReplays() {
        CliTest.Run r = CliTest.run("replay", dir.resolve("AVAIL.json").toString(), "--html", dir.resolve("t.html").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("AVAIL availability violated"), r.out());
        assertTrue(Files.exists(dir.resolve("t.html")));
    }

    @Test
    void aTraceWithAnEditedStepDoesNotReproduce() throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode t = (ObjectNode) m.readTree(dir.resolve("AVAIL.json").toFile());
        ArrayNode steps = (ArrayNode) t.get("steps");
        steps.remove(steps.size() - 2);
        Path edited = dir.resolve("edited.json");
        m.writeValue(edited.toFile(), t);
        CliTest.Run r = CliTest.run("replay", edited.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("does not reproduce"), r.err());
    }

    @Test
    void aTraceWithAnEditedInputIsRefused() throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode t = (ObjectNode) m.readTree(dir.resolve("AVAIL.json").toFile());
        ObjectNode input = (ObjectNode) t.get("inputs").get(0);
        input.put("text", input.get("text").asText() + "\n# edited\n");
        Path edited = dir.resolve("edited-input.json");
        m.writeValue(edited.toFile(), t);
        CliTest.Run r = CliTest.run("replay", edited.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("does not match its SHA-256"), r.err());
    }

    @Test
    void notJsonIsALocatedError() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\n  \"format\": \n");
        CliTest.Run r = CliTest.run("replay", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith(bad + ":"), r.err());
    }

    @Test
    void aBoundIsInconclusiveAndTheWorkerCountDoesNotChangeTheCount() throws Exception {
        CliTest.Run one = CliTest.run("check", "--max-depth", "25", "--workers", "1", "--quiet", "--trace-dir",
                dir.toString(), "--json", dir.resolve("w1.json").toString());
        CliTest.Run two = CliTest.run("check", "--max-depth", "25", "--workers", "2", "--quiet", "--trace-dir",
                dir.toString(), "--json", dir.resolve("w2.json").toString());
        assertEquals(3, one.code(), one.out() + one.err());
        assertEquals(3, two.code(), two.out() + two.err());
        ObjectMapper m = new ObjectMapper();
        JsonNode a = m.readTree(dir.resolve("w1.json").toFile());
        JsonNode b = m.readTree(dir.resolve("w2.json").toFile());
        assertEquals("inconclusive", a.get("verdict").asText());
        assertEquals(a.get("stats").get("distinctStates").asLong(), b.get("stats").get("distinctStates").asLong());
        assertEquals(a.get("stats").get("generatedStates").asLong(), b.get("stats").get("generatedStates").asLong());
        for (JsonNode p : a.get("properties")) {
            assertTrue(p.get("status").asText().equals("inconclusive") || p.get("status").asText().equals("not-checked"),
                    p.toString());
        }
    }
}
