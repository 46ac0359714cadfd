package org.lvdcheck.spec.idl;

import java.util.List;

/** {@code projection <struct|union CTYPE> NAME { fields }}: the fields of CTYPE that cross. */
public record ProjectionDef(boolean union, String cType, String name, List<ProjField> fields, Where where)
        implements ModuleItem, RpcItem {
    public ProjectionDef {
        fields = List.copyOf(fields);
    }

    /** {@code struct net_device} or {@code union u}. */
    public String cTypeName() {
        return (union ? "union " : "struct ") + cType;
    }
}
