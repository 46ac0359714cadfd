package org.lvdcheck.spec.idl;

/** What a module body holds. */
public sealed interface ModuleItem permits HeaderStmt, ProjectionDef, RpcDef, GlobalDef, LockDef {}
