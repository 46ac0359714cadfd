package org.lvdcheck.checker.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.idl.Access;
import org.lvdcheck.spec.idl.CallDirection;
import org.lvdcheck.spec.idl.Domain;
import org.lvdcheck.spec.idl.Fact;
import org.lvdcheck.spec.idl.InterfaceModel;
import org.lvdcheck.spec.idl.MemberKind;
import org.lvdcheck.spec.idl.OwnershipKind;

/**
 * Judges an interface change: the difference between the fact sets of base and head
 * (every semantic change, no textual diff), each classified against the LVD
 * enforcement properties (DESIGN.md §4): CALL (what the driver may call, what the
 * kernel calls back), DSAFE (which fields the driver reaches), DINTEG (which kernel
 * pointers and type fields the driver can write). Only the driver's side is judged;
 * the kernel's facts mirror it.
 */
public final class InterfaceAudit {
    private final Map<Fact, SourcePos> base;
    private final Map<Fact, SourcePos> head;
    private final Policy policy;
    private final Set<String> changedFunctions = new HashSet<>();
    private final List<Finding> findings = new ArrayList<>();

    private InterfaceAudit(InterfaceModel base, InterfaceModel head, Policy policy) {
        this.base = base.facts();
        this.head = head.facts();
        this.policy = policy;
    }

    /** The findings, sorted by file, line and message. */
    public static List<Finding> audit(InterfaceModel base, InterfaceModel head, Policy policy) {
        InterfaceAudit a = new InterfaceAudit(base, head, policy);
        a.run();
        a.findings.sort(Comparator.comparing((Finding f) -> f.pos().file()).thenComparingInt(f -> f.pos().line())
                .thenComparing(Finding::message));
        return List.copyOf(a.findings);
    }

