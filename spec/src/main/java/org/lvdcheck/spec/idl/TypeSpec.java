package org.lvdcheck.spec.idl;

import java.util.List;

/**
 * A full type: {@code [const] [volatile] stem indirection* [val_attrs]}. The value
 * attributes apply to the outermost value, i.e. after the last star.
 */
public record TypeSpec(boolean isConst, boolean isVolatile, TypeStem stem, List<Indirection> indirections,
        List<ValAttr> valAttrs) {
    public TypeSpec {
        indirections = List.copyOf(indirections);
        valAttrs = List.copyOf(valAttrs);
    }

    public boolean isPointer() {
        return !indirections.isEmpty();
    }
}
