package org.lvdcheck.spec.idl;

import java.util.List;

/** One {@code *} with the attributes written before it and an optional {@code const} after it. */
public record Indirection(List<PtrAttr> attrs, boolean isConst) {
    public Indirection {
        attrs = List.copyOf(attrs);
    }
}
