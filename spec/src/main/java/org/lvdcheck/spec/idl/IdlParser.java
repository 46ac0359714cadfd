package org.lvdcheck.spec.idl;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ListTokenSource;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.idl.D4Parser.*;

/**
 * Parses a D4 IDL file (LVD-AS-BUILT.md §5.2) into an {@link IdlFile}. Every mistake is
 * an {@link InputError} at the exact file:line:column of the offending token; the
 * first one wins.
 */
public final class IdlParser {
    /** Deeper bracket nesting than this is refused before parsing, so no input can exhaust the stack. */
    static final int MAX_NESTING = 100;

    private final String file;

    private IdlParser(String file) {
        this.file = file;
    }

    public static IdlFile parse(Path path) throws InputError {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InputError(new SourcePos(path.toString(), 1, 1), "file is not UTF-8 text");
        } catch (IOException e) {
            throw new InputError(new SourcePos(path.toString(), 1, 1), "cannot read file: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    public static IdlFile parse(String fileName, String text) throws InputError {
        return new IdlParser(fileName).run(text);
    }

    private IdlFile run(String text) throws InputError {
        IdlSyntaxErrors lexical = IdlSyntaxErrors.recording(file);
        D4Lexer lexer = new D4Lexer(CharStreams.fromString(text, file));
        lexer.removeErrorListeners();
        lexer.addErrorListener(lexical);
        List<Token> lexed = lexUpToFirstError(lexer, lexical);
        checkNesting(lexed);
        CommonTokenStream tokens = new CommonTokenStream(new ListTokenSource(lexed, file));
        InputError lexError = lexical.first();
        try {
            // Two-stage parse (the ANTLR 4 book, 13.7): the fast SLL prediction settles
            // every valid D4 file we know; only if it gives up does the full LL parse run,
            // which also reports the first error exactly.
            D4Parser parser = new D4Parser(tokens);
            parser.removeErrorListeners();
            parser.setErrorHandler(new BailErrorStrategy());
            parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
            FileContext tree;
            try {
                tree = parser.file();
            } catch (ParseCancellationException sllGaveUp) {
                tokens.seek(0);
                parser = new D4Parser(tokens);
                parser.removeErrorListeners();
                parser.addErrorListener(IdlSyntaxErrors.throwing(file));
                tree = parser.file();
            }
            if (lexError != null) {
                throw lexError;
            }
            return build(tree);
        } catch (IdlSyntaxErrors.Abort abort) {
            // The token stream ends where the lexer failed: a syntax error there or later
            // is that lexical error; one before it comes first.
            throw lexError != null && !before(abort.error.pos(), lexError.pos()) ? lexError : abort.error;
        }
    }

    /**
     * The tokens before the first lexical error, then an end-of-file token at that error
     * (or at the real end), so that the parser can still report an earlier syntax error.
     */
    private static List<Token> lexUpToFirstError(D4Lexer lexer, IdlSyntaxErrors lexical) {
        List<Token> out = new ArrayList<>();
        while (true) {
            Token t = lexer.nextToken();
            InputError error = lexical.first();
            if (error != null) {
                CommonToken eof = new CommonToken(Token.EOF, "<EOF>");
                eof.setLine(error.pos().line());
                eof.setCharPositionInLine(error.pos().column() - 1);
                out.add(eof);
                return out;
            }
            out.add(t);
            if (t.getType() == Token.EOF) {
                return out;
            }
        }
    }

    private static boolean before(SourcePos a, SourcePos b) {
        return a.line() < b.line() || (a.line() == b.line() && a.column() < b.column());
    }

    private void checkNesting(List<Token> tokens) throws InputError {
        int depth = 0;
        for (Token t : tokens) {
            switch (t.getType()) {
                case D4Lexer.LBRACE, D4Lexer.LPAREN, D4Lexer.LBRACK, D4Lexer.LANGLE -> {
                    if (++depth > MAX_NESTING) {
                        throw new InputError(pos(t), "brackets nested deeper than " + MAX_NESTING);
                    }
                }
                case D4Lexer.RBRACE, D4Lexer.RPAREN, D4Lexer.RBRACK, D4Lexer.RANGLE -> depth = Math.max(0, depth - 1);
                default -> { }
            }
        }
    }

    private SourcePos pos(Token t) {
        return new SourcePos(file, Math.max(1, t.getLine()), Math.max(0, t.getCharPositionInLine()) + 1);
    }

    private Where where(ParserRuleContext ctx) {
        return new Where(pos(ctx.getStart()));
    }

    private Where where(IdentContext ident) {
        return new Where(pos(ident.getStart()));
    }

    private IdlFile build(FileContext ctx) throws InputError {
        if (ctx instanceof DriverFileContext d) {
            List<String> before = new ArrayList<>();
            List<String> after = new ArrayList<>();
            int driverAt = d.driverDef().getStart().getTokenIndex();
            for (IncludeStmtContext inc : d.includeStmt()) {
                String path = unwrap(inc.PATH().getText());
                (inc.getStart().getTokenIndex() < driverAt ? before : after).add(path);
            }
            DriverDefContext dd = d.driverDef();
            List<String> imports = new ArrayList<>();
            for (ImportStmtContext im : dd.importStmt()) {
                imports.add(im.ident().getText());
            }
            return new IdlFile(file, before, new DriverDef(dd.ident().getText(), imports, where(dd.ident())), after,
                    List.of());
        }
        List<ModuleDef> modules = new ArrayList<>();
        for (ModuleDefContext m : ((ModuleFileContext) ctx).moduleDef()) {
            List<ModuleItem> items = new ArrayList<>();
            for (ModuleItemContext item : m.moduleItem()) {
                items.add(moduleItem(item));
            }
            modules.add(new ModuleDef(m.ident().getText(), items, where(m.ident())));
        }
        return new IdlFile(file, List.of(), null, List.of(), modules);
    }

    private static String unwrap(String delimited) {
        return delimited.substring(1, delimited.length() - 1);
    }

    private ModuleItem moduleItem(ModuleItemContext ctx) throws InputError {
        if (ctx.headerStmt() != null) {
            HeaderStmtContext h = ctx.headerStmt();
            boolean quoted = h.STRING() != null;
            return new HeaderStmt(unwrap((quoted ? h.STRING() : h.PATH()).getText()), quoted, where(h));
        }
        if (ctx.projectionDef() != null) {
            return projection(ctx.projectionDef());
        }
        if (ctx.rpcDef() != null) {
            return rpc(ctx.rpcDef());
        }
        if (ctx.globalDef() != null) {
            GlobalDefContext g = ctx.globalDef();
            return new GlobalDef(type(g.typeSpec()), g.ident().getText(), rpcItems(g.rpcItem()), where(g.ident()));
        }
        return lock(ctx.lockDef());
    }

    private LockDef lock(LockDefContext ctx) {
        return new LockDef(ctx.ATOMIC_LOCK() != null, ctx.ident().getText(), where(ctx.ident()));
    }

    private ProjectionDef projection(ProjectionDefContext ctx) throws InputError {
        List<ProjField> fields = new ArrayList<>();
        for (ProjFieldContext f : ctx.projField()) {
            if (f instanceof PlainFieldContext pf) {
                fields.add(new ProjField.Field(varDecl(pf.varDecl()), -1));
            } else if (f instanceof BitFieldContext bf) {
                fields.add(new ProjField.Field(varDecl(bf.varDecl()), bitWidth(bf.NUMBER().getSymbol())));
            } else if (f instanceof LockScopeContext ls) {
                List<String> names = new ArrayList<>();
                for (IdentContext id : ls.ident().subList(1, ls.ident().size())) {
                    names.add(id.getText());
                }
                fields.add(new ProjField.LockScope(ls.ident(0).getText(), names, where(ls.ident(0))));
            } else {
                fields.add(new ProjField.Lock(lock(((FieldLockContext) f).lockDef())));
            }
        }
        List<IdentContext> ids = ctx.ident();
        return new ProjectionDef(ctx.UNION() != null, ids.get(0).getText(), ids.get(1).getText(), fields,
                where(ids.get(1)));
    }

    private int bitWidth(Token number) throws InputError {
        BigInteger n = new BigInteger(number.getText());
        if (n.compareTo(BigInteger.valueOf(64)) > 0) {
            throw new InputError(pos(number), "bitfield width " + number.getText() + " is wider than 64 bits");
        }
        return n.intValue();
    }

    private RpcDef rpc(RpcDefContext ctx) throws InputError {
        RpcKind kind = ctx.RPC() != null ? RpcKind.RPC : ctx.RPC_PTR() != null ? RpcKind.RPC_PTR : RpcKind.RPC_EXPORT;
        List<VarDecl> args = new ArrayList<>();
        for (VarDeclContext v : ctx.varDecl()) {
            args.add(varDecl(v));
        }
        return new RpcDef(kind, type(ctx.typeSpec()), ctx.ident().getText(), args, rpcItems(ctx.rpcItem()),
                where(ctx.ident()));
    }

    private List<RpcItem> rpcItems(List<RpcItemContext> ctxs) throws InputError {
        List<RpcItem> items = new ArrayList<>();
        for (RpcItemContext item : ctxs) {
            items.add(item.projectionDef() != null ? projection(item.projectionDef()) : rpc(item.rpcDef()));
        }
        return items;
    }

    private VarDecl varDecl(VarDeclContext ctx) throws InputError {
        return new VarDecl(type(ctx.typeSpec()), ctx.ident().getText(), where(ctx.ident()));
    }

    private TypeSpec type(TypeSpecContext ctx) throws InputError {
        List<Indirection> stars = new ArrayList<>();
        for (IndirectionContext ind : ctx.indirection()) {
            List<PtrAttr> attrs = new ArrayList<>();
            if (ind.ptrAttrs() != null) {
                for (PtrAttrContext a : ind.ptrAttrs().ptrAttr()) {
                    attrs.add(ptrAttr(a));
                }
            }
            stars.add(new Indirection(attrs, ind.CONST() != null));
        }
        List<ValAttr> vals = new ArrayList<>();
        if (ctx.valAttrs() != null) {
            for (ValAttrContext v : ctx.valAttrs().valAttr()) {
                vals.add(valAttr(v.getStart()));
            }
        }
        return new TypeSpec(ctx.CONST() != null, ctx.VOLATILE() != null, stem(ctx.typeStem()), stars, vals);
    }

    private static ValAttr valAttr(Token t) {
        return switch (t.getType()) {
            case D4Lexer.IN -> ValAttr.IN;
            case D4Lexer.OUT -> ValAttr.OUT;
            default -> ValAttr.UNUSED;
        };
    }

    private TypeStem stem(TypeStemContext ctx) throws InputError {
        if (ctx instanceof ArrayStemContext a) {
            return new TypeStem.Array(type(a.typeSpec()), arraySize(a.arraySize()));
        }
        if (ctx instanceof StringStemContext) {
            return new TypeStem.Str();
        }
        if (ctx instanceof RpcPtrStemContext r) {
            return new TypeStem.RpcPtrRef(r.ident().getText(), where(r.ident()));
        }
        if (ctx instanceof ProjectionStemContext p) {
            return new TypeStem.ProjRef(p.ident().getText(), where(p.ident()));
        }
        if (ctx instanceof PrimitiveStemContext p) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < p.primitive().getChildCount(); i++) {
                words.add(p.primitive().getChild(i).getText());
            }
            return new TypeStem.Prim(Primitive.bySpelling(String.join(" ", words)));
        }
        if (ctx instanceof CastedStemContext c) {
            return new TypeStem.Casted(type(c.typeSpec(0)), type(c.typeSpec(1)));
        }
        return new TypeStem.Void();
    }

    private static ArraySize arraySize(ArraySizeContext ctx) {
        if (ctx.NUMBER() != null) {
            return new ArraySize.Fixed(new BigInteger(ctx.NUMBER().getText()));
        }
        if (ctx.NULL_KW() != null) {
            return new ArraySize.NullTerminated();
        }
        return new ArraySize.Verbatim(verbatim(ctx.VERBATIM().getText()));
    }

    private static String verbatim(String token) {
        return token.substring(2, token.length() - 2);
    }

    private PtrAttr ptrAttr(PtrAttrContext ctx) {
        if (ctx instanceof DirAttrContext d) {
            return new PtrAttr.Dir(valAttr(d.getStart()));
        }
        if (ctx instanceof OwnAttrContext o) {
            OwnershipKind kind = switch (o.getStart().getType()) {
                case D4Lexer.ALLOC_ONCE -> OwnershipKind.ALLOC_ONCE;
                case D4Lexer.ALLOC_STACK -> OwnershipKind.ALLOC_STACK;
                case D4Lexer.ALLOC -> OwnershipKind.ALLOC;
                case D4Lexer.DEALLOC -> OwnershipKind.DEALLOC;
                case D4Lexer.BIND -> OwnershipKind.BIND;
                default -> OwnershipKind.IOREMAP;
            };
            return new PtrAttr.Ownership(kind, side(o.side()), null, null);
        }
        if (ctx instanceof SizedAllocAttrContext s) {
            String flags = s.VERBATIM().size() > 1 ? verbatim(s.VERBATIM(1).getText()) : null;
            return new PtrAttr.Ownership(OwnershipKind.ALLOC, side(s.side()), verbatim(s.VERBATIM(0).getText()), flags);
        }
        if (ctx instanceof MemberOfAttrContext m) {
            List<String> path = new ArrayList<>();
            for (IdentContext id : m.identDot().ident()) {
                path.add(id.getText());
            }
            return new PtrAttr.MemberOf(m.ident().getText(), path, side(m.side()));
        }
        if (ctx instanceof SharedAttrContext s) {
            return new PtrAttr.Shared(s.ident().getText());
        }
        if (ctx instanceof WithinAttrContext w) {
            return new PtrAttr.Within(verbatim(w.VERBATIM(0).getText()), verbatim(w.VERBATIM(1).getText()));
        }
        return new PtrAttr.User(verbatim(((UserAttrContext) ctx).VERBATIM().getText()));
    }

    private static Side side(SideContext ctx) {
        return ctx.CALLER() != null ? Side.CALLER : Side.CALLEE;
    }
}
