package org.lvdcheck.spec.asm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Parses a GNU as (AT&T syntax, x86-64) file into an {@link AsmUnit}: directives, macros,
 * conditionals, labels and the instruction subset, with every error at its file:line:column.
 */
public final class AsmParser {
    private static final int MAX_MACRO_DEPTH = 100;
    private static final int MAX_INCLUDE_DEPTH = 30;
    private static final Pattern HEAD = Pattern.compile("^\\s*(?:(?:[A-Za-z_.][A-Za-z0-9_.$]*|[0-9]+)\\s*:(?!=)\\s*)*([.A-Za-z_][A-Za-z0-9_.$]*)");

    private final String fileName;
    private final IncludeResolver includes;

    private final Map<String, MacroDef> macros = new HashMap<>();
    private int macroCounter;
    private int includeDepth;
    private final UnitBuilder unit;

    private AsmParser(String fileName, IncludeResolver includes) {
        this.fileName = fileName;
        this.includes = includes;
        this.unit = new UnitBuilder(fileName);
    }

    /** Parses {@code text}, named {@code fileName} in errors; .include goes through {@code includes}. */
    public static AsmUnit parse(String fileName, String text, IncludeResolver includes) throws InputError {
        AsmParser p = new AsmParser(fileName, includes);
        p.process(Splitter.split(fileName, text));
        return p.unit.build();
    }

    /** Names the parser makes up ('.' locations, numeric local labels) never collide with user names. */
    static boolean isInternal(String name) {
        return name.indexOf('\u0001') >= 0 || name.indexOf('\u0002') >= 0;
    }

    // ------------------------------------------------------------------ statement stream

    private record Cond(boolean parentActive, boolean taken, boolean anyTaken, boolean inElse, SourcePos pos) {
        boolean active() {
            return parentActive && taken;
        }
    }

    private static String head(SourceLine l) {
        Matcher m = HEAD.matcher(l.text());
        return m.find() ? m.group(1).toLowerCase() : "";
    }

    private static int headIndex(SourceLine l) {
        Matcher m = HEAD.matcher(l.text());
        return m.find() ? m.start(1) : 0;
    }

    private void process(List<SourceLine> lines) throws InputError {
        Deque<Cond> conds = new ArrayDeque<>();
        for (int i = 0; i < lines.size(); i++) {
            SourceLine l = lines.get(i);
            String head = head(l);
            boolean active = conds.isEmpty() || conds.peek().active();
            SourcePos headPos = l.posAt(headIndex(l));
            switch (head) {
                case ".if", ".ifdef", ".ifndef", ".ifeq", ".ifne", ".ifb", ".ifnb", ".ifc", ".ifnc", ".ifnotdef" -> {
                    boolean v = active && condition(head, l);
                    conds.push(new Cond(active, v, v, false, headPos));
                    continue;
                }
                case ".elseif" -> {
                    Cond c = conds.poll();
                    if (c == null || c.inElse()) {
                        throw new InputError(headPos, "'.elseif' without a matching '.if'");
                    }
                    boolean v = c.parentActive() && !c.anyTaken() && condition(".if", l);
                    conds.push(new Cond(c.parentActive(), v, c.anyTaken() || v, false, c.pos()));
                    continue;
                }
                case ".else" -> {
                    Cond c = conds.poll();
                    if (c == null || c.inElse()) {
                        throw new InputError(headPos, c == null ? "'.else' without a matching '.if'" : "duplicate '.else'");
                    }
                    conds.push(new Cond(c.parentActive(), !c.anyTaken(), true, true, c.pos()));
                    continue;
                }
                case ".endif" -> {
                    if (conds.poll() == null) {
                        throw new InputError(headPos, "'.endif' without a matching '.if'");
                    }
                    continue;
                }
                default -> {
                }
            }
            if (head.equals(".macro") || head.equals(".rept") || head.equals(".irp")) {
                int end = blockEnd(lines, i, head, headPos);
                List<SourceLine> body = new ArrayList<>(lines.subList(i + 1, end));
                if (active) {
                    switch (head) {
                        case ".macro" -> defineMacro(l, body, headPos);
                        case ".rept" -> rept(l, body);
                        default -> irp(l, body, headPos);
                    }
                }
                i = end;
                continue;
            }
            if (!active) {
                continue;
            }
            if (head.equals(".endm") || head.equals(".endr")) {
                throw new InputError(headPos, "'" + head + "' without a matching '"
                        + (head.equals(".endm") ? ".macro" : ".rept") + "'");
            }
            if (head.equals(".include")) {
                include(l);
                continue;
            }
            statement(l);
        }
        if (!conds.isEmpty()) {
            Cond open = conds.getLast();
            throw new InputError(open.pos(), "unterminated '.if' (no matching '.endif')");
        }
    }

