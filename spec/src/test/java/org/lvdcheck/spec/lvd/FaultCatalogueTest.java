package org.lvdcheck.spec.lvd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;

/** The catalogue of seeded faults: its format, and that every shipped fault is its base spec with one line changed. */
class FaultCatalogueTest {
    static final String ENTRY = """
            fault   f-one
            base    lvd-hardened
            file    asm/hardened/gate.s
            line    33
            old     |        jne vmfunc_trampoline_abort
            delete
            breaks  ENTRY
            check   --stop-at-first --max-depth 96
            caught  none
            on-base none
            says    It drops a check.
            """;

    static Stream<SeededFault> shipped() {
        return FaultCatalogue.builtin().all().stream();
    }

    @Test
    void readsAnEntry() throws InputError {
        FaultCatalogue c = FaultCatalogue.parse(InputFile.of("c.txt", "# comment\n\n" + ENTRY + "\n"));
        SeededFault f = c.find("f-one").orElseThrow();
        assertEquals(Patch.delete("asm/hardened/gate.s", 33, "        jne vmfunc_trampoline_abort").diff(), f.patch().diff());
        assertEquals(new SourcePos("c.txt", 7, 9), f.patch().origin());
        assertEquals(new SourcePos("c.txt", 3, 1), f.pos());
        assertEquals("ENTRY", f.breaks());
        assertFalse(f.isCaught());
        assertEquals(List.of(), f.onBaseProperties());
        assertEquals("It drops a check.", f.says());
        assertEquals(List.of("--stop-at-first", "--max-depth", "96"), f.checkOptions());
    }

    @Test
    void theCommittedTraceIsOfTheDesignedPropertyWhenTheRunReportsIt() throws InputError {
        SeededFault both = FaultCatalogue.parse(InputFile.of("c.txt", ENTRY.replace("caught  none", "caught  TAINT ENTRY")
                .replace("on-base none", "on-base AVAIL"))).find("f-one").orElseThrow();
        assertTrue(both.caughtAsDesigned());
        assertEquals("ENTRY", both.primary());
        assertEquals(List.of("AVAIL"), both.onBaseProperties());
        SeededFault other = FaultCatalogue.parse(InputFile.of("c.txt", ENTRY.replace("caught  none", "caught  TAINT")))
                .find("f-one").orElseThrow();
        assertFalse(other.caughtAsDesigned());
        assertEquals("TAINT", other.primary());
    }

    /** A catalogue text, and where its mistake must be reported with which words. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "fault;1:1;'fault' needs a value",
        "base lvd-hardened;1:1;an entry starts with 'fault NAME'",
        "fault f|bogus 1;2:1;unknown key 'bogus'",
        "fault f|line 33|line 34;3:1;'line' given twice",
        "fault f|old x;2:4;followed by '|'",
        "fault f|delete now;2:1;'delete' takes no value",
    })
    void reportsMistakesAtTheirLine(String lines, String where, String message) {
        String text = lines.replace('|', '\n') + "\n";
        InputError e = assertThrows(InputError.class, () -> FaultCatalogue.parse(InputFile.of("c.txt", text)));
        assertEquals("c.txt:" + where, e.pos().toString(), e.getMessage());
        assertTrue(e.detail().contains(message), e.detail());
    }

    @Test
    void aChangeNeedsExactlyOneOfNewAndDelete() {
        InputError both = assertThrows(InputError.class, () -> FaultCatalogue.parse(InputFile.of("c.txt",
                ENTRY + "new     |x\n")));
        assertTrue(both.detail().contains("exactly one of"), both.detail());
        InputError neither = assertThrows(InputError.class, () -> FaultCatalogue.parse(InputFile.of("c.txt",
                ENTRY.replace("delete\n", ""))));
        assertTrue(neither.detail().contains("exactly one of"), neither.detail());
    }

    @Test
    void rejectsMissingFieldsDuplicatesAndBadNames() {
        InputError missing = assertThrows(InputError.class,
                () -> FaultCatalogue.parse(InputFile.of("c.txt", ENTRY.replace("breaks  ENTRY\n", ""))));
        assertTrue(missing.detail().contains("has no 'breaks'"), missing.detail());
        InputError twice = assertThrows(InputError.class,
                () -> FaultCatalogue.parse(InputFile.of("c.txt", ENTRY + "\n" + ENTRY)));
        assertEquals(new SourcePos("c.txt", 13, 1), twice.pos());
        InputError base = assertThrows(InputError.class,
                () -> FaultCatalogue.parse(InputFile.of("c.txt", ENTRY.replace("f-one", "lvd-hardened"))));
        assertTrue(base.detail().contains("not a base spec's"), base.detail());
        InputError line = assertThrows(InputError.class,
                () -> FaultCatalogue.parse(InputFile.of("c.txt", ENTRY.replace("line    33", "line    0"))));
        assertEquals(new SourcePos("c.txt", 4, 9), line.pos());
    }

    @Test
    void aFaultWhoseLineChangedUnderItFailsToLoad() throws InputError {
        SeededFault stale = FaultCatalogue.parse(InputFile.of("c.txt",
                ENTRY.replace("line    33", "line    34"))).find("f-one").orElseThrow();
        InputError e = assertThrows(InputError.class, () -> SpecLoader.load(stale));
        assertEquals("builtin:asm/hardened/gate.s:34:1", e.pos().toString(), e.getMessage());
        assertTrue(e.detail().contains("c.txt:5:9"), e.detail());
    }

    @Test
    void atLeastTwelveFaultsWithDistinctChanges() {
        List<SeededFault> all = FaultCatalogue.builtin().all();
        assertTrue(all.size() >= 12, "faults: " + all.size());
        Set<String> changes = new HashSet<>();
        for (SeededFault f : all) {
            assertTrue(changes.add(f.patch().file() + ":" + f.patch().line()), "two faults change " + f.patch().file()
                    + ":" + f.patch().line());
        }
    }

    /**
     * Loading a fault gives exactly its base's inputs with one line of one file changed, under the
     * fault's name, by its name as by its entry.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void isItsBaseWithOneLineChanged(SeededFault f) throws InputError {
        SpecLoader.Loaded base = SpecLoader.load(f.base());
        SpecLoader.Loaded faulty = SpecLoader.load(f.name());
        assertEquals(f.name(), faulty.spec().name());
        assertEquals(base.specPath(), faulty.specPath());
        Map<String, InputFile> b = base.files();
        Map<String, InputFile> p = faulty.files();
        InputFile before = base.sources().read("", f.patch().file()).orElseThrow();
        InputFile after = faulty.sources().read("", f.patch().file()).orElseThrow();
        assertEquals(f.name() + ":" + f.patch().file(), after.name());
        List<String> x = Patch.split(before.text());
        List<String> y = Patch.split(after.text());
        int n = f.patch().line() - 1;
        assertEquals(x.size() - (f.patch().deletes() ? 1 : 0), y.size());
        assertEquals(x.subList(0, n), y.subList(0, n));
        assertEquals(x.subList(n + 1, x.size()), y.subList(f.patch().deletes() ? n : n + 1, y.size()));
        assertEquals(f.patch().oldText() + "\n", x.get(n));
        if (!f.patch().deletes()) {
            assertEquals(f.patch().newText().orElseThrow() + "\n", y.get(n));
            assertFalse(f.patch().oldText().equals(f.patch().newText().orElseThrow()), "a fault changes its line");
        }
        for (String path : p.keySet()) {
            if (!path.equals(f.patch().file())) {
                assertEquals(b.get(path).sha256(), p.get(path).sha256(), path);
            }
        }
    }
}
