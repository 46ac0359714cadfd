package org.lvdcheck.spec.idl;

import java.util.List;

/** {@code driver NAME { import M; ... }}. */
public record DriverDef(String name, List<String> imports, Where where) {
    public DriverDef {
        imports = List.copyOf(imports);
    }
}