    /** The index of the line closing the block opened at {@code start}, counting nesting. */
    private static int blockEnd(List<SourceLine> lines, int start, String head, SourcePos pos) throws InputError {
        boolean macro = head.equals(".macro");
        int depth = 0;
        for (int j = start + 1; j < lines.size(); j++) {
            String h = head(lines.get(j));
            if (macro ? h.equals(".macro") : h.equals(".rept") || h.equals(".irp")) {
                depth++;
            } else if (macro ? h.equals(".endm") : h.equals(".endr")) {
                if (depth == 0) {
                    return j;
                }
                depth--;
            }
        }
        throw new InputError(pos, "unterminated '" + head + "' (no matching '" + (macro ? ".endm" : ".endr") + "')");
    }

    private TokenCursor cursorAfterHead(SourceLine l) throws InputError {
        List<Token> toks = Lexer.tokens(l);
        int k = 0;
        int hi = headIndex(l);
        while (toks.get(k).index() < hi) {
            k++;
        }
        return new TokenCursor(l, toks, k + 1, unit.symbolsForParse());
    }

    private boolean condition(String head, SourceLine l) throws InputError {
        String rest = l.text().substring(headIndex(l) + head.length()).trim();
        switch (head) {
            case ".ifb":
                return rest.isEmpty();
            case ".ifnb":
                return !rest.isEmpty();
            case ".ifc":
            case ".ifnc": {
                int comma = rest.indexOf(',');
                String a = comma < 0 ? rest : rest.substring(0, comma).trim();
                String b = comma < 0 ? "" : rest.substring(comma + 1).trim();
                return a.equals(b) == head.equals(".ifc");
            }
            case ".ifdef":
            case ".ifndef":
            case ".ifnotdef": {
                TokenCursor c = cursorAfterHead(l);
                Token t = c.next();
                if (t.kind() != Token.Kind.IDENT) {
                    throw new InputError(c.pos(t), "symbol name expected after '" + head + "'");
                }
                c.expectEnd();
                boolean defined = unit.isDefined(t.text());
                return defined == head.equals(".ifdef");
            }
            default: {
                TokenCursor c = cursorAfterHead(l);
                long v = c.constExpr("'" + head + "'");
                c.expectEnd();
                return head.equals(".ifeq") ? v == 0 : v != 0;
            }
        }
    }

    private void defineMacro(SourceLine l, List<SourceLine> body, SourcePos at) throws InputError {
        TokenCursor c = cursorAfterHead(l);
        Token name = c.next();
        if (name.kind() != Token.Kind.IDENT) {
            throw new InputError(c.pos(name), "macro name expected");
        }
        List<MacroDef.Param> params = new ArrayList<>();
        while (!c.atEnd()) {
            c.accept(",");
            Token p = c.next();
            if (p.kind() != Token.Kind.IDENT) {
                throw new InputError(c.pos(p), "macro parameter name expected but found " + TokenCursor.describe(p));
            }
            boolean req = false;
            boolean vararg = false;
            String def = null;
            if (c.peek().is(":")) {
                c.next();
                Token q = c.next();
                if (q.text().equals("req")) {
                    req = true;
                } else if (q.text().equals("vararg")) {
                    vararg = true;
                } else {
                    throw new InputError(c.pos(q), "unknown parameter qualifier '" + q.text() + "'");
                }
            }
            if (c.peek().is("=")) {
                Token eq = c.next();
                int from = eq.index() + 1;
                int to = from;
                String s = l.text();
                while (to < s.length() && s.charAt(to) != ',' && !Character.isWhitespace(s.charAt(to))) {
                    to++;
                }
                def = s.substring(from, to);
                while (!c.atEnd() && c.peek().index() < to) {
                    c.next();
                }
            }
            params.add(new MacroDef.Param(p.text(), def, req, vararg));
        }
        macros.put(name.text().toLowerCase(), new MacroDef(name.text(), params, body, at));
    }

