package org.lvdcheck.spec.idl;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints an {@link IdlFile} back as D4 text in one canonical layout (tabs, one
 * declaration per line, comments dropped). Parsing the output gives an equal tree.
 */
public final class IdlPrinter {
    private final StringBuilder out = new StringBuilder();

    private IdlPrinter() {}

    public static String print(IdlFile file) {
        IdlPrinter p = new IdlPrinter();
        p.file(file);
        return p.out.toString();
    }

    /** One type as it is written before a name, e.g. {@code projection dev [alloc(callee)] *}. */
    public static String type(TypeSpec t) {
        StringBuilder sb = new StringBuilder();
        typeTo(sb, t);
        return sb.toString();
    }

    private void file(IdlFile f) {
        if (f.isDriverFile()) {
            for (String inc : f.includesBefore()) {
                line(0, "include <" + inc + ">;");
            }
            line(0, "driver " + f.driver().name() + " {");
            for (String imp : f.driver().imports()) {
                line(1, "import " + imp + ";");
            }
            line(0, "}");
            for (String inc : f.includesAfter()) {
                line(0, "include <" + inc + ">;");
            }
            return;
        }
        for (ModuleDef m : f.modules()) {
            line(0, "module " + m.name() + " {");
            for (ModuleItem item : m.items()) {
                moduleItem(1, item);
            }
            line(0, "}");
        }
    }

    private void moduleItem(int depth, ModuleItem item) {
        if (item instanceof HeaderStmt h) {
            line(depth, "header " + (h.quoted() ? "\"" + h.path() + "\"" : "<" + h.path() + ">") + ";");
        } else if (item instanceof ProjectionDef p) {
            projection(depth, p);
        } else if (item instanceof RpcDef r) {
            rpc(depth, r);
        } else if (item instanceof GlobalDef g) {
            line(depth, "global " + type(g.type()) + " " + g.name() + " {");
            rpcItems(depth + 1, g.items());
            line(depth, "}");
        } else if (item instanceof LockDef l) {
            line(depth, lock(l));
        }
    }

    private static String lock(LockDef l) {
        return (l.atomic() ? "atomic_lock " : "spinlock ") + l.name() + ";";
    }

    private void projection(int depth, ProjectionDef p) {
        line(depth, "projection <" + p.cTypeName() + "> " + p.name() + " {");
        for (ProjField f : p.fields()) {
            if (f instanceof ProjField.Field field) {
                String decl = varDecl(field.decl());
                line(depth + 1, field.bitWidth() >= 0 ? decl + " : " + field.bitWidth() + ";"
                        : decl + ";");
            } else if (f instanceof ProjField.LockScope ls) {
                line(depth + 1, ls.lock() + " { " + String.join(", ", ls.fields()) + " }");
            } else if (f instanceof ProjField.Lock l) {
                line(depth + 1, lock(l.lock()));
            }
        }
        line(depth, "}");
    }

    private void rpc(int depth, RpcDef r) {
        List<String> args = new ArrayList<>();
        for (VarDecl a : r.args()) {
            args.add(varDecl(a));
        }
        line(depth, r.kind().keyword() + " " + type(r.returns()) + " " + r.name() + "(" + String.join(", ", args)
                + ") {");
        rpcItems(depth + 1, r.items());
        line(depth, "}");
    }

    private void rpcItems(int depth, List<RpcItem> items) {
        for (RpcItem item : items) {
            if (item instanceof ProjectionDef p) {
                projection(depth, p);
            } else if (item instanceof RpcDef r) {
                rpc(depth, r);
            }
        }
    }

    private static String varDecl(VarDecl v) {
        return type(v.type()) + " " + v.name();
    }

    private static void typeTo(StringBuilder sb, TypeSpec t) {
        if (t.isConst()) {
            sb.append("const ");
        }
        if (t.isVolatile()) {
            sb.append("volatile ");
        }
        stemTo(sb, t.stem());
        for (Indirection ind : t.indirections()) {
            sb.append(' ');
            if (!ind.attrs().isEmpty()) {
                attrsTo(sb, ind.attrs());
            }
            sb.append('*');
            if (ind.isConst()) {
                sb.append(" const");
            }
        }
        if (!t.valAttrs().isEmpty()) {
            List<String> names = new ArrayList<>();
            for (ValAttr v : t.valAttrs()) {
                names.add(v.spelling());
            }
            sb.append(" [").append(String.join(", ", names)).append(']');
        }
    }

    private static void attrsTo(StringBuilder sb, List<PtrAttr> attrs) {
        List<String> parts = new ArrayList<>();
        for (PtrAttr a : attrs) {
            parts.add(attr(a));
        }
        sb.append('[').append(String.join(", ", parts)).append(']');
    }

    static String attr(PtrAttr a) {
        if (a instanceof PtrAttr.Dir d) {
            return d.attr().spelling();
        }
        if (a instanceof PtrAttr.Ownership o) {
            String size = o.sizeExpr() == null ? ""
                    : "<{{" + o.sizeExpr() + "}}" + (o.flagsExpr() == null ? "" : ", {{" + o.flagsExpr() + "}}") + ">";
            return o.kind().spelling() + size + "(" + o.side().spelling() + ")";
        }
        if (a instanceof PtrAttr.MemberOf m) {
            return "bind_memberof<struct " + m.structName() + ", " + String.join(".", m.fieldPath()) + ">("
                    + m.side().spelling() + ")";
        }
        if (a instanceof PtrAttr.Shared s) {
            return "shared<" + s.name() + ">";
        }
        if (a instanceof PtrAttr.Within w) {
            return "within<{{" + w.baseExpr() + "}}, {{" + w.sizeExpr() + "}}>";
        }
        return "user<{{" + ((PtrAttr.User) a).sizeExpr() + "}}>";
    }

    private static void stemTo(StringBuilder sb, TypeStem stem) {
        if (stem instanceof TypeStem.Prim p) {
            sb.append(p.primitive().spelling());
        } else if (stem instanceof TypeStem.Void) {
            sb.append("void");
        } else if (stem instanceof TypeStem.Str) {
            sb.append("string");
        } else if (stem instanceof TypeStem.Array a) {
            sb.append("array<");
            typeTo(sb, a.element());
            sb.append(", ");
            if (a.size() instanceof ArraySize.Fixed n) {
                sb.append(n.count());
            } else if (a.size() instanceof ArraySize.NullTerminated) {
                sb.append("null");
            } else {
                sb.append("{{").append(((ArraySize.Verbatim) a.size()).expr()).append("}}");
            }
            sb.append('>');
        } else if (stem instanceof TypeStem.RpcPtrRef r) {
            sb.append("rpc_ptr ").append(r.name());
        } else if (stem instanceof TypeStem.ProjRef p) {
            sb.append("projection ").append(p.name());
        } else if (stem instanceof TypeStem.Casted c) {
            sb.append("casted<");
            typeTo(sb, c.declared());
            sb.append(", ");
            typeTo(sb, c.real());
            sb.append('>');
        }
    }

    private void line(int depth, String text) {
        out.append("\t".repeat(depth)).append(text).append('\n');
    }
}
