package org.lvdcheck.spec.idl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Builds an {@link InterfaceModel}: resolves projection and rpc_ptr names through
 * nested scopes, then walks every RPC's arguments (default {@code in}) and return value
 * (default {@code out}) and every global (default {@code out}) the way idlc's
 * annotation walk does (source/frontend/analysis.cpp): an explicit in/out replaces
 * the inherited direction for everything below it, a pointer without ownership
 * attributes defaults to bind(caller) under in and bind(callee) under out, and a
 * projection is instantiated once per direction.
 */
final class ModelBuilder {
    private final IdlFile file;
    private final Map<Object, Scope> scopeOf = new IdentityHashMap<>();
    private final Map<RpcDef, String> scopedNames = new IdentityHashMap<>();
    private final List<RpcEntry> table = new ArrayList<>();
    private final List<ProjectionInstance> instances = new ArrayList<>();
    private final Map<Fact, SourcePos> facts = new LinkedHashMap<>();
    private final Map<String, MessageWords> words = new LinkedHashMap<>();
    private final Map<ProjectionDef, Set<String>> walked = new IdentityHashMap<>();
    private final Map<ProjectionDef, Set<Direction>> instantiated = new IdentityHashMap<>();
    private String module;

    ModelBuilder(IdlFile file) {
        this.file = file;
    }