    private void rept(SourceLine l, List<SourceLine> body) throws InputError {
        TokenCursor c = cursorAfterHead(l);
        SourcePos at = c.pos();
        long n = c.constExpr("'.rept'");
        c.expectEnd();
        if (n < 0 || n > 100_000) {
            throw new InputError(at, "'.rept' count " + n + " out of range 0..100000");
        }
        for (long k = 0; k < n; k++) {
            process(body);
        }
    }

    private void irp(SourceLine l, List<SourceLine> body, SourcePos at) throws InputError {
        int from = headIndex(l) + ".irp".length();
        List<MacroExpander.Piece> pieces = MacroExpander.split(l, from);
        if (pieces.isEmpty()) {
            throw new InputError(at, "'.irp' needs a symbol name");
        }
        String sym = pieces.get(0).text();
        MacroDef def = new MacroDef(".irp", List.of(new MacroDef.Param(sym, null, false, false)), body, at);
        for (int k = 1; k < pieces.size(); k++) {
            expandInto(def, Map.of(sym, pieces.get(k)), at);
        }
    }

    private void include(SourceLine l) throws InputError {
        TokenCursor c = cursorAfterHead(l);
        Token t = c.next();
        if (t.kind() != Token.Kind.STRING) {
            throw new InputError(c.pos(t), "'.include' needs a quoted file name");
        }
        c.expectEnd();
        SourcePos at = l.posAt(headIndex(l));
        Optional<IncludeResolver.Source> src = includes.resolve(t.text());
        if (src.isEmpty()) {
            throw new InputError(at, "can't open include file \"" + t.text() + "\"");
        }
        if (includeDepth >= MAX_INCLUDE_DEPTH) {
            throw new InputError(at, "'.include' nested more than " + MAX_INCLUDE_DEPTH + " deep");
        }
        includeDepth++;
        try {
            process(Splitter.split(src.get().fileName(), src.get().text()));
        } finally {
            includeDepth--;
        }
    }

    private void expandInto(MacroDef def, Map<String, MacroExpander.Piece> args, SourcePos at) throws InputError {
        if (unit.macroDepth() >= MAX_MACRO_DEPTH) {
            throw new InputError(at, "macros nested more than " + MAX_MACRO_DEPTH + " deep (recursive macro?)");
        }
        unit.enterMacro(at);
        try {
            process(MacroExpander.expand(def, args, macroCounter++));
        } finally {
            unit.leaveMacro();
        }
    }

    // ------------------------------------------------------------------ statements

    private void statement(SourceLine l) throws InputError {
        List<Token> toks = Lexer.tokens(l);
        int k = 0;
        while (k + 1 < toks.size() && toks.get(k + 1).is(":")
                && (toks.get(k).kind() == Token.Kind.IDENT
                    || toks.get(k).kind() == Token.Kind.NUMBER && toks.get(k).text().matches("[0-9]+"))) {
            unit.defineLabel(toks.get(k).text(), l.posAt(toks.get(k).index()));
            k += 2;
        }
        Token t = toks.get(k);
        if (t.kind() == Token.Kind.END) {
            return;
        }
        TokenCursor c = new TokenCursor(l, toks, k + 1, unit.symbolsForParse());
        SourcePos at = l.posAt(t.index());
        if (t.kind() != Token.Kind.IDENT) {
            throw new InputError(at, "statement expected but found " + TokenCursor.describe(t));
        }
        if (c.peek().is("=")) {
            c.next();
            unit.defineSet(t.text(), at, c, false);
            return;
        }
        String name = t.text();
        MacroDef macro = macros.get(name.toLowerCase());
        if (macro != null) {
            int argsFrom = t.index() + name.length();
            expandInto(macro, MacroExpander.bind(macro, l, argsFrom, at), at);
            return;
        }
        if (name.startsWith(".")) {
            unit.directive(name.toLowerCase(), at, c);
            return;
        }
        unit.instruction(name, at, c);
    }

}
