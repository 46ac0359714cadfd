package org.lvdcheck.spec.idl;

/** How a pointer's target is found or created on the receiving side (LVD-AS-BUILT.md §5.3). */
public enum OwnershipKind {
    ALLOC("alloc"), ALLOC_ONCE("alloc_once"), ALLOC_STACK("alloc_stack"), DEALLOC("dealloc"),
    BIND("bind"), IOREMAP("ioremap"),
    /** The target lies inside another object the receiving side already holds ({@code within<…>}). */
    WITHIN("within");

    private final String spelling;

    OwnershipKind(String spelling) {
        this.spelling = spelling;
    }

    public String spelling() {
        return spelling;
    }
}
