package org.lvdcheck.spec.idl;

import java.util.List;

/** {@code module NAME { items }}. */
public record ModuleDef(String name, List<ModuleItem> items, Where where) {
    public ModuleDef {
        items = List.copyOf(items);
    }
}
