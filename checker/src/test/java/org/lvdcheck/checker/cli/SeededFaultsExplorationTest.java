package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.spec.lvd.SeededFault;

/**
 * The full bounded run of every seeded fault (minutes each; profile {@code faults}:
 * {@code mvn -B -Pfaults -pl checker -am test -Dtest=SeededFaultsExplorationTest
 * -Dsurefire.failIfNoSpecifiedTests=false}). A caught fault's run exits 1, reports exactly the
 * catalogued properties and writes exactly the committed trace; a fault not caught exits 3 with
 * no violation, or reports exactly the base spec's own violations ({@code on-base}), each trace
 * breaking the base spec too; and the base spec, run with each fault's options, reports exactly what the
 * catalogue's {@code on-base} says (nothing, or violations of its own that the run reaches too).
 */
@EnabledIfSystemProperty(named = "lvdcheck.faults", matches = "explore")
class SeededFaultsExplorationTest {
    static Stream<SeededFault> faults() {
        return SeededFaults.all();
    }

    /** Each distinct run of the catalogue on its base spec, once. */
    static Stream<SeededFault> baseRuns() {
        return SeededFaults.all().filter(f -> SeededFaults.all()
                .filter(g -> g.base().equals(f.base()) && g.check().equals(f.check())).findFirst().orElseThrow() == f);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void theBoundedCheckFindsWhatTheCatalogueSays(SeededFault f, @TempDir Path out) throws Exception {
        CliTest.Run r = SeededFaults.check(f.name(), f, out);
        if (f.isCaught()) {
            assertEquals(f.caughtProperties(), SeededFaults.reported(r), r.out());
            assertEquals(1, r.code(), r.out() + r.err());
            assertEquals(Files.readString(SeededFaults.text(f)), Files.readString(out.resolve(f.primary() + ".txt")));
        } else if (f.onBaseProperties().isEmpty()) {
            assertEquals(List.of(), SeededFaults.reported(r), r.out());
            assertEquals(3, r.code(), r.out() + r.err());
        } else {
            // Not caught: what the run reports is the base spec's own (each trace breaks the base too).
            SeededFaults.reportsOnlyTheBases(f, r, out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("baseRuns")
    void theBaseSpecUnderTheSameBoundReportsWhatTheCatalogueSays(SeededFault f, @TempDir Path out) {
        CliTest.Run r = SeededFaults.check(f.base(), f, out);
        assertEquals(f.onBaseProperties(), SeededFaults.reported(r), f.base() + " " + f.check() + ":\n" + r.out());
        if (f.onBaseProperties().isEmpty()) {
            assertEquals(3, r.code(), f.base() + " " + f.check() + ":\n" + r.out() + r.err());
            assertTrue(List.of(r.out().split("\n")).stream().noneMatch(l -> l.contains(" violated")), r.out());
        } else {
            assertEquals(1, r.code(), f.base() + " " + f.check() + ":\n" + r.out() + r.err());
        }
    }
}
