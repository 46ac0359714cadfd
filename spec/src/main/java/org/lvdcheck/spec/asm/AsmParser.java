package org.lvdcheck.spec.asm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
    private static final Pattern LABEL_PREFIX = Pattern.compile("^\\s*(?:(?:[A-Za-z_.][A-Za-z0-9_.$]*|[0-9]+)\\s*:(?!=)\\s*)+");

    private final String fileName;
    private final IncludeResolver includes;

    private final Map<String, SectionBuilder> sections = new LinkedHashMap<>();
    private String section;
    private String previousSection;
    private final Deque<String> sectionStack = new ArrayDeque<>();
    private final Map<String, AsmUnit.SetSymbol> sets = new LinkedHashMap<>();
    private final Map<String, SourcePos> labels = new LinkedHashMap<>();
    private final Set<String> globals = new LinkedHashSet<>();
    private final Set<String> weaks = new LinkedHashSet<>();
    private final Map<String, Integer> numericDefs = new HashMap<>();
    private final Map<String, SourcePos> forwardRefs = new LinkedHashMap<>();
    private final Map<String, MacroDef> macros = new HashMap<>();
    private int macroCounter;
    private int dotCounter;
    private int macroDepth;
    private int includeDepth;
    private SourcePos pendingLock;

    private static final class SectionBuilder {
        final String name;
        boolean executable;
        final List<Item> items = new ArrayList<>();

        SectionBuilder(String name, boolean executable) {
            this.name = name;
            this.executable = executable;
        }
    }

    private AsmParser(String fileName, IncludeResolver includes) {
        this.fileName = fileName;
        this.includes = includes;
        this.section = ".text";
        this.previousSection = ".text";
    }

    /** Parses {@code text}, named {@code fileName} in errors; .include goes through {@code includes}. */
    public static AsmUnit parse(String fileName, String text, IncludeResolver includes) throws InputError {
        AsmParser p = new AsmParser(fileName, includes);
        p.process(Splitter.split(fileName, text));
        if (p.pendingLock != null) {
            throw new InputError(p.pendingLock, "lock prefix without an instruction");
        }
        for (Map.Entry<String, SourcePos> ref : p.forwardRefs.entrySet()) {
            if (!p.labels.containsKey(ref.getKey())) {
                String shown = ref.getKey().substring(2, ref.getKey().indexOf('\u0002')) + "f";
                throw new InputError(ref.getValue(), "undefined local label '" + shown + "'");
            }
        }
        Map<String, AsmUnit.Section> secs = new LinkedHashMap<>();
        for (SectionBuilder b : p.sections.values()) {
            secs.put(b.name, new AsmUnit.Section(b.name, b.executable, b.items));
        }
        return new AsmUnit(fileName, secs, p.sets, p.labels, p.globals, p.weaks);
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
        return new TokenCursor(l, toks, k + 1, symbolsForParse());
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
                boolean defined = labels.containsKey(t.text()) || sets.containsKey(t.text());
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
        if (macroDepth >= MAX_MACRO_DEPTH) {
            throw new InputError(at, "macros nested more than " + MAX_MACRO_DEPTH + " deep (recursive macro?)");
        }
        macroDepth++;
        try {
            process(MacroExpander.expand(def, args, macroCounter++));
        } finally {
            macroDepth--;
        }
    }

    // ------------------------------------------------------------------ statements

    private SectionBuilder current() {
        return sections.computeIfAbsent(section, n -> new SectionBuilder(n, defaultExecutable(n)));
    }

    private static boolean defaultExecutable(String name) {
        return name.equals(".text") || name.startsWith(".text.") || name.contains(".text");
    }

    private void emit(Item item) {
        current().items.add(item);
    }

    private TokenCursor.Symbols symbolsForParse() {
        return new TokenCursor.Symbols() {
            @Override
            public Expr symbol(String name, SourcePos pos) {
                AsmUnit.SetSymbol s = sets.get(name);
                // a .set symbol known here is substituted, so later redefinitions do not change this use
                if (s != null && s.value().constValue().isPresent()) {
                    return new Expr.Num(s.value().constValue().getAsLong(), pos);
                }
                return new Expr.Sym(name, pos);
            }

            @Override
            public Expr localRef(String ref, SourcePos pos) throws InputError {
                String n = ref.substring(0, ref.length() - 1);
                int defs = numericDefs.getOrDefault(n, 0);
                if (ref.endsWith("b")) {
                    if (defs == 0) {
                        throw new InputError(pos, "undefined local label '" + ref + "' (no '" + n + ":' before it)");
                    }
                    return new Expr.Sym(numericName(n, defs - 1), pos);
                }
                String name = numericName(n, defs);
                forwardRefs.putIfAbsent(name, pos);
                return new Expr.Sym(name, pos);
            }

            @Override
            public Expr dot(SourcePos pos) {
                String name = "\u0001." + dotCounter++;
                labels.put(name, pos);
                emit(new Item.LabelItem(name, pos));
                return new Expr.Sym(name, pos);
            }
        };
    }

    private static String numericName(String n, int instance) {
        return ".L" + n + "\u0002" + instance;
    }

    private void defineLabel(String name, SourcePos pos) throws InputError {
        if (name.matches("[0-9]+")) {
            int k = numericDefs.getOrDefault(name, 0);
            numericDefs.put(name, k + 1);
            name = numericName(name, k);
        } else if (labels.containsKey(name) || sets.containsKey(name)) {
            SourcePos first = labels.containsKey(name) ? labels.get(name) : sets.get(name).pos();
            throw new InputError(pos, "symbol '" + name + "' is already defined at " + first);
        }
        labels.put(name, pos);
        emit(new Item.LabelItem(name, pos));
    }

    private void statement(SourceLine l) throws InputError {
        List<Token> toks = Lexer.tokens(l);
        int k = 0;
        while (k + 1 < toks.size() && toks.get(k + 1).is(":")
                && (toks.get(k).kind() == Token.Kind.IDENT
                    || toks.get(k).kind() == Token.Kind.NUMBER && toks.get(k).text().matches("[0-9]+"))) {
            defineLabel(toks.get(k).text(), l.posAt(toks.get(k).index()));
            k += 2;
        }
        Token t = toks.get(k);
        if (t.kind() == Token.Kind.END) {
            return;
        }
        TokenCursor c = new TokenCursor(l, toks, k + 1, symbolsForParse());
        SourcePos at = l.posAt(t.index());
        if (t.kind() != Token.Kind.IDENT) {
            throw new InputError(at, "statement expected but found " + TokenCursor.describe(t));
        }
        if (c.peek().is("=")) {
            c.next();
            defineSet(t.text(), at, c, false);
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
            directive(name.toLowerCase(), at, c);
            return;
        }
        instruction(name, at, c);
    }

    private void instruction(String name, SourcePos at, TokenCursor c) throws InputError {
        SourcePos lock = pendingLock;
        pendingLock = null;
        if (name.equalsIgnoreCase("lock")) {
            if (lock != null) {
                throw new InputError(at, "duplicate lock prefix");
            }
            if (c.atEnd()) {
                pendingLock = at;
                return;
            }
            lock = at;
            Token m = c.next();
            if (m.kind() != Token.Kind.IDENT) {
                throw new InputError(c.pos(m), "instruction expected after 'lock'");
            }
            name = m.text();
            at = c.pos(m);
        }
        final String mnemonic = name;
        final SourcePos mpos = at;
        Spelling sp = Spelling.lookup(name).orElseThrow(() -> new InputError(mpos, "unknown mnemonic '" + mnemonic + "'"));
        List<Arg> args = c.operands();
        InsnTemplate t = Checker.check(sp, at, args, lock);
        int shortLen = length(t, true);
        int longLen = t.relaxable() ? length(t, false) : shortLen;
        if (!t.relaxable()) {
            shortLen = length(t, false);
            longLen = shortLen;
        }
        emit(new Item.InsnItem(t, shortLen, longLen));
    }

    /** The encoded length, from a trial encoding with placeholder values (sizes do not depend on them). */
    static int length(InsnTemplate t, boolean shortBranch) throws InputError {
        Instruction insn = Resolve.instruction(t, Resolve.PLACEHOLDER, 0);
        try {
            return Encoder.encode(insn, 0, Form.of(t, shortBranch)).length;
        } catch (EncodeException e) {
            throw new InputError(e.operand() < 0 ? t.pos() : t.args().get(e.operand()).pos(), e.getMessage());
        }
    }

    private void defineSet(String name, SourcePos at, TokenCursor c, boolean equiv) throws InputError {
        Expr e = c.expr();
        c.expectEnd();
        if (labels.containsKey(name) || equiv && sets.containsKey(name)) {
            SourcePos first = labels.containsKey(name) ? labels.get(name) : sets.get(name).pos();
            throw new InputError(at, "symbol '" + name + "' is already defined at " + first);
        }
        if (sets.containsKey(name) && sets.get(name).value().constValue().isEmpty()) {
            throw new InputError(at, "symbol '" + name + "' was set to an address at " + sets.get(name).pos()
                    + "; redefining it is not supported");
        }
        sets.put(name, new AsmUnit.SetSymbol(name, e, at));
    }

    private Token symbolName(TokenCursor c) throws InputError {
        Token t = c.next();
        if (t.kind() != Token.Kind.IDENT && t.kind() != Token.Kind.STRING) {
            throw new InputError(c.pos(t), "symbol name expected but found " + TokenCursor.describe(t));
        }
        return t;
    }

    private void directive(String d, SourcePos at, TokenCursor c) throws InputError {
        switch (d) {
            case ".text", ".data", ".bss" -> {
                c.expectEnd();
                switchTo(d);
            }
            case ".section", ".pushsection" -> {
                Token n = symbolName(c);
                String flags = null;
                if (c.accept(",")) {
                    Token f = c.next();
                    if (f.kind() != Token.Kind.STRING) {
                        throw new InputError(c.pos(f), "section flags must be a quoted string");
                    }
                    flags = f.text();
                    // the rest (@progbits, %nobits, group names) does not matter here
                }
                if (d.equals(".pushsection")) {
                    sectionStack.push(section);
                }
                switchTo(n.text());
                if (flags != null) {
                    current().executable = flags.contains("x");
                }
            }
            case ".popsection" -> {
                c.expectEnd();
                if (sectionStack.isEmpty()) {
                    throw new InputError(at, "'.popsection' without a matching '.pushsection'");
                }
                switchTo(sectionStack.pop());
            }
            case ".previous" -> {
                c.expectEnd();
                switchTo(previousSection);
            }
            case ".globl", ".global", ".weak", ".local" -> {
                do {
                    Token n = symbolName(c);
                    switch (d) {
                        case ".weak" -> weaks.add(n.text());
                        case ".local" -> {
                            globals.remove(n.text());
                            weaks.remove(n.text());
                        }
                        default -> globals.add(n.text());
                    }
                } while (c.accept(","));
                c.expectEnd();
            }
            case ".align", ".balign", ".p2align" -> align(d, at, c);
            case ".quad", ".8byte" -> data(8, c);
            case ".long", ".int", ".4byte" -> data(4, c);
            case ".word", ".short", ".2byte", ".value" -> data(2, c);
            case ".byte" -> data(1, c);
            case ".zero", ".skip", ".space" -> {
                SourcePos npos = c.pos();
                long n = c.constExpr("'" + d + "'");
                long fill = 0;
                if (!d.equals(".zero") && c.accept(",")) {
                    fill = c.constExpr("the fill value of '" + d + "'");
                }
                c.expectEnd();
                if (n < 0 || n > (1 << 24)) {
                    throw new InputError(npos, "size " + n + " out of range for '" + d + "'");
                }
                byte[] b = new byte[(int) n];
                java.util.Arrays.fill(b, (byte) fill);
                emit(new Item.BytesItem(b, at));
            }
            case ".ascii", ".asciz", ".string" -> {
                do {
                    Token s = c.next();
                    if (s.kind() != Token.Kind.STRING) {
                        throw new InputError(c.pos(s), "string expected but found " + TokenCursor.describe(s));
                    }
                    byte[] raw = s.text().getBytes(StandardCharsets.ISO_8859_1);
                    if (!d.equals(".ascii")) {
                        raw = java.util.Arrays.copyOf(raw, raw.length + 1);
                    }
                    emit(new Item.BytesItem(raw, c.pos(s)));
                } while (c.accept(","));
                c.expectEnd();
            }
            case ".set", ".equ", ".equiv" -> {
                Token n = symbolName(c);
                c.expect(",");
                defineSet(n.text(), c.pos(n), c, d.equals(".equiv"));
            }
            case ".error", ".err" -> {
                String msg = c.atEnd() ? "'.error' directive" : c.next().text();
                throw new InputError(at, msg);
            }
            case ".type", ".size", ".file", ".ident", ".code64", ".att_syntax", ".loc", ".hidden",
                    ".protected", ".internal", ".extern", ".warning", ".nops", ".noaltmacro", ".ltorg" -> {
                if (d.equals(".att_syntax") && !c.atEnd() && !c.restText().equals("prefix")) {
                    throw new InputError(c.pos(), "only '.att_syntax' and '.att_syntax prefix' are supported");
                }
                if (d.equals(".nops")) {
                    throw new InputError(at, "'.nops' is not supported");
                }
            }
            case ".code32", ".code16", ".code16gcc" -> throw new InputError(at, "only 64-bit code (.code64) is supported");
            case ".intel_syntax" -> throw new InputError(at, "only AT&T syntax is supported");
            default -> {
                if (d.startsWith(".cfi_")) {
                    return; // unwind information: no effect on execution
                }
                throw new InputError(at, "unknown directive '" + d + "'");
            }
        }
    }

    private void switchTo(String name) {
        if (!name.equals(section)) {
            previousSection = section;
        }
        section = name;
    }

    private void align(String d, SourcePos at, TokenCursor c) throws InputError {
        SourcePos npos = c.pos();
        long n = c.constExpr("'" + d + "'");
        Integer fill = null;
        int max = Integer.MAX_VALUE;
        if (c.accept(",")) {
            if (!c.peek().is(",") && !c.atEnd()) {
                fill = (int) c.constExpr("the fill value of '" + d + "'");
            }
            if (c.accept(",")) {
                SourcePos mpos = c.pos();
                long m = c.constExpr("the maximum of '" + d + "'");
                if (m < 0) {
                    throw new InputError(mpos, "negative maximum for '" + d + "'");
                }
                max = (int) Math.min(m, Integer.MAX_VALUE);
            }
        }
        c.expectEnd();
        long bytes;
        if (d.equals(".p2align")) {
            if (n < 0 || n > 30) {
                throw new InputError(npos, "alignment 2^" + n + " out of range");
            }
            bytes = 1L << n;
        } else {
            if (n <= 0 || n > (1 << 30) || Long.bitCount(n) != 1) {
                throw new InputError(npos, "alignment " + n + " is not a power of 2");
            }
            bytes = n;
        }
        emit(new Item.AlignItem((int) bytes, fill, max, at));
    }

    private void data(int width, TokenCursor c) throws InputError {
        do {
            Expr e = c.expr();
            var v = e.constValue();
            if (v.isPresent() && width < 8) {
                long x = v.getAsLong();
                long lo = -(1L << (8 * width - 1));
                long hi = (1L << (8 * width)) - 1;
                if (x < lo || x > hi) {
                    throw new InputError(e.pos(), "value 0x" + Long.toHexString(x) + " does not fit in " + width
                            + " byte" + (width == 1 ? "" : "s"));
                }
            }
            emit(new Item.DataItem(width, e, e.pos()));
        } while (c.accept(","));
        c.expectEnd();
    }
}
