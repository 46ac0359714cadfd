package org.lvdcheck.spec.idl;

/** A named value: an argument or a projection field. */
public record VarDecl(TypeSpec type, String name, Where where) {}
