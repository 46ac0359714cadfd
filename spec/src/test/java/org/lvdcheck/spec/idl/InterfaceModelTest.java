package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lvdcheck.spec.InputError;

class InterfaceModelTest {
    static List<String> files() {
        return IdlResources.FILES;
    }

    private static InterfaceModel model(String text) throws InputError {
        return InterfaceModel.of(IdlParser.parse("t.idl", text));
    }

    private static Fact.FieldAccess driver(String container, String member, Access access, MemberKind kind) {
        return new Fact.FieldAccess(container, member, Domain.DRIVER, access, kind);
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyTestFileResolves(String name) throws InputError {
        InterfaceModel m = InterfaceModel.of(IdlParser.parse(name, IdlResources.read(name)));
        assertEquals(m.file().isDriverFile(), m.rpcTable().isEmpty(), name);
    }

    @Test
    void rpcTableNumbersRpcsPerModuleInDeclarationOrder() throws InputError {
        InterfaceModel m = InterfaceModel.of(IdlParser.parse("minimal.idl", IdlResources.read("minimal.idl")));
        List<RpcEntry> t = m.rpcTable("kernel");
        assertEquals(List.of("setup", "submit", "complete_request", "register_target"),
                t.stream().map(RpcEntry::name).toList());
        assertEquals(List.of(0, 1, 2, 3), t.stream().map(RpcEntry::id).toList());
        assertEquals(CallDirection.KERNEL_TO_DRIVER, t.get(0).direction());
        assertEquals(CallDirection.DRIVER_TO_KERNEL, t.get(3).direction());
        assertEquals(Direction.IN, t.get(0).params().get(1).direction());
        assertEquals("unsigned int", t.get(0).params().get(1).type());
    }

    @Test
    void nestedRpcPtrsAreNumberedWhereTheyAreWrittenAndEachModuleStartsAtZero() throws InputError {
        InterfaceModel m = model("module a { rpc void f(rpc_ptr g cb) { rpc_ptr void g(int x) {} } rpc void h() {} }"
                + " module b { rpc_ptr void k() {} }");
        assertEquals(List.of("f", "f.g", "h"), m.rpcTable("a").stream().map(RpcEntry::scopedName).toList());
        assertEquals(List.of(0, 1, 2), m.rpcTable("a").stream().map(RpcEntry::id).toList());
        assertEquals(0, m.rpcTable("b").get(0).id());
    }

    @Test
    void argumentsDefaultToInAndReturnsToOut() throws InputError {
        InterfaceModel m = model("module k { rpc projection r *get(projection a *x) {"
                + " projection <struct obj> a { int in_field; }"
                + " projection <struct ret> r { int out_field; } } }");
        // The driver calls: an [in] field is the driver's value written into the kernel's object...
        assertTrue(m.facts().containsKey(driver("struct obj", "in_field", Access.WRITE, MemberKind.SCALAR)));
        assertFalse(m.facts().containsKey(driver("struct obj", "in_field", Access.READ, MemberKind.SCALAR)));
        // ...and an [out] one the kernel's value copied to the driver.
        assertTrue(m.facts().containsKey(driver("struct ret", "out_field", Access.READ, MemberKind.SCALAR)));
        assertFalse(m.facts().containsKey(driver("struct ret", "out_field", Access.WRITE, MemberKind.SCALAR)));
    }

    @Test
    void kernelCallsReverseWhoReadsAndWhoWrites() throws InputError {
        InterfaceModel m = model("module k { rpc_ptr void cb(projection a *x) {"
                + " projection <struct obj> a { int f; projection a *next; } } }");
        assertTrue(m.facts().containsKey(driver("struct obj", "f", Access.READ, MemberKind.SCALAR)));
        assertTrue(m.facts().containsKey(driver("struct obj", "next", Access.READ, MemberKind.POINTER)));
        assertFalse(m.facts().containsKey(driver("struct obj", "next", Access.WRITE, MemberKind.POINTER)));
    }

    @Test
    void anAttributeBeforeAStarDirectsEverythingBelowIt() throws InputError {
        InterfaceModel m = model("module k { rpc_ptr void cb(projection a [out] *x) {"
                + " projection <struct obj> a { projection c *child; int [in] pinned; }"
                + " projection <struct child> c { int deep; } } }");
        assertTrue(m.facts().containsKey(driver("struct child", "deep", Access.WRITE, MemberKind.SCALAR)));
        assertTrue(m.facts().containsKey(driver("struct obj", "child", Access.WRITE, MemberKind.POINTER)));
        assertTrue(m.facts().containsKey(driver("struct obj", "pinned", Access.READ, MemberKind.SCALAR)));
        assertFalse(m.facts().containsKey(driver("struct obj", "pinned", Access.WRITE, MemberKind.SCALAR)));
        ProjectionInstance inst = m.projections().get(0);
        assertEquals("a__out", inst.instanceName());
        assertEquals(Direction.IN, inst.fields().get(1).direction());
    }

    @Test
    void oneProjectionIsInstantiatedOncePerDirection() throws InputError {
        InterfaceModel m = model("module k { projection <struct s> p { int v; }"
                + " rpc void f(projection p *a, projection p * [out] b, projection p [in, out] *c) {} }");
        List<String> names = m.projections().stream().map(ProjectionInstance::instanceName).sorted().toList();
        assertEquals(List.of("p__in", "p__io", "p__out"), names);
    }

    @Test
    void defaultPointerOwnershipIsBindOnTheReceivingSide() throws InputError {
        InterfaceModel m = model("module k { rpc void f(projection p *a) { projection <struct s> p {} } }");
        assertTrue(m.facts().containsKey(new Fact.Ownership("rpc f", "arg 1", OwnershipKind.BIND, Domain.DRIVER)));
        InterfaceModel alloc = model("module k { rpc void f(projection p [alloc(callee)] *a) {"
                + " projection <struct s> p {} } }");
        assertTrue(alloc.facts().containsKey(
                new Fact.Ownership("rpc f", "arg 1", OwnershipKind.ALLOC, Domain.KERNEL)));
    }

    @Test
    void callbacksAndUnusedValues() throws InputError {
        InterfaceModel m = model("module k { rpc_ptr int open(int x) {}"
                + " rpc int reg(projection ops *o, void * [unused] priv) {"
                + " projection <struct ops> ops { rpc_ptr open open; int [unused] hidden; } } }");
        assertTrue(m.facts().containsKey(new Fact.Callback("struct ops", "open", "open")));
        assertTrue(m.facts().containsKey(new Fact.Call("open", CallDirection.KERNEL_TO_DRIVER, RpcKind.RPC_PTR)));
        assertTrue(m.facts().keySet().stream().noneMatch(f -> f.toString().contains("hidden")));
        assertTrue(m.facts().keySet().stream().noneMatch(f -> f.toString().contains("arg 2")));
    }

    @Test
    void unknownNamesAreLocatedErrors() {
        InputError e = assertThrows(InputError.class,
                () -> model("module k {\n rpc void f(projection nope *a) {}\n}"));
        assertEquals("t.idl:2:24", e.pos().toString());
        InputError r = assertThrows(InputError.class,
                () -> model("module k { rpc void f(rpc_ptr f cb) {} }"));
        assertTrue(r.detail().contains("no rpc_ptr named 'f'"), r.getMessage());
        InputError d = assertThrows(InputError.class,
                () -> model("module k { rpc void f() {}\n rpc void f() {} }"));
        assertEquals(2, d.pos().line());
    }

    @Test
    void aProjectionNameDefinedTwiceInOneScopeMeansTheFirstDefinition() throws InputError {
        InterfaceModel m = model("module k { rpc void f(projection d *a) {"
                + " projection <struct mei_device> d { projection d *dev; int first; }"
                + " projection <struct device> d { int second; } } }");
        assertTrue(m.facts().containsKey(driver("struct mei_device", "first", Access.WRITE, MemberKind.SCALAR)));
        assertTrue(m.facts().containsKey(driver("struct mei_device", "dev", Access.WRITE, MemberKind.POINTER)));
        assertTrue(m.facts().keySet().stream().noneMatch(f -> f.toString().contains("second")));
        assertEquals(List.of("d__in"), m.projections().stream().map(ProjectionInstance::instanceName).toList());
    }

    @Test
    void withinIsRebuiltByTheReceivingSide() throws InputError {
        InterfaceModel in = model("module k { rpc void f(projection p [within<{{b}}, {{8}}>] *a) {"
                + " projection <struct s> p {} } }");
        assertTrue(in.facts().containsKey(new Fact.Ownership("rpc f", "arg 1", OwnershipKind.WITHIN, Domain.KERNEL)));
        assertTrue(in.facts().keySet().stream()
                .noneMatch(f -> f instanceof Fact.Ownership o && o.kind() == OwnershipKind.BIND));
        InterfaceModel both = model("module k { rpc_ptr void g(projection p [within<{{b}}, {{8}}>] * [in, out] a) {"
                + " projection <struct s> p {} } }");
        assertTrue(both.facts().containsKey(new Fact.Ownership("rpc_ptr g", "arg 1", OwnershipKind.WITHIN, Domain.DRIVER)));
        assertTrue(both.facts().containsKey(new Fact.Ownership("rpc_ptr g", "arg 1", OwnershipKind.WITHIN, Domain.KERNEL)));
    }

    @Test
    void projectionsResolveInTheInnermostScopeFirst() throws InputError {
        InterfaceModel m = model("module k { projection <struct outer> p { int o; }"
                + " rpc void f(projection p *a) { projection <struct inner> p { int i; } }"
                + " rpc void g(projection p *a) {} }");
        assertTrue(m.facts().containsKey(driver("struct inner", "i", Access.WRITE, MemberKind.SCALAR)));
        assertTrue(m.facts().containsKey(driver("struct outer", "o", Access.WRITE, MemberKind.SCALAR)));
    }
}
