package org.lvdcheck.checker.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.checker.cli.Main;
import org.lvdcheck.spec.InputError;

/**
 * Each directory under src/test/resources/audit holds base.idl, head.idl, an optional
 * policy.txt and expected.txt: one line per finding, {@code base|head:LINE SEVERITY
 * PROPERTY kind}, in report order; an empty file means the change is harmless.
 */
class AuditCasesTest {
    static Path root() throws URISyntaxException {
        return Path.of(AuditCasesTest.class.getResource("/audit").toURI());
    }

    static List<String> cases() throws IOException, URISyntaxException {
        try (Stream<Path> dirs = Files.list(root())) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<String> summarize(AuditRun run) {
        List<String> lines = new ArrayList<>();
        for (Finding f : run.findings()) {
            String role = f.pos().file().endsWith("base.idl") ? "base" : "head";
            lines.add(role + ":" + f.pos().line() + " " + f.severity() + " " + f.property().name() + " " + f.kind());
        }
        return lines;
    }

    @Test
    void thereAreAtLeastFifteenCases() throws Exception {
        assertTrue(cases().size() >= 15, "cases: " + cases());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void findingsMatchTheExpectedFile(String name) throws IOException, URISyntaxException, InputError {
        Path dir = root().resolve(name);
        Path policy = dir.resolve("policy.txt");
        AuditRun run = AuditRun.run(dir.resolve("base.idl"), dir.resolve("head.idl"),
                Files.exists(policy) ? policy : null);
        List<String> expected = Files.readAllLines(dir.resolve("expected.txt")).stream()
                .filter(l -> !l.isBlank()).toList();
        List<String> actual = summarize(run);
        assertEquals(String.join("\n", expected), String.join("\n", actual), () -> "case " + name + ":\n"
                + String.join("\n", run.findings().stream().map(Finding::line).toList()));

        List<String> args = new ArrayList<>(List.of("audit", "--base", dir.resolve("base.idl").toString(),
                "--head", dir.resolve("head.idl").toString()));
        if (Files.exists(policy)) {
            args.addAll(List.of("--policy", policy.toString()));
        }
        StringWriter out = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(new StringWriter()));
        boolean error = expected.stream().anyMatch(l -> l.contains(" ERROR "));
        assertEquals(error ? 1 : 0, code, out.toString());
        assertEquals(expected.size() + 1, out.toString().lines().count(), out.toString());
    }
}
