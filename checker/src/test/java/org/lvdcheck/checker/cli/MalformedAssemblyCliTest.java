package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A spec whose kernel code is malformed assembly: {@code check} and {@code emulate} exit 2
 * with the assembly file's line and column, and no stack trace. The spec is lvd-as-built
 * (with its IDL files beside it) with its code replaced by one file of the assembler's error corpus.
 */
class MalformedAssemblyCliTest {
    @TempDir Path dir;

    static Stream<Path> corpus() throws IOException {
        return Files.list(Path.of("../spec/src/test/resources/asm/errors")).filter(p -> p.toString().endsWith(".s")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void exitsTwoAtTheAssemblyPosition(Path bad) throws IOException {
        String expect = Files.readAllLines(bad).get(0).substring("# expect: ".length()).split(" ")[0];
        String asBuilt;
        try (InputStream in = getClass().getResourceAsStream("/org/lvdcheck/spec/builtin/lvd-as-built.lvd")) {
            asBuilt = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String spec = asBuilt.lines().filter(l -> !l.startsWith("asm ")).collect(Collectors.joining("\n"))
                + "\nasm kernel bad.s\n";
        Files.copy(bad, dir.resolve("bad.s"));
        Files.createDirectories(dir.resolve("idl"));
        for (String idl : new String[] {"dummy-net.idl", "null-block.idl"}) {
            try (InputStream in = getClass().getResourceAsStream("/org/lvdcheck/spec/builtin/idl/" + idl)) {
                Files.copy(in, dir.resolve("idl/" + idl));
            }
        }
        Path specFile = dir.resolve("bad-code.lvd");
        Files.writeString(specFile, spec);
        for (String cmd : new String[] {"check", "emulate"}) {
            CliTest.Run r = CliTest.run(cmd, "--spec", specFile.toString());
            assertEquals(2, r.code(), cmd + ": " + r.err());
            assertTrue(r.err().startsWith(dir.resolve("bad.s") + ":" + expect + ": error: "), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        }
    }
}
