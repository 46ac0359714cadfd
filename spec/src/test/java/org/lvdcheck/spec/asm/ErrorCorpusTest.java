package org.lvdcheck.spec.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.spec.InputError;

/**
 * Malformed inputs under resources asm/errors/: each file's first line says where the error
 * must be ("# expect: LINE:COLUMN"); parse and link must fail with exactly that position.
 */
class ErrorCorpusTest {
    static final List<String> FILES = List.of("bad_number.s", "bad_operand_size.s", "bad_scale.s",
            "cr_with_32bit.s", "else_without_if.s", "esp_index.s", "high8_with_rex.s", "imm_too_big.s",
            "include_missing.s", "jcc_register.s", "lock_not_allowed.s", "macro_body_error.s", "no_suffix.s",
            "too_many_operands.s", "undefined_local_label.s", "undefined_macro.s", "unknown_directive.s",
            "unknown_mnemonic.s", "unknown_register.s", "unterminated_if.s", "unterminated_macro.s",
            "unterminated_rept.s");

    static Stream<String> files() {
        return FILES.stream();
    }

    static String read(String name) throws IOException {
        try (InputStream in = ErrorCorpusTest.class.getResourceAsStream("/asm/errors/" + name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void errorAtTheExpectedPosition(String name) throws IOException {
        String text = read(name);
        String first = text.lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("# expect: "), name + " lacks an expect line");
        String expected = name + ":" + first.substring("# expect: ".length()).trim();
        InputError err = null;
        try {
            AsmUnit u = AsmParser.parse(name, text, IncludeResolver.none());
            Assembler.link(List.of(u), Map.of(".text", 0L), Map.of());
        } catch (InputError e) {
            err = e;
        }
        assertTrue(err != null, name + " was accepted");
        assertEquals(expected, err.pos().toString(), err.getMessage());
        assertTrue(err.getMessage().startsWith(expected + ": error: "), err.getMessage());
    }

    @Test
    void corpusIsLargeEnough() {
        assertTrue(FILES.size() >= 12);
    }
}
