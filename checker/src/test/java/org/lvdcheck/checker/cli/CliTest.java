package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.properties.PropertyId;

/** The CLI contract of DESIGN.md §8: subcommands, flags, exit codes, messages without stack traces. */
class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Copies the small specs' directory (src/test/resources/small: specs, assembly, IDL) into {@code to}. */
    static void copySmallSpecs(Path to) throws IOException {
        Path small = Path.of("src/test/resources/small");
        try (Stream<Path> files = Files.walk(small)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(small.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static Stream<Path> malformedSpecs() throws IOException {
        return Files.list(Path.of("../spec/src/test/resources/malformed")).filter(p -> p.toString().endsWith(".lvd")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedSpecs")
    void malformedSpecExitsTwoWithItsPosition(Path file) throws IOException {
        String expect = Files.readAllLines(file).get(0).substring("# expect: ".length()).split(" ", 2)[0];
        for (String cmd : new String[] {"check", "emulate"}) {
            Run r = run(cmd, "--spec", file.toString());
            assertEquals(2, r.code(), cmd + ": " + r.err());
            assertTrue(r.err().startsWith(file + ":" + expect + ": error: "), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void emulateBlockPrintsTheNullBlockSummary() {
        Run r = run("emulate", "--scenario", "block", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("lvdcheck emulate: spec lvd-hardened, scenario block ("), r.out());
        assertTrue(r.out().contains("): 1 thread (t2) x 1000 calls, timer every 701 steps on every CPU, seed 0"), r.out());
        assertTrue(r.out().contains("(every thread exited)"), r.out());
        assertTrue(r.out().contains("threads done:       1 of 1"), r.out());
        String crossings = "crossings: +(\\d+) into a domain \\(blk \\1\\), \\1 into the kernel \\(VMFUNC\\)";
        assertTrue(r.out().lines().anyMatch(l -> l.matches(crossings)), r.out());
        assertTrue(r.out().contains("VM exits:           none"), r.out());
        assertFalse(r.out().contains("stopped:"), r.out());
        assertEquals(1, r.out().lines().filter(l -> l.equals("---")).count(), "--quiet prints the summary alone");
    }

    @Test
    void unknownScenarioListsTheSpecsScenarios() {
        Run r = run("emulate", "--scenario", "nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("it has: xmit, migrate, block"), r.err());
    }

    @Test
    void aDeclaredCpuSymmetryTheSystemLacksIsBadInput(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        copySmallSpecs(dir);
        Path mini = dir.resolve("mini.lvd");
        Files.writeString(mini, Files.readString(mini).replace("workload calls=1 threads=t0,t1",
                "workload calls=1 threads=t0,t1 symmetry=cpus"));
        Run r = run("check", "--spec", mini.toString(), "--quiet");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("mini.lvd:97:1: error: symmetry=cpus: swapping the CPUs does not map this system "
                + "onto itself: thread t0 is pinned to cpu0"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        Run off = run("check", "--spec", mini.toString(), "--quiet", "--no-symmetry", "--max-depth", "3");
        assertEquals(3, off.code(), off.err());
        assertTrue(off.out().contains("symmetry: declared, not used (--no-symmetry)"), off.out());
    }

    @Test
    void theDefaultSpecIsExploredUpToItsCpuSymmetry() {
        Run r = run("check", "--max-depth", "20", "--quiet");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.out().contains("symmetry: a state and its mirror image, cpu0 and cpu1 swapped"), r.out());
        assertTrue(r.out().contains("distinct states up to the CPU symmetry"), r.out());
        Run dfs = run("check", "--max-depth", "20", "--quiet", "--strategy", "dfs");
        assertEquals(3, dfs.code(), dfs.err());
        assertTrue(dfs.out().contains("symmetry: a state and its mirror image, cpu0 and cpu1 swapped"), dfs.out());
        assertTrue(dfs.out().contains("distinct states up to the CPU symmetry"), dfs.out());
        Run plain = run("check", "--max-states", "200", "--quiet", "--strategy", "simulate", "--seed", "1");
        assertTrue(plain.out().contains("symmetry: declared, not used: the random simulation walks runs"),
                plain.out());
        Run bench = run("bench", "--explorer", "--max-states", "500", "--runs", "1", "--workers", "1");
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.out().contains("lvd-hardened   explorer, 1 worker: 500 distinct states up to the CPU symmetry"),
                bench.out());
    }

    @Test
    void eachSearchHasItsOwnProvisos() {
        Run stackInBfs = run("check", "--proviso", "stack", "--max-depth", "3", "--quiet");
        assertEquals(2, stackInBfs.code(), stackInBfs.out());
        assertTrue(stackInBfs.err().contains("--proviso stack is the depth-first search's"), stackInBfs.err());
        Run reachInDfs = run("check", "--strategy", "dfs", "--proviso", "reach", "--max-depth", "3", "--quiet");
        assertEquals(2, reachInDfs.code(), reachInDfs.out());
        assertTrue(reachInDfs.err().contains("--proviso reach is the breadth-first search's"), reachInDfs.err());
        for (String p : new String[] {"stack", "level"}) {
            Run dfs = run("check", "--strategy", "dfs", "--proviso", p, "--max-depth", "30", "--quiet");
            assertEquals(3, dfs.code(), p + ": " + dfs.err());
            assertTrue(dfs.out().contains("exploration incomplete: bound: max-depth"), p + ": " + dfs.out());
            assertTrue(dfs.out().contains("search: depth-first; partial-order reduction (cycle proviso: " + p
                    + "); CPU symmetry; 64-bit fingerprints; bounds: depth 30, 100 s"), dfs.out());
        }
    }

    @Test
    void theHeaderAndTheJsonReportSayHowTheSearchRan() throws Exception {
        Path json = Files.createTempDirectory("lvdcheck-search").resolve("r.json");
        Run bfs = run("check", "--max-depth", "4", "--workers", "2", "--quiet", "--json", json.toString());
        assertEquals(3, bfs.code(), bfs.err());
        assertTrue(bfs.out().contains("search: breadth-first, 2 workers; partial-order reduction (cycle proviso: "
                + "reach), sleep sets; CPU symmetry; 64-bit fingerprints; bounds: depth 4, 100 s"), bfs.out());
        com.fasterxml.jackson.databind.JsonNode s = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.toFile()).get("search");
        assertEquals("bfs", s.get("strategy").asText());
        assertEquals(2, s.get("workers").asInt());
        assertEquals("reach", s.get("proviso").asText());
        assertTrue(s.get("reduction").asBoolean() && s.get("sleepSets").asBoolean() && s.get("cpuSymmetry").asBoolean());
        assertEquals(4, s.get("maxDepth").asInt());
        assertEquals(100, s.get("timeLimitSeconds").asInt());
        assertTrue(s.get("maxStates") == null && s.get("seed") == null, s.toString());
        Run plain = run("check", "--no-reduction", "--exact", "--stop-at-first", "--workers", "1", "--time-limit", "0",
                "--max-states", "50", "--quiet", "--json", json.toString());
        assertEquals(3, plain.code(), plain.err());
        assertTrue(plain.out().contains("search: breadth-first, 1 worker; no reduction; whole states stored; stops at "
                + "the first violation; bounds: 50 states"), plain.out());
        s = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get("search");
        assertTrue(!s.get("reduction").asBoolean() && s.get("proviso") == null && s.get("exact").asBoolean()
                && s.get("timeLimitSeconds") == null && s.get("maxStates").asInt() == 50, s.toString());
        Run dfs = run("check", "--strategy", "dfs", "--time-limit", "6");
        assertEquals(3, dfs.code(), dfs.err());
        assertTrue(dfs.out().matches("(?s).*\nprogress: [0-9,]+ states, stack [0-9,]+, depth \\d+, .*"), dfs.out());
        Run sim = run("check", "--strategy", "simulate", "--seed", "3", "--max-states", "100", "--quiet");
        assertTrue(sim.out().contains("search: random simulation, seed 3; every enabled action a choice at each step"),
                sim.out());
    }

    @Test
    void aRunShortOfHeapIsToldHowToGiveItMore() {
        CheckCommand c = new CheckCommand();
        c.strategy = CheckCommand.Strategy.bfs;
        String bfs = c.memoryNote("PS Old Gen", 534);
        assertTrue(bfs.startsWith("note: the search stopped with the heap's old generation 95% full after a full "
                + "collection (PS Old Gen, max 534 MiB); give the JVM more heap (LVDCHECK_JAVA_OPTS="), bfs);
        assertTrue(bfs.endsWith("or search depth-first (--strategy dfs keeps the seen set and its path, not whole "
                + "breadth-first levels)"), bfs);
        c.strategy = CheckCommand.Strategy.dfs;
        assertFalse(c.memoryNote("PS Old Gen", 534).contains("--strategy dfs"));
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("check", "--no-such-flag");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown option: '--no-such-flag'"), r.err());
    }

    @Test
    void coarseInterruptsIsAReductionAndNeverHolds() {
        Run r = run("check", "--coarse-interrupts", "--no-reduction");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--coarse-interrupts is a reduction"), r.err());
        Run c = run("check", "--coarse-interrupts", "--max-states", "2000", "--quiet");
        assertEquals(3, c.code(), c.err());
        assertTrue(c.out().contains("interrupts: only where a run of interrupt-transparent kernel instructions starts"),
                c.out());
        assertFalse(c.out().contains(" holds"), c.out());
        assertTrue(c.out().contains("; coarse interrupt points (inconclusive at best);"), c.out());
    }

    @Test
    void missingSpecFileIsBadInput() {
        Run r = run("check", "--spec", "does-not-exist.lvd");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("does-not-exist.lvd:1:1: error: no such spec file"), r.err());
    }

    @Test
    void propertiesListsTheCatalogue() {
        Run r = run("properties");
        assertEquals(0, r.code());
        for (PropertyId p : PropertyId.values()) {
            String line = r.out().lines().filter(l -> l.startsWith(p.name() + " ")).findFirst().orElse("");
            assertTrue(line.matches(p.name() + " +" + p.propertyName() + " +" + p.kind() + " +.*"), p + ":\n" + r.out());
            assertTrue(line.endsWith(p.statement()), p + " statement:\n" + line);
        }
        assertEquals(PropertyId.values().length, r.out().lines().count(), r.out());
        assertTrue(r.out().contains("INV2    pt-readonly           STATE           over a state: no domain view's EPT"),
                r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "prove", "emulate", "replay", "audit", "mutate", "properties", "bench"})
    void everySubcommandHasHelp(String cmd) {
        Run r = run(cmd, "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Usage: lvdcheck " + cmd), r.out());
    }

    @Test
    void exitCodesCombineBySeverity() {
        assertEquals(ExitCode.BAD_INPUT, ExitCode.VIOLATED.and(ExitCode.BAD_INPUT));
        assertEquals(ExitCode.VIOLATED, ExitCode.INCONCLUSIVE.and(ExitCode.VIOLATED));
        assertEquals(ExitCode.INCONCLUSIVE, ExitCode.HOLDS.and(ExitCode.INCONCLUSIVE));
        assertEquals(ExitCode.HOLDS, ExitCode.HOLDS.and(ExitCode.HOLDS));
    }

    @Test
    void benchExplorerReportsStatesPerSecondAndBytesPerStateForEachWorkerCount() {
        Run r = run("bench", "--explorer", "--spec", "src/test/resources/small/tiny.lvd", "--max-states", "400",
                "--runs", "1", "--workers", "1,2");
        assertEquals(0, r.code(), r.err());
        for (String w : new String[] {"1 worker:", "2 workers:"}) {
            assertTrue(r.out().contains("tiny           explorer, " + w + " 400 distinct states"), r.out());
        }
        assertTrue(r.out().matches("(?s).*states/s: best [0-9,]+, mean [0-9,]+ over 1 runs; seen set [0-9.]+ bytes/state.*"),
                r.out());
        assertFalse(r.out().contains("not comparable"), r.out());
        Run dfs = run("bench", "--explorer", "--strategy", "dfs", "--spec", "src/test/resources/small/tiny.lvd",
                "--max-states", "400", "--runs", "1");
        assertEquals(0, dfs.code(), dfs.err());
        assertTrue(dfs.out().contains("tiny           explorer, depth-first: 400 distinct states"), dfs.out());
        assertFalse(dfs.out().contains("worker"), dfs.out());
        assertEquals(2, run("bench", "--explorer", "--strategy", "simulate").code());
        assertEquals(2, run("bench", "--explorer", "--workers", "0").code());
        assertEquals(2, run("bench", "--explorer", "--max-states", "0").code());
    }
}