    /** Names visible in a module, an rpc body or a nested rpc_ptr body. */
    private static final class Scope {
        final Scope parent;
        final Map<String, ProjectionDef> projections = new HashMap<>();
        final Map<String, RpcDef> rpcPtrs = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }
    }

    /** Where a walked value lives: whose members, and which side is the caller. */
    private record Ctx(String container, Domain caller) {}

    InterfaceModel build() throws InputError {
        for (ModuleDef m : file.modules()) {
            module = m.name();
            Scope scope = new Scope(null);
            Map<String, Where> rpcNames = new HashMap<>();
            for (ModuleItem item : m.items()) {
                if (item instanceof ProjectionDef p) {
                    declare(scope, p);
                } else if (item instanceof RpcDef r) {
                    Where first = rpcNames.putIfAbsent(r.name(), r.where());
                    if (first != null) {
                        throw new InputError(r.where().pos(), "duplicate " + r.kind().keyword() + " '" + r.name()
                                + "' (first declared at " + first + ")");
                    }
                    if (r.kind() == RpcKind.RPC_PTR) {
                        scope.rpcPtrs.put(r.name(), r);
                    }
                }
            }
            int[] nextId = {0};
            for (ModuleItem item : m.items()) {
                if (item instanceof RpcDef r) {
                    enter(r, scope, r.name(), nextId);
                } else if (item instanceof GlobalDef g) {
                    Scope inner = items(g.items(), scope);
                    scopeOf.put(g, inner);
                    for (RpcItem it : g.items()) {
                        if (it instanceof RpcDef r) {
                            enter(r, inner, g.name() + "." + r.name(), nextId);
                        }
                    }
                } else if (item instanceof ProjectionDef p) {
                    scopeOf.put(p, scope);
                }
            }
            for (ModuleItem item : m.items()) {
                if (item instanceof RpcDef r) {
                    walkRpc(r);
                } else if (item instanceof GlobalDef g) {
                    walkGlobal(g);
                }
            }
        }
        return new InterfaceModel(file, table, instances, facts, words);
    }

    /**
     * A name defined twice in one scope means its first definition, as in idlc, whose
     * scopes are lists searched from the front (source/ast/scope.h); real driver IDLs
     * (mei-me, sb_edac, skx_edac, xhci-hcd) rely on this. A later namesake is never used.
     */
    private static void declare(Scope scope, ProjectionDef p) {
        scope.projections.putIfAbsent(p.name(), p);
    }

    private Scope items(List<RpcItem> items, Scope parent) throws InputError {
        Scope scope = new Scope(parent);
        for (RpcItem it : items) {
            if (it instanceof ProjectionDef p) {
                declare(scope, p);
                scopeOf.put(p, scope);
            } else if (it instanceof RpcDef r) {
                RpcDef first = scope.rpcPtrs.putIfAbsent(r.name(), r);
                if (first != null) {
                    throw new InputError(r.where().pos(), "duplicate rpc_ptr '" + r.name() + "' in this scope");
                }
            }
        }
        return scope;
    }

    /** Numbers an RPC and the rpc_ptrs nested in it, in the order they are written. */
    private void enter(RpcDef r, Scope outer, String scopedName, int[] nextId) throws InputError {
        Scope inner = items(r.items(), outer);
        scopeOf.put(r, inner);
        scopedNames.put(r, scopedName);
        List<RpcEntry.Param> params = new ArrayList<>();
        for (int i = 0; i < r.args().size(); i++) {
            VarDecl a = r.args().get(i);
            params.add(new RpcEntry.Param(i + 1, a.name(), IdlPrinter.type(a.type()),
                    explicit(a.type().valAttrs(), Direction.IN)));
        }
        table.add(new RpcEntry(module, nextId[0]++, r.name(), scopedName, r.kind(), CallDirection.of(r.kind()),
                params, explicit(r.returns().valAttrs(), Direction.OUT), r.where().pos()));
        for (RpcItem it : r.items()) {
            if (it instanceof RpcDef nested) {
                enter(nested, inner, scopedName + "." + nested.name(), nextId);
            }
        }
    }

    private void walkRpc(RpcDef r) throws InputError {
        String name = scopedNames.get(r);
        CallDirection dir = CallDirection.of(r.kind());
        fact(new Fact.Call(name, dir, r.kind()), r.where().pos());
        Ctx ctx = new Ctx(r.kind().keyword() + " " + name, dir.caller());
        Scope scope = scopeOf.get(r);
        for (int i = 0; i < r.args().size(); i++) {
            VarDecl a = r.args().get(i);
            value(a.type(), Direction.IN, ctx, "arg " + (i + 1), scope, a.where().pos());
        }
        value(r.returns(), Direction.OUT, ctx, "return", scope, r.where().pos());
        List<MessageWords.Word> call = new ArrayList<>();
        List<MessageWords.Word> reply = new ArrayList<>();
        java.util.ArrayDeque<Pending> queue = new java.util.ArrayDeque<>();
        queue.add(new Pending(r.returns(), Direction.OUT, "return", scope, List.of()));
        for (VarDecl a : r.args()) {
            queue.add(new Pending(a.type(), Direction.IN, a.name(), scope, List.of()));
        }
        while (!queue.isEmpty()) {
            words(queue.poll(), queue, call, reply);
        }
        words.put(name, new MessageWords(call, reply));
        for (RpcItem it : r.items()) {
            if (it instanceof RpcDef nested) {
                walkRpc(nested);
            }
        }
    }

    private void walkGlobal(GlobalDef g) throws InputError {
        // A global is the kernel's; the driver reads it as if it had called for it.
        Scope scope = scopeOf.get(g);
        value(g.type(), Direction.OUT, new Ctx("global " + g.name(), Domain.DRIVER), "value", scope, g.where().pos());
        for (RpcItem it : g.items()) {
            if (it instanceof RpcDef nested) {
                walkRpc(nested);
            }
        }
    }

    private static Direction explicit(List<ValAttr> attrs, Direction inherited) {
        boolean in = attrs.contains(ValAttr.IN);
        boolean out = attrs.contains(ValAttr.OUT);
        if (in && out) {
            return Direction.IN_OUT;
        }
        return in ? Direction.IN : out ? Direction.OUT : inherited;
    }

    private static List<ValAttr> dirAttrs(List<PtrAttr> attrs) {
        List<ValAttr> vals = new ArrayList<>();
        for (PtrAttr a : attrs) {
            if (a instanceof PtrAttr.Dir d) {
                vals.add(d.attr());
            }
        }
        return vals;
    }

    /**
     * One value and everything below it. The value attributes after the last star
     * belong to the outermost value; the in/out/unused written before a star belong to
     * the value that star points to (idlc generate_value).
     */
    private void value(TypeSpec t, Direction inherited, Ctx ctx, String member, Scope scope, SourcePos site)
            throws InputError {
        if (t.valAttrs().contains(ValAttr.UNUSED)) {
            return;
        }
        Direction d = explicit(t.valAttrs(), inherited);
        List<Indirection> stars = t.indirections();
        String m = member;
        MemberKind kind = stars.isEmpty() ? stemKind(t.stem()) : MemberKind.POINTER;
        if (kind != null) {
            access(ctx, m, d, kind, site);
        }
        for (int i = stars.size() - 1; i >= 0; i--) {
            Indirection ind = stars.get(i);
            ownership(ind.attrs(), d, ctx, m, site);
            List<ValAttr> vals = dirAttrs(ind.attrs());
            if (vals.contains(ValAttr.UNUSED)) {
                return;
            }
            d = explicit(vals, d);
            m = "*" + m;
            MemberKind pointee = i > 0 ? MemberKind.POINTER : stemKind(t.stem());
            if (pointee != null) {
                access(ctx, m, d, pointee, site);
            }
        }
        stem(t.stem(), d, ctx, m, scope, site);
    }

    /** A value still to be marshaled: its type, inherited direction, name, scope and the projections above it. */
    private record Pending(TypeSpec type, Direction inherited, String what, Scope scope, List<ProjectionDef> above) {}

    /**
     * The message words of one value, by the rules of {@link #value}: one word per value that
     * crosses, in the direction it crosses; the fields of a projection it holds or points to are
     * queued after every value of its level (breadth first: the arguments, then their fields).
     */
    private void words(Pending v, java.util.Queue<Pending> queue, List<MessageWords.Word> call,
                       List<MessageWords.Word> reply) throws InputError {
        TypeSpec t = v.type();
        if (t.valAttrs().contains(ValAttr.UNUSED)) {
            return;
        }
        Direction d = explicit(t.valAttrs(), v.inherited());
        List<Indirection> stars = t.indirections();
        MemberKind kind = stars.isEmpty() ? stemKind(t.stem()) : MemberKind.POINTER;
        if (kind != null) {
            word(d, v.what(), kind, call, reply);
        }
        for (int i = stars.size() - 1; i >= 0; i--) {
            List<ValAttr> vals = dirAttrs(stars.get(i).attrs());
            if (vals.contains(ValAttr.UNUSED)) {
                return;
            }
            d = explicit(vals, d);
            MemberKind pointee = i > 0 ? MemberKind.POINTER : stemKind(t.stem());
            if (pointee != null) {
                word(d, "*" + v.what(), pointee, call, reply);
            }
        }
        TypeStem stem = t.stem();
        if (stem instanceof TypeStem.ProjRef ref) {
            ProjectionDef p = resolveProjection(ref, v.scope());
            if (v.above().stream().anyMatch(q -> q == p)) {
                return;
            }
            List<ProjectionDef> above = new ArrayList<>(v.above());
            above.add(p);
            String sep = stars.isEmpty() ? "." : "->";
            for (ProjField f : p.fields()) {
                if (f instanceof ProjField.Field field) {
                    queue.add(new Pending(field.decl().type(), d, v.what() + sep + field.decl().name(), scopeOf.get(p),
                            List.copyOf(above)));
                }
            }
        } else if (stem instanceof TypeStem.Array a && stemKind(stem) == null) {
            words(new Pending(a.element(), d, v.what() + "[]", v.scope(), v.above()), queue, call, reply);
        } else if (stem instanceof TypeStem.Casted c) {
            words(new Pending(c.real(), d, v.what(), v.scope(), v.above()), queue, call, reply);
        }
    }

    private static void word(Direction d, String what, MemberKind kind, List<MessageWords.Word> call,
                             List<MessageWords.Word> reply) {
        if (d.toCallee()) {
            call.add(new MessageWords.Word(what, kind));
        }
        if (d.toCaller()) {
            reply.add(new MessageWords.Word(what, kind));
        }
    }

    private void ownership(List<PtrAttr> attrs, Direction d, Ctx ctx, String member, SourcePos site) {
        boolean any = false;
        for (PtrAttr a : attrs) {
            if (a instanceof PtrAttr.Ownership o) {
                fact(new Fact.Ownership(ctx.container(), member, o.kind(), domain(o.side(), ctx)), site);
                any = true;
            } else if (a instanceof PtrAttr.MemberOf mo) {
                fact(new Fact.Ownership(ctx.container(), member, OwnershipKind.BIND, domain(mo.side(), ctx)), site);
                any = true;
            } else if (a instanceof PtrAttr.Within) {
                // No side is written: whichever side receives the pointer rebuilds it inside its base object.
                if (d.toCallee()) {
                    fact(new Fact.Ownership(ctx.container(), member, OwnershipKind.WITHIN, ctx.caller().other()), site);
                }
                if (d.toCaller()) {
                    fact(new Fact.Ownership(ctx.container(), member, OwnershipKind.WITHIN, ctx.caller()), site);
                }
                any = true;
            }
        }
        if (!any) {
            // idlc's defaults: under in, bind(caller); under out, bind(callee); under in,out both.
            if (d.toCallee()) {
                fact(new Fact.Ownership(ctx.container(), member, OwnershipKind.BIND, ctx.caller()), site);
            }
            if (d.toCaller()) {
                fact(new Fact.Ownership(ctx.container(), member, OwnershipKind.BIND, ctx.caller().other()), site);
            }
        }
    }

    private static Domain domain(Side side, Ctx ctx) {
        return side == Side.CALLER ? ctx.caller() : ctx.caller().other();
    }

    /** The kind of a member whose type has no stars, or null if only its parts are marshaled. */
    private static MemberKind stemKind(TypeStem stem) {
        if (stem instanceof TypeStem.Prim || stem instanceof TypeStem.Str) {
            return MemberKind.SCALAR;
        }
        if (stem instanceof TypeStem.RpcPtrRef) {
            return MemberKind.FUNCTION_POINTER;
        }
        if (stem instanceof TypeStem.Array a) {
            return a.element().isPointer() ? null : stemKind(a.element().stem());
        }
        if (stem instanceof TypeStem.Casted c) {
            return c.declared().isPointer() ? MemberKind.POINTER : stemKind(c.declared().stem());
        }
        return null;
    }

    private void stem(TypeStem stem, Direction d, Ctx ctx, String m, Scope scope, SourcePos site)
            throws InputError {
        if (stem instanceof TypeStem.ProjRef ref) {
            instantiate(resolveProjection(ref, scope), d, ctx.caller());
        } else if (stem instanceof TypeStem.Array a) {
            if (stemKind(stem) == null) {
                value(a.element(), d, ctx, m + "[]", scope, site);
            }
        } else if (stem instanceof TypeStem.RpcPtrRef ref) {
            RpcDef target = resolveRpcPtr(ref, scope);
            fact(new Fact.Callback(ctx.container(), m, scopedNames.get(target)), site);
        } else if (stem instanceof TypeStem.Casted c) {
            // The declared C type is what the field holds; the real type is what crosses.
            value(c.real(), d, ctx, m, scope, site);
        }
    }

    private void instantiate(ProjectionDef p, Direction d, Domain caller) throws InputError {
        if (!walked.computeIfAbsent(p, k -> new HashSet<>()).add(d + "/" + caller)) {
            return;
        }
        Set<Direction> seen = instantiated.computeIfAbsent(p, k -> new HashSet<>());
        boolean record = seen.add(d);
        List<ProjectionInstance.FieldDirection> fieldDirs = new ArrayList<>();
        Ctx ctx = new Ctx(p.cTypeName(), caller);
        Scope scope = scopeOf.get(p);
        int at = instances.size();
        for (ProjField f : p.fields()) {
            if (f instanceof ProjField.Field field) {
                VarDecl v = field.decl();
                TypeSpec t = v.type();
                Direction eff = t.valAttrs().contains(ValAttr.UNUSED) ? null : explicit(t.valAttrs(), d);
                MemberKind kind = t.isPointer() ? MemberKind.POINTER : stemKind(t.stem());
                fieldDirs.add(new ProjectionInstance.FieldDirection(v.name(), IdlPrinter.type(t), eff,
                        kind == null ? MemberKind.SCALAR : kind));
                value(t, d, ctx, v.name(), scope, v.where().pos());
            }
        }
        if (record) {
            instances.add(at, new ProjectionInstance(module, p.name(), p.cTypeName(), d, fieldDirs, p.where().pos()));
        }
    }

    private ProjectionDef resolveProjection(TypeStem.ProjRef ref, Scope scope) throws InputError {
        for (Scope s = scope; s != null; s = s.parent) {
            ProjectionDef p = s.projections.get(ref.name());
            if (p != null) {
                return p;
            }
        }
        throw new InputError(ref.where().pos(), "no projection named '" + ref.name() + "' in scope");
    }

    private RpcDef resolveRpcPtr(TypeStem.RpcPtrRef ref, Scope scope) throws InputError {
        for (Scope s = scope; s != null; s = s.parent) {
            RpcDef r = s.rpcPtrs.get(ref.name());
            if (r != null) {
                return r;
            }
        }
        throw new InputError(ref.where().pos(), "no rpc_ptr named '" + ref.name() + "' in scope");
    }

    /** A value crossing in direction d: the receiving side reads it, the sending side writes it. */
    private void access(Ctx ctx, String member, Direction d, MemberKind kind, SourcePos site) {
        Domain caller = ctx.caller();
        if (d.toCallee()) {
            fact(new Fact.FieldAccess(ctx.container(), member, caller.other(), Access.READ, kind), site);
            fact(new Fact.FieldAccess(ctx.container(), member, caller, Access.WRITE, kind), site);
        }
        if (d.toCaller()) {
            fact(new Fact.FieldAccess(ctx.container(), member, caller, Access.READ, kind), site);
            fact(new Fact.FieldAccess(ctx.container(), member, caller.other(), Access.WRITE, kind), site);
        }
    }

    private void fact(Fact f, SourcePos site) {
        facts.merge(f, site, (a, b) -> before(b, a) ? b : a);
    }

    private static boolean before(SourcePos a, SourcePos b) {
        return a.line() < b.line() || (a.line() == b.line() && a.column() < b.column());
    }
}
