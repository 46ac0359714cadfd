/*
 * The D4 dialect of the LVD interface definition language (idlc 2021-22,
 * ksplit/idlc source/parser/idl.peg), as paraphrased in LVD-AS-BUILT.md §5.2.
 * Written for lvdcheck; docs/IDL.md describes what it accepts and why.
 *
 * The original is a PEG whose keywords are plain string matches. Two consequences
 * matter for real files and are kept here: no blank is needed between a keyword or
 * identifier and punctuation ("u8*", "projection dev [alloc(callee)] *dev"), and
 * every keyword may also be used as a name ("int in;", "projection device driver;"),
 * which the rule 'ident' allows.
 */
grammar D4;

// PATH ('<linux/x.h>') is made by the lexer's nextToken() from '<' after include or header.
tokens { PATH }

@lexer::members {
    // A '<...>' path is only a token right after 'include' or 'header': elsewhere '<'
    // opens array<>, casted<>, projection<> and must stay a single token. This is done
    // here rather than with a lexer predicate, which would stop ANTLR from caching the
    // lexer's DFA and make lexing an order of magnitude slower.
    private int lastSignificant = -1;

    @Override
    public org.antlr.v4.runtime.Token nextToken() {
        org.antlr.v4.runtime.Token t = super.nextToken();
        if (t.getType() == LANGLE && (lastSignificant == INCLUDE || lastSignificant == HEADER)) {
            t = pathFrom(t);
        }
        if (t.getChannel() == org.antlr.v4.runtime.Token.DEFAULT_CHANNEL) {
            lastSignificant = t.getType();
        }
        return t;
    }

    /** Extends a '<' to a PATH up to the next '>' on the same line; leaves it alone if there is none. */
    private org.antlr.v4.runtime.Token pathFrom(org.antlr.v4.runtime.Token open) {
        int start = open.getStartIndex();
        int i = start + 1;
        while (true) {
            int c = _input.LA(i - _input.index() + 1);
            if (c == org.antlr.v4.runtime.IntStream.EOF || c == '\n' || c == '\r') {
                return open;
            }
            if (c == '>') {
                break;
            }
            i++;
        }
        if (i == start + 1) {
            return open;
        }
        int length = i - start + 1;
        _input.seek(i + 1);
        getInterpreter().setCharPositionInLine(open.getCharPositionInLine() + length);
        org.antlr.v4.runtime.CommonToken path = new org.antlr.v4.runtime.CommonToken(_tokenFactorySourcePair, D4Parser.PATH,
                org.antlr.v4.runtime.Token.DEFAULT_CHANNEL, start, i);
        path.setLine(open.getLine());
        path.setCharPositionInLine(open.getCharPositionInLine());
        return path;
    }
}

file
    : includeStmt* driverDef includeStmt* EOF   # driverFile
    | moduleDef+ EOF                             # moduleFile
    ;

includeStmt : INCLUDE PATH ';' ;

driverDef : DRIVER ident '{' importStmt* '}' ;

importStmt : IMPORT ident ';' ;

moduleDef : MODULE ident '{' moduleItem* '}' ;

moduleItem
    : headerStmt
    | projectionDef
    | rpcDef
    | globalDef
    | lockDef
    ;

headerStmt : HEADER (PATH | STRING) ';' ;

projectionDef : PROJECTION '<' (STRUCT | UNION) ident '>' ident '{' projField* '}' ;

projField
    : varDecl ';'                          # plainField
    | varDecl ':' NUMBER ';'               # bitField
    | ident '{' ident (',' ident)* '}'     # lockScope
    | lockDef                              # fieldLock
    ;

lockDef : (SPINLOCK | ATOMIC_LOCK) ident ';' ;

globalDef : GLOBAL typeSpec ident '{' rpcItem* '}' ;

rpcDef : (RPC | RPC_PTR | RPC_EXPORT) typeSpec ident '(' (varDecl (',' varDecl)*)? ')' '{' rpcItem* '}' ;

rpcItem
    : projectionDef
    | rpcDef
    ;

varDecl : typeSpec ident ;

typeSpec : CONST? VOLATILE? typeStem indirection* valAttrs? ;

indirection : ptrAttrs? '*' CONST? ;

typeStem
    : ARRAY '<' typeSpec ',' arraySize '>'           # arrayStem
    | STRING_KW                                      # stringStem
    | RPC_PTR ident                                  # rpcPtrStem
    | PROJECTION ident                               # projectionStem
    | primitive                                      # primitiveStem
    | CASTED '<' typeSpec ',' typeSpec '>'           # castedStem
    | VOID                                           # voidStem
    ;

arraySize : NUMBER | NULL_KW | VERBATIM ;

