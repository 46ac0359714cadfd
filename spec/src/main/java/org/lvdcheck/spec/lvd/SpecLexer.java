package org.lvdcheck.spec.lvd;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Splits a {@code .lvd} file into statements: one per non-blank line, {@code #} starts a
 * comment, words are separated by blanks, {@code "..."} quotes a word with blanks, and a
 * word {@code key=value} is an option.
 */
final class SpecLexer {
    private SpecLexer() {}

    static List<Stmt> lex(String file, String text) throws InputError {
        List<Stmt> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int ln = 0; ln < lines.length; ln++) {
            List<Token> words = words(file, ln + 1, lines[ln]);
            if (words.isEmpty()) {
                continue;
            }
            Token kw = words.get(0);
            if (kw.text().contains("=")) {
                throw new InputError(kw.pos(), "a statement starts with a keyword, not an option: '" + kw.text() + "'");
            }
            List<Token> positional = new ArrayList<>();
            List<Token[]> options = new ArrayList<>();
            for (Token w : words.subList(1, words.size())) {
                int eq = w.text().indexOf('=');
                if (eq > 0 && isKey(w.text().substring(0, eq))) {
                    if (eq == w.text().length() - 1) {
                        throw new InputError(w.at(eq + 1), "option '" + w.text().substring(0, eq) + "' has no value");
                    }
                    options.add(new Token[] {new Token(w.text().substring(0, eq), w.pos()),
                        new Token(w.text().substring(eq + 1), w.at(eq + 1))});
                } else if (eq == 0) {
                    throw new InputError(w.pos(), "'=' without an option name");
                } else {
                    positional.add(w);
                }
            }
            out.add(new Stmt(kw, positional, options));
        }
        return out;
    }

    private static boolean isKey(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static List<Token> words(String file, int line, String s) throws InputError {
        List<Token> words = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '#') {
                break;
            }
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            if (c < ' ' && c != '\t') {
                throw new InputError(new SourcePos(file, line, i + 1), "control character U+"
                        + String.format("%04X", (int) c) + " in spec");
            }
            int start = i;
            StringBuilder w = new StringBuilder();
            while (i < n && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
                char d = s.charAt(i);
                if (d == '"') {
                    int close = s.indexOf('"', i + 1);
                    if (close < 0) {
                        throw new InputError(new SourcePos(file, line, i + 1), "unterminated string");
                    }
                    w.append(s, i + 1, close);
                    i = close + 1;
                } else if (d == '#') {
                    break;
                } else {
                    w.append(d);
                    i++;
                }
            }
            words.add(new Token(w.toString(), new SourcePos(file, line, start + 1)));
            if (i < n && s.charAt(i) == '#') {
                break;
            }
        }
        return words;
    }
}
