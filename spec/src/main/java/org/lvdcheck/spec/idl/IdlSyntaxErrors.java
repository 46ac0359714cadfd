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
 * offending token and stops the parse there: nothing is printed to the console, and no
 * recovery produces follow-on errors.
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

    IdlSyntaxErrors(String file) {
        this.file = file;
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
        throw new Abort(new InputError(pos, detail));
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
