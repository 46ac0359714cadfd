package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

class IdlParserTest {
    static List<String> files() {
        return IdlResources.FILES;
    }

    @ParameterizedTest
    @MethodSource("files")
    void printerRoundTripsEveryTestFile(String name) throws InputError {
        IdlFile first = IdlParser.parse(name, IdlResources.read(name));
        String printed = IdlPrinter.print(first);
        IdlFile second = IdlParser.parse(name, printed);
        assertEquals(first, second, () -> "round trip changed the tree of " + name + ":\n" + printed);
        assertEquals(printed, IdlPrinter.print(second), "printing is not stable for " + name);
    }

    @Test
    void pointerAttributesFollowTheStemAndValueAttributesTheLastStar() throws InputError {
        IdlFile f = IdlParser.parse("t.idl", "module m { rpc void f(const projection ops [alloc(caller)]* [out] o,"
                + " u8* [out] bytes) {} }");
        RpcDef rpc = (RpcDef) f.modules().get(0).items().get(0);
        TypeSpec ops = rpc.args().get(0).type();
        assertTrue(ops.isConst());
        assertEquals(List.of(new PtrAttr.Ownership(OwnershipKind.ALLOC, Side.CALLER, null, null)),
                ops.indirections().get(0).attrs());
        assertEquals(List.of(ValAttr.OUT), ops.valAttrs());
        TypeSpec bytes = rpc.args().get(1).type();
        assertEquals(new TypeStem.Prim(Primitive.U8), bytes.stem());
        assertEquals(1, bytes.indirections().size());
        assertEquals(List.of(ValAttr.OUT), bytes.valAttrs());
    }

    @Test
    void keywordsAreNamesAndNeedNoBlankBeforePunctuation() throws InputError {
        IdlFile f = IdlParser.parse("t.idl", "module m{rpc u8*in(projection dev[alloc(callee)]*driver){"
                + "projection<struct d>dev{int in;u32 out:3;}}}");
        RpcDef rpc = (RpcDef) f.modules().get(0).items().get(0);
        assertEquals("in", rpc.name());
        assertEquals("driver", rpc.args().get(0).name());
        ProjectionDef p = (ProjectionDef) rpc.items().get(0);
        assertEquals(new ProjField.Field(new VarDecl(new TypeSpec(false, false, new TypeStem.Prim(Primitive.U32),
                List.of(), List.of()), "out", new Where(new SourcePos("x", 1, 1))), 3), p.fields().get(1));
    }

    @Test
    void nestedArraysAndVerbatimSizesKeepTheirText() throws InputError {
        IdlFile f = IdlParser.parse("t.idl", "module m { projection <struct s> p { array<array<char, 8>, 8> t;"
                + " array<u32, {{ptr->arr_len}}> a; } }");
        ProjectionDef p = (ProjectionDef) f.modules().get(0).items().get(0);
        TypeStem.Array outer = (TypeStem.Array) ((ProjField.Field) p.fields().get(0)).decl().type().stem();
        assertInstanceOf(TypeStem.Array.class, outer.element().stem());
        TypeStem.Array dyn = (TypeStem.Array) ((ProjField.Field) p.fields().get(1)).decl().type().stem();
        assertEquals(new ArraySize.Verbatim("ptr->arr_len"), dyn.size());
    }

    @Test
    void driverFileKeepsIncludesOnBothSides() throws InputError {
        IdlFile f = IdlParser.parse("driver.idl", IdlResources.read("driver.idl"));
        assertTrue(f.isDriverFile());
        assertEquals(List.of("kernel.idl", "pci.idl"), f.includesBefore());
        assertEquals(List.of("late.idl"), f.includesAfter());
        assertEquals(List.of("kernel", "pci"), f.driver().imports());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // input | line:col | message fragment
        "module m { rpc void f() {} | 1:27 | unexpected end of file",
        "module m {\\n  rpc void f(int) {}\\n} | 2:17 | unexpected ')'",
        "module m { projection <class x> y {} } | 1:24 | unexpected 'class'",
        "module m { rpc void f(u8 * [alloc(owner)] x) {} } | 1:35 | unexpected 'owner'",
        "module m { rpc int @f() {} } | 1:20 | unexpected character '@'",
        "module m {\\n\\trpc void f(float x) {}\\n} | 2:13 | unexpected 'float'",
        "module m { projection <struct s> p { int x : 65; } } | 1:46 | wider than 64 bits",
        "/* never closed\\nmodule m {} | 1:1 | unterminated comment",
        "module m { header <a.h> } | 1:25 | unexpected '}'",
        "module m { } module | 1:20 | unexpected end of file",
        "| 1:1 | unexpected end of file",
        // The first error wins, whether the lexer or the parser finds it.
        "module m { rpc void f(long [in][out] x) {} }\\n@ | 1:32 | unexpected '['",
        "module m { rpc void f(int x) {} }\\nmodule n { @ } | 2:12 | unexpected character '@'",
        "module m { } @ | 1:14 | unexpected character '@'",
        "module m { rpc void f(array<u8, var_len> x) {} } | 1:33 | unexpected 'var_len'",
    })
    void errorsNameTheOffendingToken(String input, String at, String fragment) {
        String text = input == null ? "" : input.replace("\\n", "\n").replace("\\t", "\t");
        InputError e = assertThrows(InputError.class, () -> IdlParser.parse("bad.idl", text));
        assertEquals("bad.idl:" + at, e.pos().toString(), e.getMessage());
        assertTrue(e.detail().contains(fragment), e.getMessage());
    }

    @Test
    void withinNamesTheBaseObjectAndSizeAndIsAlsoAName() throws InputError {
        IdlFile f = IdlParser.parse("t.idl", "module m { rpc void f(projection p [within<{{base}}, {{sizeof(*base)}}>] *within)"
                + " { projection <struct s> p { casted<void *, projection p [within<{{ptr}},{{8}}>]*> area; } } }");
        RpcDef rpc = (RpcDef) f.modules().get(0).items().get(0);
        VarDecl arg = rpc.args().get(0);
        assertEquals("within", arg.name());
        assertEquals(List.of(new PtrAttr.Within("base", "sizeof(*base)")), arg.type().indirections().get(0).attrs());
        assertTrue(IdlPrinter.print(f).contains("[within<{{base}}, {{sizeof(*base)}}>]* within"), IdlPrinter.print(f));
        ProjectionDef p = (ProjectionDef) rpc.items().get(0);
        TypeStem.Casted area = (TypeStem.Casted) ((ProjField.Field) p.fields().get(0)).decl().type().stem();
        assertEquals(List.of(new PtrAttr.Within("ptr", "8")), area.real().indirections().get(0).attrs());
    }

    @Test
    void deepNestingIsRefusedWithAPosition() {
        String deep = "module m { rpc void f(" + "array<".repeat(500) + "int" + ", 1>".repeat(500) + " x) {} }";
        InputError e = assertThrows(InputError.class, () -> IdlParser.parse("deep.idl", deep));
        assertEquals(1, e.pos().line());
        assertTrue(e.detail().contains("nested deeper"), e.getMessage());
    }

    @Test
    void hugeNumbersDoNotOverflow() throws InputError {
        IdlFile f = IdlParser.parse("t.idl", "module m { projection <struct s> p { array<int, 99999999999999999999999> a; } }");
        assertEquals(1, f.modules().size());
    }
}
