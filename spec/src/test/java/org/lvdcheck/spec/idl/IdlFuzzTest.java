package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/**
 * Seeded mutation fuzzing of the IDL front end. Every input must either parse (and
 * then resolve and print back to an equal tree) or fail with an InputError whose
 * position lies inside the input. The count is the system property idl.fuzz.inputs
 * (3,000 by default, 100,000 in the Maven profile 'fuzz').
 */
class IdlFuzzTest {
    private static final long SEED = Long.getLong("idl.fuzz.seed", 0x1D1F022L);
    private static final String[] TOKENS = {
        "module ", "rpc ", "rpc_ptr ", "rpc_export ", "projection ", "<struct ", "<union ", "global ", "spinlock ",
        "atomic_lock ", "array<", "casted<", "string ", "const ", "volatile ", "void ", "unsigned ", "long ",
        "int ", "u8", "*", "[in]", "[out]", "[in, out]", "[unused]", "[alloc(callee)]", "[bind(caller)]",
        "[dealloc(callee)]", "[alloc<{{n}}>(caller)]", "[within<{{b}}, {{8}}>]", "{{ptr->len}}", "null", "{", "}", "(", ")", "[", "]",
        "<", ">", ";", ",", ":", ".", " ", "\n", "/*", "*/", "//", "\"", "header ", "include ", "driver ",
        "import ", "0", "99999999999999999999999", "x", "\u00e9", "\t", "\r\n"
    };

    static Path corpusDir() throws URISyntaxException {
        return Path.of(IdlFuzzTest.class.getResource("/idl/fuzz-corpus").toURI());
    }

    static List<String> corpus() throws IOException, URISyntaxException {
        List<String> texts = new ArrayList<>();
        for (String name : IdlResources.FILES) {
            texts.add(IdlResources.read(name));
        }
        try (Stream<Path> files = Files.list(corpusDir())) {
            for (Path p : files.sorted().toList()) {
                texts.add(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return texts;
    }

    /** Parses, resolves and round-trips one input; returns true if it parsed. */
    static boolean check(String text, String label) {
        try {
            IdlFile f = IdlParser.parse("fuzz.idl", text);
            IdlFile again = IdlParser.parse("fuzz.idl", IdlPrinter.print(f));
            assertEquals(f, again, () -> label + ": printer round trip changed the tree");
            try {
                InterfaceModel.of(f);
            } catch (InputError e) {
                assertInside(e, text, label);
            }
            return true;
        } catch (InputError e) {
            assertInside(e, text, label);
            return false;
        } catch (RuntimeException | StackOverflowError e) {
            fail(label + ": crashed with " + e + " on input:\n" + text, e);
            return false;
        }
    }

    static void assertInside(InputError e, String text, String label) {
        assertEquals("fuzz.idl", e.pos().file(), label);
        String[] lines = text.split("\n", -1);
        int line = e.pos().line();
        assertTrue(line >= 1 && line <= lines.length, () -> label + ": line out of range: " + e.getMessage());
        int width = lines[line - 1].codePointCount(0, lines[line - 1].length());
        assertTrue(e.pos().column() >= 1 && e.pos().column() <= width + 1,
                () -> label + ": column out of range: " + e.getMessage());
        assertTrue(!e.detail().isBlank(), label);
    }

    static String mutate(String text, List<String> corpus, SplittableRandom rnd) {
        String s = text;
        // Mostly one edit, so that a fair share of inputs still parses and reaches the model.
        int edits = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
        for (int i = 0; i < edits; i++) {
            int at = s.isEmpty() ? 0 : rnd.nextInt(s.length() + 1);
            int len = s.isEmpty() ? 0 : rnd.nextInt(Math.min(40, s.length() - Math.min(at, s.length())) + 1);
            s = switch (rnd.nextInt(7)) {
                case 0 -> s.substring(0, at) + (char) (32 + rnd.nextInt(95)) + s.substring(at);
                case 1 -> s.substring(0, at) + s.substring(Math.min(s.length(), at + Math.max(1, len)));
                case 2 -> s.substring(0, at) + s.substring(at, at + len) + s.substring(at);
                case 3 -> s.substring(0, at) + TOKENS[rnd.nextInt(TOKENS.length)] + s.substring(at);
                case 4 -> {
                    String other = corpus.get(rnd.nextInt(corpus.size()));
                    int cut = other.isEmpty() ? 0 : rnd.nextInt(other.length() + 1);
                    yield s.substring(0, at) + other.substring(cut);
                }
                case 5 -> s.substring(0, at) + (char) rnd.nextInt(0x80) + s.substring(at);
                default -> {
                    // Remove one whole token-like run, e.g. a keyword or a bracket.
                    int end = at;
                    while (end < s.length() && Character.isLetterOrDigit(s.charAt(end))) {
                        end++;
                    }
                    yield s.substring(0, at) + s.substring(Math.min(s.length(), Math.max(end, at + 1)));
                }
            };
        }
        return s;
    }

    @Test
    void savedCorpusNeverCrashes() throws Exception {
        int n = 0;
        try (Stream<Path> files = Files.list(corpusDir())) {
            for (Path p : files.sorted().toList()) {
                check(Files.readString(p, StandardCharsets.UTF_8), p.getFileName().toString());
                n++;
            }
        }
        assertTrue(n >= 24, "the saved corpus should hold a few dozen inputs, has " + n);
    }

    @Test
    void mutatedInputsParseOrFailAtAPositionInsideTheInput() throws Exception {
        int count = Integer.getInteger("idl.fuzz.inputs", 3000);
        List<String> corpus = corpus();
        // -Didl.fuzz.save=DIR keeps every 997th input, to refresh the saved corpus.
        String save = System.getProperty("idl.fuzz.save");
        SplittableRandom rnd = new SplittableRandom(SEED);
        long start = System.nanoTime();
        int parsed = 0;
        for (int i = 0; i < count; i++) {
            String seedText = corpus.get(rnd.nextInt(corpus.size()));
            String input = mutate(seedText, corpus, rnd);
            if (check(input, "seed " + SEED + " input " + i)) {
                parsed++;
            }
            if (save != null && i % 997 == 0) {
                Files.writeString(Path.of(save, "mutant-" + i + ".idl"), input, StandardCharsets.UTF_8);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("IDL fuzz: %d inputs (seed %d), %d parsed, %d rejected with a position, %.1f s%n", count,
                SEED, parsed, count - parsed, seconds);
        assertTrue(parsed > 0 && parsed < count, "the mutations should produce both valid and invalid inputs");
    }
}
