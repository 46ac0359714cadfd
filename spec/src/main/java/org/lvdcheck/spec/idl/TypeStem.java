package org.lvdcheck.spec.idl;

/** What a type is before pointers and attributes (LVD-AS-BUILT.md §5.2, type_stem). */
public sealed interface TypeStem {
    record Prim(Primitive primitive) implements TypeStem {}

    record Void() implements TypeStem {}

    /** {@code string}: an alias of {@code array<char, null>}. */
    record Str() implements TypeStem {}

    record Array(TypeSpec element, ArraySize size) implements TypeStem {}

    /** {@code rpc_ptr NAME}: a function pointer whose signature is the rpc_ptr definition NAME. */
    record RpcPtrRef(String name, Where where) implements TypeStem {}

    /** {@code projection NAME}: the projection NAME in scope. */
    record ProjRef(String name, Where where) implements TypeStem {}

    /** {@code casted<declared, real>}: declared in C as one type, marshaled as the other. */
    record Casted(TypeSpec declared, TypeSpec real) implements TypeStem {}
}
