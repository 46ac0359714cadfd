package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check} with INV5, IRQ and ENTRY. LVD as built: the driver is entered with the kernel's
 * per-CPU GS base (INV5, 79 steps); the first interrupt reads its IDT gate from a frame the
 * driver can write (IRQ, 2 steps); and its VMFUNCs land anywhere in the other views (ENTRY, at
 * the initial state). Each trace replays. lvd-hardened breaks ENTRY nowhere along a bounded
 * exploration.
 */
class CrossingCheckCliTest {
    @TempDir
    Path dir;

    JsonNode check(String spec, String property, int exit, String... more) throws Exception {
        String[] args = new String[] {"check", "--spec", spec, "--property", property, "--quiet", "--trace-dir",
            dir.toString(), "--json", dir.resolve("report.json").toString()};
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        CliTest.Run r = CliTest.run(all);
        assertEquals(exit, r.code(), r.out() + r.err());
        return new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    }

    JsonNode trace(String property) throws Exception {
        JsonNode t = new ObjectMapper().readTree(dir.resolve(property + ".json").toFile());
        CliTest.Run replay = CliTest.run("replay", dir.resolve(property + ".json").toString());
        assertEquals(1, replay.code(), replay.out() + replay.err());
        assertTrue(replay.out().contains(property + " "), replay.out());
        return t;
    }

    @Test
    void asBuiltEntersTheDriverWithTheKernelsPerCpuBase() throws Exception {
        JsonNode report = check("lvd-as-built", "INV5", 1);
        assertEquals("violated", report.get("verdict").asText());
        JsonNode t = trace("INV5");
        assertEquals(79, t.get("steps").size());
        String evidence = t.get("evidence").asText();
        assertTrue(evidence.startsWith("cpu0 enters net's driver code at 0xffffffff81004003 with kernel values in "
                + "registers that are not message registers: gs.base = 0xffff888002002000 (the per-CPU area of cpu0)"),
                evidence);
        assertTrue(evidence.endsWith("since the initial state: the kernel's own value, never replaced on the way into "
                + "the domain"), evidence);
        JsonNode last = t.get("steps").get(78);
        assertTrue(last.get("instruction").asText().startsWith("vmfunc"), last.toString());
    }

    @Test
    void asBuiltTheFirstInterruptReadsAGateTheDriverCanWrite() throws Exception {
        check("lvd-as-built", "irq-safe", 1);
        JsonNode t = trace("IRQ");
        assertEquals(2, t.get("steps").size());
        assertEquals("interrupt 0xef", t.get("steps").get(1).get("action").asText());
        assertEquals("cpu0: the delivery of vector 0xef consumes what a domain can write: a ⊤ IDT gate for vector 239",
                t.get("evidence").asText());
    }

    @Test
    void asBuiltLandingsAreBadAtTheInitialState() throws Exception {
        check("lvd-as-built", "ENTRY", 1);
        JsonNode t = new ObjectMapper().readTree(dir.resolve("ENTRY.json").toFile());
        assertEquals(0, t.get("steps").size());
        assertTrue(t.get("evidence").asText().startsWith("domain net can execute VMFUNC at any of the "),
                t.get("evidence").asText());
        CliTest.Run replay = CliTest.run("replay", dir.resolve("ENTRY.json").toString());
        assertEquals(1, replay.code(), replay.out() + replay.err());
        assertTrue(replay.out().startsWith("replayed 0 steps of "), replay.out());
    }

    @Test
    void hardenedBreaksEntryNowhereAlongABoundedExploration() throws Exception {
        JsonNode report = check("lvd-hardened", "ENTRY", 3, "--max-states", "20000");
        assertEquals(0, report.get("counterexamples").size(), report.toString());
        assertEquals(20000, report.get("stats").get("distinctStates").asLong());
        for (JsonNode p : report.get("properties")) {
            assertEquals("inconclusive", p.get("status").asText(), p.toString());
        }
    }
}
