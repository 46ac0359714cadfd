package org.lvdcheck.spec.idl;

import org.lvdcheck.spec.SourcePos;

/**
 * Where a declaration was written. It is carried by the syntax tree for messages but
 * is not part of a declaration's identity: two trees that differ only in layout are
 * equal, which is what the printer round trip and the audit compare.
 */
public final class Where {
    private final SourcePos pos;

    public Where(SourcePos pos) {
        this.pos = pos;
    }

    public SourcePos pos() {
        return pos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Where;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return pos.toString();
    }
}
