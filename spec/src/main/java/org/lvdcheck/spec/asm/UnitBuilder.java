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
import java.util.Set;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Builds one file's {@link AsmUnit} statement by statement: sections and their items,
 * labels and symbols, data and alignment directives, and checked instructions.
 */
final class UnitBuilder {
    private final String fileName;

    private final Map<String, SectionBuilder> sections = new LinkedHashMap<>();
    private String section;
    private String previousSection;
    private final Deque<String> sectionStack = new ArrayDeque<>();
    private final Map<String, AsmUnit.SetSymbol> sets = new LinkedHashMap<>();
    private final Map<String, SourcePos> labels = new LinkedHashMap<>();
    private final Map<String, LabelAt> labelAt = new HashMap<>();
    private final Set<String> globals = new LinkedHashSet<>();
    private final Set<String> weaks = new LinkedHashSet<>();
    private final Map<String, Integer> numericDefs = new HashMap<>();
    private final Map<String, SourcePos> forwardRefs = new LinkedHashMap<>();
    private int dotCounter;
    private SourcePos pendingLock;
    /** The macro invocations being expanded, outermost first. */
    private final List<SourcePos> macroSites = new ArrayList<>();

    private static final class SectionBuilder {
        final String name;
        boolean executable;
        final List<Item> items = new ArrayList<>();

        SectionBuilder(String name, boolean executable) {
            this.name = name;
            this.executable = executable;
        }
    }


    UnitBuilder(String fileName) {
        this.fileName = fileName;
        this.section = ".text";
        this.previousSection = ".text";
    }

    /** The finished unit; a dangling lock prefix or an undefined forward 1f is an error here. */
    AsmUnit build() throws InputError {
        if (pendingLock != null) {
            throw new InputError(pendingLock, "lock prefix without an instruction");
        }
        for (Map.Entry<String, SourcePos> ref : forwardRefs.entrySet()) {
            if (!labels.containsKey(ref.getKey())) {
                String shown = ref.getKey().substring(2, ref.getKey().indexOf('\u0002')) + "f";
                throw new InputError(ref.getValue(), "undefined local label '" + shown + "'");
            }
        }
        Map<String, AsmUnit.Section> secs = new LinkedHashMap<>();
        for (SectionBuilder b : sections.values()) {
            secs.put(b.name, new AsmUnit.Section(b.name, b.executable, b.items));
        }
        return new AsmUnit(fileName, secs, sets, labels, globals, weaks);
    }

    /** For .ifdef: a label or .set symbol defined so far. */
    boolean isDefined(String name) {
        return labels.containsKey(name) || sets.containsKey(name);
    }

    private SectionBuilder current() {
        return sections.computeIfAbsent(section, n -> new SectionBuilder(n, defaultExecutable(n)));
    }

    private static boolean defaultExecutable(String name) {
        return name.equals(".text") || name.startsWith(".text.") || name.contains(".text");
    }

    private void emit(Item item) {
        current().items.add(item);
    }

    TokenCursor.Symbols symbolsForParse() {
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
                placeLabel(name, pos);
                return new Expr.Sym(name, pos);
            }

            @Override
            public Expr difference(Expr.Binary minus) {
                return foldDifference(minus);
            }
        };
    }

    /** Where a label sits: its section and the index of its LabelItem there. */
    private record LabelAt(String section, int index) {
    }

    /** Enters the expansion of the macro invoked at {@code at}: the instructions it produces name it. */
    void enterMacro(SourcePos at) {
        macroSites.add(at);
    }

    /** Leaves the innermost expansion. */
    void leaveMacro() {
        macroSites.remove(macroSites.size() - 1);
    }

    /** How many macro expansions are open (the parser bounds the nesting). */
    int macroDepth() {
        return macroSites.size();
    }

    private void placeLabel(String name, SourcePos pos) {
        labelAt.put(name, new LabelAt(section, current().items.size()));
        emit(new Item.LabelItem(name, pos));
    }

    /**
     * GNU as resolves {@code a - b} while assembling when both labels are already placed in
     * the same section with only fixed-size contents between them (no relaxable jump, no
     * alignment); the value is then a plain number and picks short encodings.
     */
    private Expr foldDifference(Expr.Binary minus) {
        if (!(minus.left() instanceof Expr.Sym a) || !(minus.right() instanceof Expr.Sym b)) {
            return minus;
        }
        if (a.name().equals(b.name())) {
            return new Expr.Num(0, minus.pos()); // x - x is 0 wherever x ends up
        }
        LabelAt la = labelAt.get(a.name());
        LabelAt lb = labelAt.get(b.name());
        if (la == null || lb == null || !la.section().equals(lb.section())) {
            return minus;
        }
        List<Item> items = sections.get(la.section()).items;
        int from = Math.min(la.index(), lb.index());
        int to = Math.max(la.index(), lb.index());
        long size = 0;
        for (int k = from; k < to; k++) {
            Item it = items.get(k);
            if (it instanceof Item.AlignItem || it instanceof Item.InsnItem in && in.insn().relaxable()) {
                return minus;
            }
            size += it instanceof Item.InsnItem in ? in.longLength()
                    : it instanceof Item.DataItem d ? d.width()
                    : it instanceof Item.BytesItem by ? by.length() : 0;
        }
        return new Expr.Num(la.index() >= lb.index() ? size : -size, minus.pos());
    }

    private static String numericName(String n, int instance) {
        return ".L" + n + "\u0002" + instance;
    }

    void defineLabel(String name, SourcePos pos) throws InputError {
        if (name.matches("[0-9]+")) {
            int k = numericDefs.getOrDefault(name, 0);
            numericDefs.put(name, k + 1);
            name = numericName(name, k);
        } else if (labels.containsKey(name) || sets.containsKey(name)) {
            SourcePos first = labels.containsKey(name) ? labels.get(name) : sets.get(name).pos();
            throw new InputError(pos, "symbol '" + name + "' is already defined at " + first);
        }
        labels.put(name, pos);
        placeLabel(name, pos);
    }

    void instruction(String name, SourcePos at, TokenCursor c) throws InputError {
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
        Spelling sp = Spelling.lookup(name).orElseThrow(() -> new InputError(mpos, "unknown mnemonic or undefined macro '" + mnemonic + "'"));
        List<Arg> args = c.operands();
        InsnTemplate t = Checker.check(sp, at, args, lock);
        int longLen = length(t, false);
        int shortLen = t.relaxable() ? 2 : longLen; // EB cb / 70+cc cb (SDM "JMP", "Jcc")
        emit(new Item.InsnItem(t, shortLen, longLen, List.copyOf(macroSites)));
    }

    /** The encoded length, from a trial encoding with provisional symbol values (sizes do not depend on them). */
    static int length(InsnTemplate t, boolean shortBranch) throws InputError {
        Instruction insn = Resolve.instruction(t, Resolve.TRIAL_VALUES, 0);
        try {
            return Encoder.encode(insn, 0, Form.of(t, shortBranch)).length;
        } catch (EncodeException e) {
            throw new InputError(e.operand() < 0 ? t.pos() : t.args().get(e.operand()).pos(), e.getMessage());
        }
    }

    void defineSet(String name, SourcePos at, TokenCursor c, boolean equiv) throws InputError {
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

    void directive(String d, SourcePos at, TokenCursor c) throws InputError {
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