    private void run() {
        for (Fact f : head.keySet()) {
            if (f instanceof Fact.Call c && !base.containsKey(f)) {
                changedFunctions.add(c.kind().keyword() + " " + c.function());
            }
        }
        for (Fact f : base.keySet()) {
            if (f instanceof Fact.Call c && !head.containsKey(f)) {
                changedFunctions.add(c.kind().keyword() + " " + c.function());
            }
        }
        for (Map.Entry<Fact, SourcePos> e : head.entrySet()) {
            if (!base.containsKey(e.getKey())) {
                added(e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<Fact, SourcePos> e : base.entrySet()) {
            if (!head.containsKey(e.getKey())) {
                removed(e.getKey(), e.getValue());
            }
        }
        unregisteredCallbacks();
    }

    private void add(PropertyId p, Severity s, String kind, SourcePos pos, String message) {
        findings.add(new Finding(p, s, kind, pos, message));
    }

    /** {@code struct net_device} + {@code *netdev_ops[]} as a policy names it: {@code net_device.netdev_ops}. */
    private static String policyName(String container, String member) {
        String type = container.substring(container.indexOf(' ') + 1);
        String field = member.replace("*", "").replace("[]", "");
        return type + "." + field;
    }

    private static boolean isStruct(String container) {
        return container.startsWith("struct ") || container.startsWith("union ");
    }

    private void added(Fact fact, SourcePos pos) {
        if (fact instanceof Fact.Call c) {
            if (c.direction() == CallDirection.DRIVER_TO_KERNEL) {
                Severity s = policy.sensitiveFunction(c.function()) ? Severity.ERROR
                        : policy.allowedFunction(c.function()) ? Severity.NOTE : Severity.ERROR;
                add(PropertyId.CALL, s, "call-added", pos, "the driver can call kernel function '" + c.function()
                        + "', which it could not before");
            } else {
                Severity s = policy.sensitiveFunction(c.function()) ? Severity.ERROR
                        : policy.allowedFunction(c.function()) ? Severity.NOTE : Severity.WARNING;
                add(PropertyId.CALL, s, "callback-added", pos, "the kernel can call driver function '" + c.function()
                        + "' (" + c.kind().keyword() + ")");
            }
        } else if (fact instanceof Fact.Callback cb) {
            if (changedFunctions.contains(cb.container())) {
                return;
            }
            Severity s = policy.sensitiveFunction(cb.function()) ? Severity.ERROR : Severity.WARNING;
            add(PropertyId.CALL, s, "callback-slot-added", pos, cb.container() + " " + cb.member()
                    + " now carries rpc_ptr '" + cb.function() + "': the kernel can call it through that pointer");
        } else if (fact instanceof Fact.FieldAccess a && a.side() == Domain.DRIVER) {
            access(a, pos);
        } else if (fact instanceof Fact.Ownership o && !changedFunctions.contains(o.container())) {
            boolean kernelFree = o.kind() == OwnershipKind.DEALLOC && o.side() == Domain.KERNEL;
            add(PropertyId.DINTEG, kernelFree ? Severity.WARNING : Severity.NOTE, "ownership-added", pos,
                    o.container() + " " + o.member() + ": " + o.kind().spelling() + " on the " + o.side().word()
                            + " side" + (kernelFree ? " (the driver can make the kernel free this object)" : ""));
        }
    }

    private void access(Fact.FieldAccess a, SourcePos pos) {
        String what = a.container() + " " + a.member();
        String access = a.access().word();
        if (a.kind() == MemberKind.FUNCTION_POINTER) {
            // Registering a callback is what rpc_ptr is for: judged as CALL by its Callback fact.
            return;
        }
        if (!isStruct(a.container())) {
            if (changedFunctions.contains(a.container())) {
                return;
            }
            boolean global = a.container().startsWith("global ");
            String kind = (global ? "global-" : "argument-") + access + "-added";
            if (a.access() == Access.READ) {
                add(PropertyId.DSAFE, global ? Severity.WARNING : Severity.NOTE, kind, pos,
                        "the driver can now read " + what + " (" + a.kind().word() + ")");
            } else {
                add(global ? PropertyId.DINTEG : PropertyId.DSAFE, global ? Severity.ERROR : Severity.NOTE, kind, pos,
                        "the driver can now write " + what + " (" + a.kind().word() + ")");
            }
            return;
        }
        String name = policyName(a.container(), a.member());
        boolean allowed = policy.allowedField(name, access);
        if (a.access() == Access.WRITE && (a.kind() != MemberKind.SCALAR || policy.typeField(name))) {
            String why = a.kind() == MemberKind.SCALAR ? "a type field the kernel relies on" : "a kernel " + a.kind().word();
            add(PropertyId.DINTEG, allowed ? Severity.NOTE : Severity.ERROR,
                    a.kind() == MemberKind.SCALAR ? "type-field-write-added" : "pointer-write-added", pos,
                    "the driver can now write " + what + ", " + why);
            return;
        }
        Severity s = policy.sensitiveField(name) && !allowed ? Severity.ERROR : allowed ? Severity.NOTE : Severity.WARNING;
        add(PropertyId.DSAFE, s, "field-" + access + "-added", pos,
                "the driver can now " + access + " " + what + " (" + a.kind().word() + ")");
    }

    private void removed(Fact fact, SourcePos pos) {
        if (fact instanceof Fact.Call c) {
            add(PropertyId.CALL, Severity.NOTE, c.direction() == CallDirection.DRIVER_TO_KERNEL ? "call-removed"
                    : "callback-removed", pos, c.kind().keyword() + " '" + c.function() + "' was removed");
        } else if (fact instanceof Fact.Callback cb && !changedFunctions.contains(cb.container())) {
            add(PropertyId.CALL, Severity.NOTE, "callback-slot-removed", pos, cb.container() + " " + cb.member()
                    + " no longer carries rpc_ptr '" + cb.function() + "'");
        } else if (fact instanceof Fact.FieldAccess a && a.side() == Domain.DRIVER
                && a.kind() != MemberKind.FUNCTION_POINTER && !changedFunctions.contains(a.container())) {
            String where = isStruct(a.container()) ? "field-" : a.container().startsWith("global ") ? "global-"
                    : "argument-";
            add(a.access() == Access.WRITE && a.kind() != MemberKind.SCALAR ? PropertyId.DINTEG : PropertyId.DSAFE,
                    Severity.NOTE, where + a.access().word() + "-removed",
                    pos, "the driver can no longer " + a.access().word() + " " + a.container() + " " + a.member());
        } else if (fact instanceof Fact.Ownership o && !changedFunctions.contains(o.container())) {
            add(PropertyId.DINTEG, Severity.NOTE, "ownership-removed", pos, o.container() + " " + o.member() + ": no "
                    + o.kind().spelling() + " on the " + o.side().word() + " side any more");
        }
    }

    /**
     * A member that crossed as an rpc_ptr in base and still crosses in head, but not as
     * an rpc_ptr: the kernel would call a driver address that was never registered.
     */
    private void unregisteredCallbacks() {
        for (Fact f : base.keySet()) {
            if (!(f instanceof Fact.Callback cb) || head.containsKey(f)) {
                continue;
            }
            boolean stillRegistered = head.keySet().stream().anyMatch(h -> h instanceof Fact.Callback o
                    && o.container().equals(cb.container()) && o.member().equals(cb.member()));
            if (stillRegistered) {
                continue;
            }
            for (Map.Entry<Fact, SourcePos> e : head.entrySet()) {
                if (e.getKey() instanceof Fact.FieldAccess a && a.side() == Domain.DRIVER
                        && a.container().equals(cb.container()) && a.member().equals(cb.member())
                        && a.kind() != MemberKind.FUNCTION_POINTER) {
                    add(PropertyId.CALL, Severity.ERROR, "callback-unregistered", e.getValue(), cb.container() + " "
                            + cb.member() + " still crosses but no longer as rpc_ptr '" + cb.function()
                            + "': the kernel would call a driver pointer that is not registered");
                    break;
                }
            }
        }
    }
}
