package org.lvdcheck.spec.idl;

import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Turns the first lexer or parser error ANTLR reports into an {@link InputError} at the
 * offending token, either stopping the recognizer there or recording it: nothing is
 * printed to the console, and no recovery produces follow-on errors.
 */
final class IdlSyntaxErrors extends BaseErrorListener {
    /** Carries the InputError out of ANTLR's call chain, which only lets unchecked exceptions through. */
    static final class Abort extends RuntimeException {
        final InputError error;

        Abort(InputError error) {
            super(null, null, false, false);
            this.error = error;
        }
    }

    private final String file;
    private final boolean recording;
    private InputError first;

    private IdlSyntaxErrors(String file, boolean recording) {
        this.file = file;
        this.recording = recording;
    }

    /** Stops at the first error by throwing {@link Abort}. */
    static IdlSyntaxErrors throwing(String file) {
        return new IdlSyntaxErrors(file, false);
    }

    /** Keeps the first error for {@link #first()} and lets the recognizer go on. */
    static IdlSyntaxErrors recording(String file) {
        return new IdlSyntaxErrors(file, true);
    }

    /** The first error seen by a recording listener, or null. */
    InputError first() {
        return first;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int charPositionInLine,
            String msg, RecognitionException e) {
        SourcePos pos = new SourcePos(file, Math.max(1, line), Math.max(0, charPositionInLine) + 1);
        String detail;
        if (offending instanceof Token t) {
            detail = (t.getType() == Token.EOF ? "unexpected end of file" : "unexpected " + quote(t.getText()))
                    + expected(recognizer);
        } else {
            // The lexer reports "token recognition error at: '<text>'" with all the text it
            // tried to match from the error position; name the first character only.
            int at = msg.indexOf("at: '");
            String text = at >= 0 ? msg.substring(at + 5) : "";
            if (text.startsWith("/*")) {
                detail = "unterminated comment";
            } else if (text.startsWith("\"")) {
                detail = "unterminated string";
            } else if (text.isEmpty()) {
                detail = "unexpected character";
            } else {
                detail = "unexpected character " + quote(new String(Character.toChars(text.codePointAt(0))));
            }
        }
        InputError error = new InputError(pos, detail);
        if (!recording) {
            throw new Abort(error);
        }
        if (first == null) {
            first = error;
        }
    }

    private static String expected(Recognizer<?, ?> recognizer) {
        if (!(recognizer instanceof Parser p)) {
            return "";
        }
        IntervalSet set;
        try {
            set = p.getExpectedTokens();
        } catch (RuntimeException ex) {
            return "";
        }
        // Every keyword is also a name (rule 'ident'): say "a name" once instead of listing them.
        boolean name = set.contains(D4Parser.IDENT);
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (name) {
            parts.add("a name");
        }
        for (int type : set.toArray()) {
            boolean keyword = type >= D4Parser.MODULE && type <= D4Parser.U8;
            if (type == D4Parser.IDENT || (keyword && name) || type == Token.EPSILON) {
                continue;
            }
            parts.add(p.getVocabulary().getDisplayName(type));
        }
        if (parts.isEmpty() || parts.size() > 8) {
            return "";
        }
        return "; expected " + String.join(" or ", parts);
    }

    private static String quote(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return "'" + shown.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'";
    }
}
