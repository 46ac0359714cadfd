package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check} with INV1–INV3: LVD as built breaks INV2 and INV3 in its initial state, so each
 * counterexample has no steps, and {@code replay} confirms it on the rebuilt initial state;
 * lvd-hardened breaks neither along a bounded exploration.
 */
class MappingCheckCliTest {
    @TempDir
    Path dir;

    @Test
    void asBuiltBreaksInv2AndInv3AtTheStartAndTheTracesReplay() throws Exception {
        CliTest.Run r = CliTest.run("check", "--spec", "lvd-as-built", "--property", "INV2", "--property", "pa-disjoint",
                "--quiet", "--trace-dir", dir.toString(), "--json", dir.resolve("report.json").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("INV2   pt-readonly            violated"), r.out());
        assertTrue(r.out().contains("INV3   pa-disjoint            violated"), r.out());
        assertTrue(r.out().contains("counterexample INV2: 0 steps"), r.out());
        JsonNode trace = new ObjectMapper().readTree(dir.resolve("INV2.json").toFile());
        assertEquals(0, trace.get("steps").size());
        assertTrue(trace.get("evidence").asText().contains("writable from ring 0"), trace.toString());
        for (String p : new String[] {"INV2", "INV3"}) {
            CliTest.Run replay = CliTest.run("replay", dir.resolve(p + ".json").toString());
            assertEquals(1, replay.code(), replay.out() + replay.err());
            assertTrue(replay.out().startsWith("replayed 0 steps of "), replay.out());
            assertTrue(replay.out().contains(p + " "), replay.out());
        }
    }

    @Test
    void hardenedHoldsThemAlongABoundedExploration() throws Exception {
        CliTest.Run r = CliTest.run("check", "--property", "INV1", "--property", "INV2", "--property", "INV3",
                "--max-states", "20000", "--quiet", "--trace-dir", dir.toString(), "--json",
                dir.resolve("report.json").toString());
        assertEquals(3, r.code(), r.out() + r.err());
        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(0, report.get("counterexamples").size(), report.toString());
        assertEquals(20000, report.get("stats").get("distinctStates").asLong());
        for (JsonNode p : report.get("properties")) {
            if (p.get("id").asText().matches("INV[123]")) {
                assertEquals("inconclusive", p.get("status").asText(), p.toString());
            }
        }
    }
}
