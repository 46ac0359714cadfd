package org.lvdcheck.spec.idl;

import java.util.List;

/** One attribute of a pointer level, written before its {@code *}. */
public sealed interface PtrAttr {
    /** {@code in}, {@code out} or {@code unused}: applies to the pointed-to value. */
    record Dir(ValAttr attr) implements PtrAttr {}

    /** alloc, alloc_once, alloc_stack, dealloc, bind or ioremap on one side; alloc may carry a size and flags. */
    record Ownership(OwnershipKind kind, Side side, String sizeExpr, String flagsExpr) implements PtrAttr {}

    /** {@code bind_memberof<struct T, a.b>(side)}: find the container object from a member pointer. */
    record MemberOf(String structName, List<String> fieldPath, Side side) implements PtrAttr {}

    /** {@code shared<NAME>}. */
    record Shared(String name) implements PtrAttr {}

    /** {@code user<{{size}}>}: a user-space buffer of that size. */
    record User(String sizeExpr) implements PtrAttr {}

    /**
     * {@code within<{{base}}, {{size}}>}: the pointer has no shadow object of its own; it
     * points into the object {@code base} (of {@code size} bytes), and the receiving side
     * rebuilds it from base and offset. Not in the idlc grammar paraphrased in
     * LVD-AS-BUILT.md §5.2, but used by lvd-linux's xhci-hcd.idl and idlc's
     * test_casted_within.idl.
     */
    record Within(String baseExpr, String sizeExpr) implements PtrAttr {}
}
