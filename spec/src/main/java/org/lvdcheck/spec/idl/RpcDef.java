package org.lvdcheck.spec.idl;

import java.util.List;

/** An rpc, rpc_ptr or rpc_export definition with its scoped projections and rpc_ptrs. */
public record RpcDef(RpcKind kind, TypeSpec returns, String name, List<VarDecl> args, List<RpcItem> items,
        Where where) implements ModuleItem, RpcItem {
    public RpcDef {
        args = List.copyOf(args);
        items = List.copyOf(items);
    }
}
