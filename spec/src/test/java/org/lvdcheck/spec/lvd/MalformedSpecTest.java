package org.lvdcheck.spec.lvd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.spec.InputError;

/**
 * Each file of the malformed-spec corpus states on its first line where the error is and
 * what the message says ({@code # expect: LINE:COLUMN fragment}); loading it must fail
 * with exactly that position.
 */
class MalformedSpecTest {
    static final Path CORPUS = Path.of("src/test/resources/malformed");

    static Stream<Path> corpus() throws IOException {
        return Files.list(CORPUS).filter(p -> p.toString().endsWith(".lvd")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void reportsTheExactPosition(Path file) throws IOException {
        String first = Files.readAllLines(file).get(0);
        assertTrue(first.startsWith("# expect: "), "corpus file must start with '# expect: L:C text'");
        String[] parts = first.substring(10).split(" ", 2);
        InputError e = assertThrows(InputError.class, () -> SpecLoader.load(file.toString()));
        assertEquals(file + ":" + parts[0], e.pos().toString(), e.getMessage());
        assertTrue(e.detail().contains(parts[1]), "message '" + e.detail() + "' should contain '" + parts[1] + "'");
    }

    @org.junit.jupiter.api.Test
    void corpusHasAtLeastTwentyFiles() throws IOException {
        assertTrue(corpus().count() >= 20);
    }
}
