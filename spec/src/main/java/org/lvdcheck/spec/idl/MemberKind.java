package org.lvdcheck.spec.idl;

/** What a marshaled member holds; DINTEG cares about pointers. */
public enum MemberKind {
    SCALAR, POINTER, FUNCTION_POINTER;

    public String word() {
        return switch (this) {
            case SCALAR -> "value";
            case POINTER -> "pointer";
            case FUNCTION_POINTER -> "function pointer";
        };
    }
}
