package org.lvdcheck.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The catalogue's entries are complete and consistent: the statement says what the kind says. */
class PropertyIdTest {
    @ParameterizedTest
    @EnumSource(PropertyId.class)
    void everyEntryHasItsSentenceSourceAndAStatementOfItsKind(PropertyId p) {
        assertTrue(p.paperSentence().endsWith("."), p + ": a sentence");
        assertTrue(p.paperSource().contains("paraphrase"), p + ": every paper sentence here is a paraphrase");
        boolean state = p.statement().contains("over a state");
        boolean step = p.statement().contains("over a step");
        switch (p.kind()) {
            case STATE -> assertTrue(state && !step, p.statement());
            case STEP -> assertTrue(step && !state, p.statement());
            default -> assertTrue(state && step, p.statement());
        }
    }

    @ParameterizedTest
    @EnumSource(PropertyId.class)
    void lookupByIdOrNameInAnyCase(PropertyId p) {
        assertEquals(Optional.of(p), PropertyId.lookup(p.name().toLowerCase()));
        assertEquals(Optional.of(p), PropertyId.lookup(" " + p.propertyName().toUpperCase() + " "));
        assertEquals(Optional.empty(), PropertyId.lookup(p.propertyName() + "x"));
    }
}
