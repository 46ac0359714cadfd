package org.lvdcheck.spec.asm;

import java.util.List;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/** Walks the tokens of one statement; parses expressions and AT&T operands. */
final class TokenCursor {

    /** How names in expressions become expressions while parsing (set symbols, 1f/1b, '.'). */
    interface Symbols {
        Expr symbol(String name, SourcePos pos) throws InputError;

        Expr localRef(String ref, SourcePos pos) throws InputError;

        Expr dot(SourcePos pos);

        /** A chance to fold a difference of labels already placed (GNU as does so). */
        default Expr difference(Expr.Binary minus) {
            return minus;
        }
    }

    private final SourceLine line;
    private final List<Token> tokens;
    private final Symbols symbols;
    private int k;

    TokenCursor(SourceLine line, List<Token> tokens, int start, Symbols symbols) {
        this.line = line;
        this.tokens = tokens;
        this.k = start;
        this.symbols = symbols;
    }

    SourceLine line() {
        return line;
    }

    Token peek() {
        return tokens.get(k);
    }

    Token peek(int ahead) {
        return tokens.get(Math.min(k + ahead, tokens.size() - 1));
    }

    Token next() {
        Token t = tokens.get(k);
        if (t.kind() != Token.Kind.END) {
            k++;
        }
        return t;
    }

    boolean atEnd() {
        return peek().kind() == Token.Kind.END;
    }

    SourcePos pos(Token t) {
        return line.posAt(t.index());
    }

    SourcePos pos() {
        return pos(peek());
    }

    boolean accept(String punct) {
        if (peek().is(punct)) {
            k++;
            return true;
        }
        return false;
    }

    void expect(String punct) throws InputError {
        if (!accept(punct)) {
            throw new InputError(pos(), "expected '" + punct + "' but found " + describe(peek()));
        }
    }

    void expectEnd() throws InputError {
        if (!atEnd()) {
            throw new InputError(pos(), "junk at end of statement: " + describe(peek()));
        }
    }

    /** The raw remaining text of the statement from the current token. */
    String restText() {
        return line.text().substring(peek().index()).trim();
    }

    static String describe(Token t) {
        return switch (t.kind()) {
            case END -> "end of statement";
            case REG -> "'%" + t.text() + "'";
            case STRING -> "string \"" + t.text() + "\"";
            default -> "'" + t.text() + "'";
        };
    }

    // ---- expressions (precedence as in as.info "Infix Operators") ----

    Expr expr() throws InputError {
        return logical();
    }

    private Expr logical() throws InputError {
        Expr l = additive();
        while (peek().is("&&") || peek().is("||")) {
            Token op = next();
            l = new Expr.Binary(op.text(), l, additive(), pos(op));
        }
        return l;
    }

    private Expr additive() throws InputError {
        Expr l = bitwise();
        while (true) {
            Token t = peek();
            if (t.is("+") || t.is("-") || t.is("==") || t.is("!=") || t.is("<>") || t.is("<")
                    || t.is(">") || t.is("<=") || t.is(">=")) {
                next();
                l = new Expr.Binary(t.text(), l, bitwise(), pos(t));
                if (t.is("-")) {
                    l = symbols.difference((Expr.Binary) l);
                }
            } else {
                return l;
            }
        }
    }

    private Expr bitwise() throws InputError {
        Expr l = multiplicative();
        while (peek().is("|") || peek().is("&") || peek().is("^") || peek().is("!")) {
            Token op = next();
            l = new Expr.Binary(op.text(), l, multiplicative(), pos(op));
        }
        return l;
    }

    private Expr multiplicative() throws InputError {
        Expr l = unary();
        while (peek().is("*") || peek().is("/") || peek().is("%") || peek().is("<<") || peek().is(">>")) {
            Token op = next();
            l = new Expr.Binary(op.text(), l, unary(), pos(op));
        }
        return l;
    }

    private Expr unary() throws InputError {
        Token t = peek();
        if (t.is("-") || t.is("~") || t.is("!") || t.is("+")) {
            next();
            Expr e = unary();
            // fold negative literals so "-8" stays a plain number
            if (e instanceof Expr.Num n) {
                return new Expr.Num(new Expr.Unary(t.text(), n, pos(t)).constValue().getAsLong(), pos(t));
            }
            return new Expr.Unary(t.text(), e, pos(t));
        }
        return primary();
    }

