package org.lvdcheck.spec.idl;

import java.util.List;

/** An entry of a projection body. */
public sealed interface ProjField {
    /** A marshaled field; {@code bitWidth} is -1 unless it is a bitfield. */
    record Field(VarDecl decl, int bitWidth) implements ProjField {}

    /** {@code lock { a, b }}: the fields that lock guards. */
    record LockScope(String lock, List<String> fields, Where where) implements ProjField {
        public LockScope {
            fields = List.copyOf(fields);
        }
    }

    /** A lock declared inside a projection. */
    record Lock(LockDef lock) implements ProjField {}
}
