package org.lvdcheck.checker.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every trace committed under {@code counterexamples/} re-executes in the emulator and breaks
 * the property it names at its last step, and the text trace next to it is what {@code check}
 * writes for it.
 */
public class CommittedTracesTest {
    /** The repository's {@code counterexamples/}, found from the working directory upward. */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("counterexamples"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no counterexamples/ above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("counterexamples");
    }

    static List<Path> traces() throws IOException {
        try (Stream<Path> s = Files.walk(root())) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("traces")
    void replays(Path trace) throws Exception {
        TraceFile t = TraceJson.read(trace);
        Replay.Outcome o = Replay.run(t);
        assertTrue(o.reproduced(), trace + ": " + o.message());
        assertEquals(t.steps().size(), o.steps().size());
        Path text = Path.of(trace.toString().replaceAll("\\.json$", ".txt"));
        assertTrue(Files.exists(text), "text trace next to " + trace);
        assertEquals(Files.readString(text), TraceText.of(t), "text of " + trace);
    }

    @Test
    void thereAreCommittedTraces() throws Exception {
        assertFalse(traces().isEmpty());
    }
}
