package org.lvdcheck.spec.idl;

/** The three RPC constructs of D4 (idlc rpc_def_kind: direct, indirect, export_sym). */
public enum RpcKind {
    /** {@code rpc}: a kernel function the driver calls. */
    RPC("rpc"),
    /** {@code rpc_ptr}: a driver function the kernel calls through a registered function pointer. */
    RPC_PTR("rpc_ptr"),
    /** {@code rpc_export}: a symbol the driver exports, called by the kernel by name. */
    RPC_EXPORT("rpc_export");

    private final String keyword;

    RpcKind(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}
