package org.lvdcheck.spec.idl;

import java.util.List;

/** {@code global TYPE NAME { items }}: a kernel global shared with the driver. */
public record GlobalDef(TypeSpec type, String name, List<RpcItem> items, Where where) implements ModuleItem {
    public GlobalDef {
        items = List.copyOf(items);
    }
}
