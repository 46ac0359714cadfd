package org.lvdcheck.emulator.lxd;

import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.hv.HypervisorPolicy;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.lvd.SpecLoader;
import org.lvdcheck.spec.lvd.SystemSpec;

/**
 * The static part of a built system, shared by every state: the spec, the CPU model, the
 * hypervisor's policy, each view's linked code and where its instructions sit in host
 * memory, the EPTPs of every (view, CPU), the kernel primitives' entry addresses and the
 * layout facts the primitives and the hypervisor need. Nothing here changes while the
 * machine runs; everything that does lives in {@code MachineState}.
 *
 * @param views view names; index 0 is the kernel, then domains by EPTP-list slot
 * @param viewSlots EPTP-list slot of each view (0 for the kernel)
 * @param eptps initial EPTP of each view on each CPU: {@code eptps[view][cpu]}
 * @param eptpLists host-physical address of each CPU's EPTP-list page
 * @param code every instruction any view linked, by host-physical address of its first byte
 * @param primitives kernel primitives by their entry address in the view that calls them
 * @param interfaces each domain's interface from its IDL, by view name (domains without IDL absent)
 * @param domainWrites the frames domains can write, havoc and tracked (DESIGN.md §3)
 */
public record LvdSystem(
        SpecLoader.Loaded loaded,
        CpuCaps caps,
        HypervisorPolicy policy,
        boolean cr3TargetLru,
        List<String> views,
        int[] viewSlots,
        long[][] eptps,
        long[] eptpLists,
        Map<String, LinkedImage> images,
        Map<Long, CodeAt> code,
        Map<Long, PrimitiveAt> primitives,
        Layout layout,
        Map<String, DomainInterface> interfaces,
        DomainWrites domainWrites) {

    /**
     * What a domain's IDL lets cross its boundary: the kernel functions the driver may call
     * ({@code rpc}) and the driver functions the kernel may call ({@code rpc_ptr}, {@code rpc_export}),
     * whether the dispatchers enforce it (the spec's {@code rpc-check}), and what each RPC marshals
     * in each direction (DSAFE, DINTEG).
     */
    public record DomainInterface(java.util.Set<String> kernelFunctions, java.util.Set<String> driverFunctions,
                                  boolean enforced,
                                  Map<String, org.lvdcheck.spec.idl.MessageWords> messages) {
        /** What the IDL marshals for RPC {@code fn} (its name, as the dispatcher's symbol), or null when it declares none. */
        public org.lvdcheck.spec.idl.MessageWords message(String fn) {
            return messages.get(fn);
        }
    }

    /**
     * An instruction placed in host memory by the view that linked it. {@code driver}: it is
     * driver code, untrusted (DESIGN.md §3): a domain linked it into a section of its own, not
     * one of the gate pages every view links at the same address (transition code is trusted,
     * like the kernel's).
     */
    public record CodeAt(PlacedInstruction insn, String view, boolean driver) {}

    /** A kernel primitive's entry address in one view. */
    public record PrimitiveAt(String name, String view) {}

    public SystemSpec spec() {
        return loaded.spec();
    }

    public int cpus() {
        return spec().cpus();
    }

    /** The view whose EPTP this is on this CPU, or -1 for an EPTP of no view. */
    public int viewOf(long eptp, int cpu) {
        for (int v = 0; v < views.size(); v++) {
            if (eptps[v][cpu] == eptp) {
                return v;
            }
        }
        return -1;
    }

    public String viewName(int v) {
        return v < 0 ? "?" : views.get(v);
    }
}