primitive
    : UNSIGNED LONG LONG
    | LONG LONG UNSIGNED INT
    | LONG LONG
    | UNSIGNED LONG
    | LONG UNSIGNED INT
    | UNSIGNED INT
    | UNSIGNED SHORT
    | UNSIGNED CHAR
    | SIGNED CHAR
    | SHORT
    | LONG
    | INT
    | CHAR
    | BOOL
    | S64 | S32 | S16 | S8 | U64 | U32 | U16 | U8
    ;

valAttrs : '[' valAttr (',' valAttr)* ']' ;

valAttr : IN | OUT | UNUSED ;

ptrAttrs : '[' ptrAttr (',' ptrAttr)* ']' ;

ptrAttr
    : (IN | OUT | UNUSED)                                                   # dirAttr
    | (ALLOC_ONCE | ALLOC_STACK | ALLOC | DEALLOC | BIND | IOREMAP) '(' side ')'  # ownAttr
    | ALLOC '<' VERBATIM (',' VERBATIM)? '>' '(' side ')'                  # sizedAllocAttr
    | BIND_MEMBEROF '<' STRUCT ident ',' identDot '>' '(' side ')'          # memberOfAttr
    | SHARED '<' ident '>'                                                  # sharedAttr
    | USER '<' VERBATIM '>'                                                 # userAttr
    | WITHIN '<' VERBATIM ',' VERBATIM '>'                                  # withinAttr
    ;

side : CALLER | CALLEE ;

identDot : ident ('.' ident)* ;

ident
    : IDENT
    | MODULE | DRIVER | INCLUDE | IMPORT | HEADER | PROJECTION | STRUCT | UNION
    | RPC | RPC_PTR | RPC_EXPORT | GLOBAL | SPINLOCK | ATOMIC_LOCK | CONST | VOLATILE
    | VOID | STRING_KW | ARRAY | NULL_KW | CASTED | IN | OUT | UNUSED | ALLOC
    | ALLOC_ONCE | ALLOC_STACK | DEALLOC | BIND | BIND_MEMBEROF | IOREMAP | SHARED
    | USER | WITHIN | CALLER | CALLEE | UNSIGNED | SIGNED | LONG | SHORT | INT | CHAR | BOOL
    | S64 | S32 | S16 | S8 | U64 | U32 | U16 | U8
    ;

MODULE : 'module' ;
DRIVER : 'driver' ;
INCLUDE : 'include' ;
IMPORT : 'import' ;
HEADER : 'header' ;
PROJECTION : 'projection' ;
STRUCT : 'struct' ;
UNION : 'union' ;
RPC : 'rpc' ;
RPC_PTR : 'rpc_ptr' ;
RPC_EXPORT : 'rpc_export' ;
GLOBAL : 'global' ;
SPINLOCK : 'spinlock' ;
ATOMIC_LOCK : 'atomic_lock' ;
CONST : 'const' ;
VOLATILE : 'volatile' ;
VOID : 'void' ;
STRING_KW : 'string' ;
ARRAY : 'array' ;
NULL_KW : 'null' ;
CASTED : 'casted' ;
IN : 'in' ;
OUT : 'out' ;
UNUSED : 'unused' ;
ALLOC : 'alloc' ;
ALLOC_ONCE : 'alloc_once' ;
ALLOC_STACK : 'alloc_stack' ;
DEALLOC : 'dealloc' ;
BIND : 'bind' ;
BIND_MEMBEROF : 'bind_memberof' ;
IOREMAP : 'ioremap' ;
SHARED : 'shared' ;
USER : 'user' ;
WITHIN : 'within' ;
CALLER : 'caller' ;
CALLEE : 'callee' ;
UNSIGNED : 'unsigned' ;
SIGNED : 'signed' ;
LONG : 'long' ;
SHORT : 'short' ;
INT : 'int' ;
CHAR : 'char' ;
BOOL : 'bool' ;
S64 : 's64' ;
S32 : 's32' ;
S16 : 's16' ;
S8 : 's8' ;
U64 : 'u64' ;
U32 : 'u32' ;
U16 : 'u16' ;
U8 : 'u8' ;

STRING : '"' ~["\r\n]* '"' ;
// An opaque C expression; the original forbids braces inside it.
VERBATIM : '{{' ~[{}]* '}}' ;

IDENT : [A-Za-z_] [A-Za-z0-9_]* ;
NUMBER : [0-9]+ ;

LBRACE : '{' ;
RBRACE : '}' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;
LANGLE : '<' ;
RANGLE : '>' ;
STAR : '*' ;
SEMI : ';' ;
COMMA : ',' ;
COLON : ':' ;
DOT : '.' ;

LINE_COMMENT : '//' ~[\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS : [ \t\r\n]+ -> channel(HIDDEN) ;
