package org.lvdcheck.spec.idl;

/** The two ends of one RPC, as ownership attributes name them: {@code alloc(caller)}. */
public enum Side {
    CALLER, CALLEE;

    public String spelling() {
        return this == CALLER ? "caller" : "callee";
    }
}