    private Expr primary() throws InputError {
        Token t = next();
        switch (t.kind()) {
            case NUMBER:
                return new Expr.Num(t.value(), pos(t));
            case LOCAL_REF:
                return symbols.localRef(t.text(), pos(t));
            case IDENT:
                if (t.text().equals(".")) {
                    return symbols.dot(pos(t));
                }
                return symbols.symbol(t.text(), pos(t));
            case PUNCT:
                if (t.text().equals("(")) {
                    Expr e = expr();
                    expect(")");
                    return e;
                }
                break;
            default:
                break;
        }
        throw new InputError(pos(t), "expression expected but found " + describe(t));
    }

    /** An expression that must be known now (.if, .rept, .align, .zero). */
    long constExpr(String what) throws InputError {
        SourcePos at = pos();
        Expr e = expr();
        return e.constValue().orElseThrow(() -> new InputError(at,
                what + " needs an absolute expression known at this point"));
    }

    // ---- AT&T operands ----

    /** One operand up to the next top-level comma or the end. */
    Arg operand() throws InputError {
        Token t = peek();
        SourcePos at = pos(t);
        if (t.is("*")) {
            next();
            Arg inner = operand();
            if (inner instanceof Arg.ImmArg || inner instanceof Arg.IndirectArg) {
                throw new InputError(inner.pos(), "indirect operand must be a register or memory");
            }
            return new Arg.IndirectArg(inner, at);
        }
        if (t.is("$")) {
            next();
            return new Arg.ImmArg(expr(), at);
        }
        if (t.kind() == Token.Kind.REG) {
            Reg r = register(t);
            next();
            if (peek().is(":")) {
                if (r.kind() != RegKind.SEGMENT) {
                    throw new InputError(at, "'%" + t.text() + "' is not a segment register");
                }
                next();
                return memory(r, at);
            }
            return new Arg.RegArg(r, at);
        }
        return memory(null, at);
    }

    Reg register(Token t) throws InputError {
        return Reg.byName(t.text()).orElseThrow(() -> new InputError(pos(t), "bad register name '%" + t.text() + "'"));
    }

    private Arg memory(Reg segment, SourcePos at) throws InputError {
        Expr disp = null;
        if (!(peek().is("(") && (peek(1).kind() == Token.Kind.REG || peek(1).is(",")))) {
            disp = expr();
        }
        if (!peek().is("(")) {
            if (disp == null) {
                throw new InputError(pos(), "operand expected but found " + describe(peek()));
            }
            return new Arg.MemArg(segment, disp, null, null, 1, segment == null, 0, at);
        }
        next();
        Reg base = null;
        Reg index = null;
        int scale = 1;
        if (peek().kind() == Token.Kind.REG) {
            Token bt = next();
            base = register(bt);
            if (base == Reg.DX && disp == null && peek().is(")")) {
                next(); // "(%dx)" is how GNU as writes the port register of in/out
                return new Arg.RegArg(Reg.DX, pos(bt));
            }
            if (base != Reg.RIP && (base.kind() != RegKind.GPR || base.width() != 8)) {
                throw new InputError(pos(bt), base.width() == 4 && base.kind() == RegKind.GPR
                        ? "32-bit address registers are not supported: use '%" + Reg.ofGpr(base.gpr(), 8).asmName() + "'"
                        : "'%" + bt.text() + "' is not a valid base register");
            }
        }
        if (accept(",")) {
            if (base == Reg.RIP) {
                throw new InputError(pos(), "%rip cannot be used with an index register");
            }
            Token it = peek();
            if (it.kind() == Token.Kind.REG) {
                next();
                index = register(it);
                if (index.kind() != RegKind.GPR || index.width() != 8) {
                    throw new InputError(pos(it), "'%" + it.text() + "' is not a valid index register");
                }
                if (index == Reg.RSP) {
                    throw new InputError(pos(it), "%rsp cannot be an index register");
                }
            } else if (!it.is(",")) {
                throw new InputError(pos(it), "index register expected but found " + describe(it));
            }
            if (accept(",")) {
                Token st = peek();
                long s = constExpr("scale factor");
                if (s != 1 && s != 2 && s != 4 && s != 8) {
                    throw new InputError(pos(st), "scale factor of " + s + " is not 1, 2, 4 or 8");
                }
                scale = (int) s;
            }
        }
        expect(")");
        if (base == null && index == null) {
            throw new InputError(at, "memory operand needs a base or an index register");
        }
        return new Arg.MemArg(segment, disp, base, index, scale, false, 0, at);
    }

    /** Comma-separated operands until the end of the statement. */
    List<Arg> operands() throws InputError {
        java.util.ArrayList<Arg> out = new java.util.ArrayList<>();
        if (atEnd()) {
            return out;
        }
        out.add(operand());
        while (accept(",")) {
            out.add(operand());
        }
        expectEnd();
        return out;
    }
}
