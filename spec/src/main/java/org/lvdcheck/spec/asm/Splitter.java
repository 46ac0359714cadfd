package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Cuts a file into statements: removes {@code #} line comments and {@code /* *}{@code /}
 * block comments (outside strings), and splits at newlines and {@code ;} (as.info
 * "Statements": {@code ;} is the x86 line separator). Columns are kept per character.
 */
final class Splitter {
    private Splitter() {
    }

    static List<SourceLine> split(String file, String text) throws InputError {
        List<SourceLine> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        List<Integer> cols = new ArrayList<>();
        int line = 1;
        int col = 1;
        int stmtLine = 1;
        boolean inString = false;
        boolean inBlock = false;
        SourcePos blockStart = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (inBlock) {
                if (c == '*' && i + 1 < n && text.charAt(i + 1) == '/') {
                    inBlock = false;
                    i++;
                    col += 2;
                    continue;
                }
                if (c == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
                continue;
            }
            if (inString) {
                if (c == '\n') {
                    inString = false; // the lexer reports the unterminated string
                } else {
                    cur.append(c);
                    cols.add(col++);
                    if (c == '\\' && i + 1 < n && text.charAt(i + 1) != '\n') {
                        cur.append(text.charAt(++i));
                        cols.add(col++);
                    } else if (c == '"') {
                        inString = false;
                    }
                    continue;
                }
            }
            if (c == '\n' || c == ';') {
                emit(out, file, stmtLine, cur, cols);
                if (c == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
                stmtLine = line;
                continue;
            }
            if (c == '#') {
                while (i + 1 < n && text.charAt(i + 1) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                inBlock = true;
                blockStart = new SourcePos(file, line, col);
                i++;
                col += 2;
                // a block comment separates tokens like a space does
                cur.append(' ');
                cols.add(col - 2);
                continue;
            }
            if (c == '\'' && i + 1 < n && text.charAt(i + 1) != '\n') {
                if (cur.toString().isBlank()) {
                    stmtLine = line;
                }
                // character constant: the next character is data, even '#' or ';'
                cur.append(c);
                cols.add(col++);
                cur.append(text.charAt(++i));
                cols.add(col++);
                continue;
            }
            if (c == '"') {
                inString = true;
            }
            if (c == '\r') {
                col++;
                continue;
            }
            if (cur.toString().isBlank() && !Character.isWhitespace(c)) {
                stmtLine = line; // a statement starts on the line of its first character
            }
            cur.append(c);
            cols.add(col++);
        }
        if (inBlock) {
            throw new InputError(blockStart, "unterminated comment");
        }
        emit(out, file, stmtLine, cur, cols);
        return out;
    }

    private static void emit(List<SourceLine> out, String file, int line, StringBuilder cur, List<Integer> cols) {
        if (!cur.toString().isBlank()) {
            int[] c = new int[cols.size()];
            for (int k = 0; k < c.length; k++) {
                c[k] = cols.get(k);
            }
            out.add(new SourceLine(file, line, cur.toString(), c));
        }
        cur.setLength(0);
        cols.clear();
    }
}
