package org.lvdcheck.emulator.hv;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.Model.Action;
import org.lvdcheck.spec.lvd.Model.ExitPolicy;
import org.lvdcheck.spec.lvd.Model.HypercallPolicy;
import org.lvdcheck.spec.lvd.Model.Origin;

/**
 * The hypervisor's decision per exit reason and origin, and per hypercall leaf and origin,
 * from the spec's {@code exit} and {@code hypercall} lines. Where the spec is silent the
 * hypervisor does what stock Bareflank does (LVD-AS-BUILT.md §3.4): it emulates the exits
 * it has handlers for, for every origin, and halts the vCPU on any other ("unhandled vm
 * exit"); every hypercall leaf runs for every caller.
 */
public final class HypervisorPolicy {
    /** Exits lvd-bflank has handlers for (vmexit/*.cpp). */
    private static final List<ExitReason> HANDLED = List.of(ExitReason.CONTROL_REGISTER_ACCESS, ExitReason.RDMSR,
            ExitReason.WRMSR, ExitReason.GDTR_IDTR_ACCESS, ExitReason.LDTR_TR_ACCESS, ExitReason.IO_INSTRUCTION,
            ExitReason.XSETBV, ExitReason.CPUID, ExitReason.EXCEPTION_OR_NMI, ExitReason.MOV_DR);

    private final Map<ExitReason, Action> kernel = new EnumMap<>(ExitReason.class);
    private final Map<ExitReason, Action> domain = new EnumMap<>(ExitReason.class);
    private final Map<Long, Action> hypercallKernel = new HashMap<>();
    private final Map<Long, Action> hypercallDomain = new HashMap<>();

    public static HypervisorPolicy of(List<ExitPolicy> exits, List<HypercallPolicy> hypercalls) throws InputError {
        HypervisorPolicy p = new HypervisorPolicy();
        for (ExitPolicy e : exits) {
            List<ExitReason> reasons = ExitNames.lookup(e.reason());
            if (reasons.isEmpty()) {
                throw new InputError(e.pos(), "unknown exit reason '" + e.reason() + "' (use an SDM basic exit reason "
                        + "in kebab case, e.g. wrmsr, control-register-access, ept-violation, or cr-access, "
                        + "descriptor-table, io, nmi)");
            }
            for (ExitReason r : reasons) {
                Action before = (e.origin() == Origin.KERNEL ? p.kernel : p.domain).put(r, e.action());
                if (before != null) {
                    throw new InputError(e.pos(), "policy for exit '" + e.reason() + "' from " + e.origin().name()
                            .toLowerCase() + " is given twice");
                }
            }
        }
        for (HypercallPolicy h : hypercalls) {
            Action before = (h.origin() == Origin.KERNEL ? p.hypercallKernel : p.hypercallDomain).put(h.leaf(), h.action());
            if (before != null) {
                throw new InputError(h.pos(), "policy for hypercall 0x" + Long.toHexString(h.leaf()) + " is given twice");
            }
        }
        return p;
    }

    public Action onExit(ExitReason reason, Origin origin) {
        Action a = (origin == Origin.KERNEL ? kernel : domain).get(reason);
        if (a != null) {
            return a;
        }
        return HANDLED.contains(reason) ? Action.EMULATE : Action.HALT;
    }

    public Action onHypercall(long leaf, Origin origin) {
        Action a = (origin == Origin.KERNEL ? hypercallKernel : hypercallDomain).get(leaf);
        return a == null ? Action.EMULATE : a;
    }
}
