package org.lvdcheck.spec.asm;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.spec.InputError;

/** Splits one statement into tokens (GNU as lexical rules for the x86 target). */
final class Lexer {
    private static final String[] TWO_CHAR = {"<<", ">>", "==", "!=", "<>", "<=", ">=", "&&", "||"};
    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64);

    private final SourceLine line;
    private final String s;
    private int i;

    private Lexer(SourceLine line) {
        this.line = line;
        this.s = line.text();
    }

    static List<Token> tokens(SourceLine line) throws InputError {
        return new Lexer(line).run();
    }

    static boolean identStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '.';
    }

    static boolean identPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '$';
    }

    private List<Token> run() throws InputError {
        List<Token> out = new ArrayList<>();
        while (true) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= s.length()) {
                out.add(new Token(Token.Kind.END, "", 0, s.length()));
                return out;
            }
            out.add(next());
        }
    }

    private Token next() throws InputError {
        int start = i;
        char c = s.charAt(i);
        if (identStart(c) || c == '@' && i + 1 < s.length() && Character.isLetter(s.charAt(i + 1))) {
            i++; // '@' only starts type names such as @progbits and @function
            while (i < s.length() && identPart(s.charAt(i))) {
                i++;
            }
            return new Token(Token.Kind.IDENT, s.substring(start, i), 0, start);
        }
        if (c == '%' && i + 1 < s.length() && Character.isLetter(s.charAt(i + 1))) {
            i++;
            while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
                i++;
            }
            if (i == start + 1) {
                throw new InputError(line.posAt(start), "register name expected after '%'");
            }
            return new Token(Token.Kind.REG, s.substring(start + 1, i), 0, start);
        }
        if (Character.isDigit(c)) {
            return number(start);
        }
        if (c == '"') {
            return string(start);
        }
        if (c == '\'') {
            return charConstant(start);
        }
        for (String two : TWO_CHAR) {
            if (s.startsWith(two, i)) {
                i += 2;
                return new Token(Token.Kind.PUNCT, two, 0, start);
            }
        }
        if ("+-*/%&|^~!(),:$=<>[]".indexOf(c) >= 0) {
            i++;
            return new Token(Token.Kind.PUNCT, String.valueOf(c), 0, start);
        }
        throw new InputError(line.posAt(start), "unexpected character '" + c + "'");
    }

    private Token number(int start) throws InputError {
        while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
            i++;
        }
        String word = s.substring(start, i);
        String lower = word.toLowerCase();
        // 1f / 1b: numeric local label references (as.info "Local Labels").
        if (lower.matches("[0-9]+[bf]") && !lower.matches("0b[01]+")) {
            return new Token(Token.Kind.LOCAL_REF, lower, 0, start);
        }
        BigInteger v;
        try {
            if (lower.startsWith("0x")) {
                v = new BigInteger(lower.substring(2), 16);
            } else if (lower.startsWith("0b")) {
                v = new BigInteger(lower.substring(2), 2);
            } else if (lower.length() > 1 && lower.startsWith("0")) {
                v = new BigInteger(lower.substring(1), 8);
            } else {
                v = new BigInteger(lower, 10);
            }
        } catch (NumberFormatException e) {
            throw new InputError(line.posAt(start), "bad number '" + word + "'");
        }
        if (v.compareTo(MAX_U64) >= 0) {
            throw new InputError(line.posAt(start), "number '" + word + "' does not fit in 64 bits");
        }
        return new Token(Token.Kind.NUMBER, word, v.longValue(), start);
    }

    private Token string(int start) throws InputError {
        i++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw new InputError(line.posAt(start), "unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return new Token(Token.Kind.STRING, b.toString(), 0, start);
            }
            if (c == '\\') {
                b.append(escape(start));
            } else {
                b.append(c);
            }
        }
    }

    private Token charConstant(int start) throws InputError {
        i++;
        if (i >= s.length()) {
            throw new InputError(line.posAt(start), "character constant expected after '''");
        }
        char c = s.charAt(i++);
        long v = c == '\\' ? escape(start) : c;
        if (i < s.length() && s.charAt(i) == '\'') {
            i++;
        }
        return new Token(Token.Kind.NUMBER, s.substring(start, i), v, start);
    }

    /** Reads the escape after a backslash (as.info "Strings"). */
    private char escape(int start) throws InputError {
        if (i >= s.length()) {
            throw new InputError(line.posAt(start), "unterminated escape");
        }
        char e = s.charAt(i++);
        switch (e) {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'b': return '\b';
            case 'f': return '\f';
            case '\\': return '\\';
            case '"': return '"';
            case '\'': return '\'';
            case 'x': case 'X': {
                int v = 0;
                int n = 0;
                while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0) {
                    v = (v * 16 + Character.digit(s.charAt(i++), 16)) & 0xff;
                    n++;
                }
                if (n == 0) {
                    throw new InputError(line.posAt(i - 2), "hex digits expected after \\x");
                }
                return (char) v;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0';
                    for (int k = 0; k < 2 && i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7'; k++) {
                        v = v * 8 + (s.charAt(i++) - '0');
                    }
                    return (char) (v & 0xff);
                }
                throw new InputError(line.posAt(i - 2), "unknown escape '\\" + e + "'");
        }
    }
}
