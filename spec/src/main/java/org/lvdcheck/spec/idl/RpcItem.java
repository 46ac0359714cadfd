package org.lvdcheck.spec.idl;

/** What an rpc, rpc_ptr or global body holds: projections and rpc_ptr definitions scoped to it. */
public sealed interface RpcItem permits ProjectionDef, RpcDef {}
