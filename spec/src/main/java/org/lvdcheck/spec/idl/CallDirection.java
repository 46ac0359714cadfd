package org.lvdcheck.spec.idl;

/** Who calls whom across the boundary. */
public enum CallDirection {
    /** An {@code rpc}: the driver calls a kernel function. */
    DRIVER_TO_KERNEL(Domain.DRIVER),
    /** An {@code rpc_ptr} or {@code rpc_export}: the kernel calls into the driver. */
    KERNEL_TO_DRIVER(Domain.KERNEL);

    private final Domain caller;

    CallDirection(Domain caller) {
        this.caller = caller;
    }

    public Domain caller() {
        return caller;
    }

    public Domain callee() {
        return caller.other();
    }

    public static CallDirection of(RpcKind kind) {
        return kind == RpcKind.RPC ? DRIVER_TO_KERNEL : KERNEL_TO_DRIVER;
    }
}
