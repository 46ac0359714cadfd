package org.lvdcheck.checker.mutate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;

/** {@code mutate --line-contexts}: reading a complete check's report and matching the mutated files by text. */
class LineContextsTest {
    static final InputFile GATE = InputFile.of("asm/gate.s", "vmfunc\ncmpl $1, %ecx\nud2\n");

    static String report(boolean complete, String sha) {
        return """
                {"header": {"inputs": {"/x/spec.lvd": "00", "/x/asm/gate.s": "%s"}},
                 "complete": %s, "workload": {"description": "1 thread (t0) x 1 call"},
                 "stats": {"lineCoverage": {"/x/asm/gate.s": {"executed": 2, "lines": 3,
                   "lineContexts": {"1": ["kernel", "driver-jump"], "3": ["driver-jump"]}, "unexecuted": [2]}}}}
                """.formatted(sha, complete);
    }

    static Path write(Path dir, String text) throws Exception {
        Path p = dir.resolve("report.json");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aCompleteReportOfTheSameTextGivesEachLinesContexts(@TempDir Path dir) throws Exception {
        LineContexts c = LineContexts.read(write(dir, report(true, GATE.sha256())).toString(), Map.of("asm/gate.s", GATE));
        assertEquals(Set.of("kernel", "driver-jump"), c.of("asm/gate.s", 1));
        assertFalse(c.confined("asm/gate.s", 1), "ran under the kernel's view");
        assertEquals(Set.of(), c.of("asm/gate.s", 2));
        assertFalse(c.confined("asm/gate.s", 2), "a line that never ran is not confined");
        assertEquals("never ran", c.describe("asm/gate.s", 2));
        assertTrue(c.confined("asm/gate.s", 3));
        assertEquals("1 thread (t0) x 1 call", c.workload());
    }

    @Test
    void anIncompleteReportIsRefused(@TempDir Path dir) throws Exception {
        InputError e = assertThrows(InputError.class,
                () -> LineContexts.read(write(dir, report(false, GATE.sha256())).toString(), Map.of("asm/gate.s", GATE)));
        assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
    }

    @Test
    void aReportOfAnotherTextIsRefused(@TempDir Path dir) throws Exception {
        InputError e = assertThrows(InputError.class,
                () -> LineContexts.read(write(dir, report(true, "ab")).toString(), Map.of("asm/gate.s", GATE)));
        assertTrue(e.getMessage().contains("another version"), e.getMessage());
    }

    @Test
    void invalidJsonIsLocated(@TempDir Path dir) throws Exception {
        InputError e = assertThrows(InputError.class,
                () -> LineContexts.read(write(dir, "{\n  \"header\": ,\n}").toString(), Map.of("asm/gate.s", GATE)));
        assertEquals(2, e.pos().line(), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
