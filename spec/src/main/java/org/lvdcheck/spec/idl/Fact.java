package org.lvdcheck.spec.idl;

/**
 * One semantic fact an interface establishes. Facts name C types, fields, functions
 * and argument positions, never projection or parameter names, so renaming those
 * changes no fact. Two interfaces are the same to the audit iff their fact sets are.
 */
public sealed interface Fact {
    /**
     * {@code side} can {@code access} {@code member} of the other side's {@code container}:
     * a C type ({@code struct net_device}), an RPC's arguments ({@code rpc foo}: members
     * {@code arg 1}, {@code return}) or a global. {@code *m} is what m points to, {@code m[]} its elements.
     */
    record FieldAccess(String container, String member, Domain side, Access access, MemberKind kind)
            implements Fact {}

    /** The caller side may call {@code function}. */
    record Call(String function, CallDirection direction, RpcKind kind) implements Fact {}

    /** A function-pointer member that crosses as {@code rpc_ptr function} (a registered callback). */
    record Callback(String container, String member, String function) implements Fact {}

    /** On crossing, the pointer {@code member} is allocated, bound, freed... on {@code side}. */
    record Ownership(String container, String member, OwnershipKind kind, Domain side) implements Fact {}
}
