package org.lvdcheck.spec.idl;

import java.util.List;
import org.lvdcheck.spec.SourcePos;

/**
 * One row of a module's RPC table: {@code id} numbers every rpc, rpc_ptr and
 * rpc_export of the module from 0 in declaration order (nested rpc_ptrs where they
 * are written), {@code scopedName} is {@code outer.inner} for nested ones.
 */
public record RpcEntry(String module, int id, String name, String scopedName, RpcKind kind,
        CallDirection direction, List<Param> params, Direction returns, SourcePos pos) {
    public RpcEntry {
        params = List.copyOf(params);
    }

    /** An argument: its position from 1, name, type as written, and effective direction. */
    public record Param(int index, String name, String type, Direction direction) {}
}
