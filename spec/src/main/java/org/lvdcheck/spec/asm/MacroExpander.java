package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Macro argument splitting and body substitution (as.info ".macro"): {@code \name} becomes
 * the argument, {@code \@} the count of macro expansions so far, {@code \()} nothing.
 */
final class MacroExpander {
    private MacroExpander() {
    }

    /** A piece of argument text with the columns it came from. */
    record Piece(String text, int[] cols, int start) {
    }

    /**
     * Splits an argument list at top-level commas or blanks (parentheses and strings keep
     * their contents together; blanks around a comma are one separator).
     */
    static List<Piece> split(SourceLine line, int from) {
        String s = line.text();
        List<Piece> out = new ArrayList<>();
        int i = from;
        int n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        if (i >= n) {
            return out;
        }
        int start = i;
        int depth = 0;
        boolean str = false;
        while (true) {
            char c = i < n ? s.charAt(i) : ',';
            boolean end = i >= n;
            if (!end && str) {
                if (c == '\\' && i + 1 < n) {
                    i++;
                } else if (c == '"') {
                    str = false;
                }
                i++;
                continue;
            }
            if (!end && c == '"') {
                str = true;
                i++;
                continue;
            }
            if (!end && c == '(') {
                depth++;
            } else if (!end && c == ')') {
                depth--;
            }
            boolean sep = end || depth <= 0 && (c == ',' || Character.isWhitespace(c));
            if (!sep) {
                i++;
                continue;
            }
            // blanks next to a comma (or next to an operator) do not separate arguments
            int j = i;
            while (j < n && Character.isWhitespace(s.charAt(j))) {
                j++;
            }
            boolean comma = j < n && s.charAt(j) == ',';
            if (!end && !comma && Character.isWhitespace(c) && j < n && start < i
                    && (isOperator(s.charAt(j)) || isOperator(s.charAt(i - 1)))) {
                i = j;
                continue;
            }
            out.add(piece(line, start, i));
            if (end) {
                return out;
            }
            if (comma) {
                j++;
                while (j < n && Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
            }
            if (j >= n) {
                if (comma) {
                    out.add(piece(line, n, n));
                }
                return out;
            }
            i = j;
            start = j;
        }
    }

    private static boolean isOperator(char c) {
        return "+-*/|&^<>=".indexOf(c) >= 0;
    }

    private static Piece piece(SourceLine line, int from, int to) {
        String t = line.text().substring(from, to).trim();
        int[] cols = new int[t.length()];
        int lead = line.text().substring(from, to).indexOf(t.isEmpty() ? "" : t.substring(0, 1));
        for (int k = 0; k < cols.length; k++) {
            cols[k] = line.posAt(from + Math.max(lead, 0) + k).column();
        }
        return new Piece(t, cols, from);
    }

    /** Binds the invocation's arguments to the parameters. */
    static Map<String, Piece> bind(MacroDef def, SourceLine line, int argsFrom, SourcePos at) throws InputError {
        List<Piece> pieces = split(line, argsFrom);
        Map<String, Piece> bound = new HashMap<>();
        int positional = 0;
        for (int k = 0; k < pieces.size(); k++) {
            Piece p = pieces.get(k);
            int eq = p.text().indexOf('=');
            if (eq > 0 && p.text().substring(0, eq).trim().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                String key = p.text().substring(0, eq).trim();
                if (def.params().stream().anyMatch(q -> q.name().equals(key))) {
                    String v = p.text().substring(eq + 1);
                    int[] c = java.util.Arrays.copyOfRange(p.cols(), eq + 1, p.cols().length);
                    bound.put(key, new Piece(v, c, p.start()));
                    continue;
                }
            }
            if (positional >= def.params().size()) {
                throw new InputError(new SourcePos(line.file(), line.line(), p.cols().length > 0 ? p.cols()[0] : at.column()),
                        "too many arguments for macro '" + def.name() + "'");
            }
            MacroDef.Param param = def.params().get(positional);
            if (param.vararg()) {
                // the rest of the line, commas included
                String rest = line.text().substring(p.start()).trim();
                bound.put(param.name(), new Piece(rest, new int[0], p.start()));
                positional = def.params().size();
                break;
            }
            bound.put(param.name(), p);
            positional++;
        }
        for (MacroDef.Param param : def.params()) {
            if (!bound.containsKey(param.name())) {
                if (param.required()) {
                    throw new InputError(at, "missing value for required parameter '" + param.name()
                            + "' of macro '" + def.name() + "'");
                }
                String d = param.defaultText() == null ? "" : param.defaultText();
                int[] c = new int[d.length()];
                java.util.Arrays.fill(c, at.column());
                bound.put(param.name(), new Piece(d, c, 0));
            }
        }
        return bound;
    }

    /** The body with arguments substituted; columns follow the body, arguments keep theirs. */
    static List<SourceLine> expand(MacroDef def, Map<String, Piece> args, int counter) {
        List<SourceLine> out = new ArrayList<>();
        for (SourceLine l : def.body()) {
            String s = l.text();
            StringBuilder b = new StringBuilder();
            List<Integer> cols = new ArrayList<>();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length()) {
                    char d = s.charAt(i + 1);
                    if (d == '@') {
                        appendAll(b, cols, Integer.toString(counter), l.cols()[i]);
                        i++;
                        continue;
                    }
                    if (d == '(' && i + 2 < s.length() && s.charAt(i + 2) == ')') {
                        i += 2;
                        continue;
                    }
                    int j = i + 1;
                    while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                        j++;
                    }
                    Piece p = args.get(s.substring(i + 1, j));
                    if (p != null) {
                        appendAll(b, cols, p.text(), l.cols()[i]);
                        i = j - 1;
                        continue;
                    }
                }
                b.append(c);
                cols.add(l.cols()[i]);
            }
            int[] c = new int[cols.size()];
            for (int k = 0; k < c.length; k++) {
                c[k] = cols.get(k);
            }
            out.add(new SourceLine(l.file(), l.line(), b.toString(), c));
        }
        return out;
    }

    private static void appendAll(StringBuilder b, List<Integer> cols, String text, int col) {
        for (int k = 0; k < text.length(); k++) {
            b.append(text.charAt(k));
            cols.add(col);
        }
    }
}
