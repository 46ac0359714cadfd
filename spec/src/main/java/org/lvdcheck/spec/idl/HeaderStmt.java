package org.lvdcheck.spec.idl;

/** {@code header <path>;} or {@code header "path";}. */
public record HeaderStmt(String path, boolean quoted, Where where) implements ModuleItem {}
