package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.properties.PropertyId;

/**
 * INV3 pa-disjoint over one state. Every frame a domain view's EPT maps, with any rights, on any
 * CPU, must be the domain's own (a region labelled with its name) or declared shared with it on
 * that CPU with the EPT's rights within the declared rights ({@link MappingInputs}). The EPT
 * bounds what a ring-0 domain reaches whatever its page tables say. Views reached by VMFUNC are
 * not the domain's reach: after VMFUNC the other view's code runs (ENTRY checks where it lands).
 * A hypercall with physical reach that the policy serves a domain reaches every frame below
 * MAXPHYADDR: one violation per domain and leaf, naming the kernel EPT's root as the example.
 */
final class PaDisjointCheck {
    private PaDisjointCheck() {
    }

    static List<MappingViolation> run(MappingAnalysis a) {
        List<MappingViolation> out = new ArrayList<>();
        for (ViewMaps v : a.views()) {
            if (!v.kernel()) {
                for (EptRange r : v.ept().ranges()) {
                    check(a.ownership(), v, r, out);
                }
            }
        }
        hypercalls(a, out);
        return List.copyOf(out);
    }

    private static void check(Ownership own, ViewMaps v, EptRange r, List<MappingViolation> out) {
        String domain = v.domain().orElseThrow();
        for (Ownership.Piece p : own.classify(r.hpa(), r.hpa() + r.size() - 1, v.cpu())) {
            if (p.share().isPresent()) {
                if ((r.rwx() & ~p.share().get().rights()) != 0) {
                    out.add(violation(v, r, p.first(), "is declared shared as " + p.share().get()
                            + " but this view maps it " + EptEntry.rightsString(r.rwx()) + span(p)));
                }
            } else if (!p.owner().equals(domain)) {
                out.add(violation(v, r, p.first(), "is " + p.describe() + ", not the domain's own and not declared "
                        + "shared with this view" + elsewhere(own, p) + span(p)));
            }
        }
    }

    /** ", declared shared only with cpu1's views (ist5 stack of cpu1)" when the frame is shared on other CPUs. */
    private static String elsewhere(Ownership own, Ownership.Piece p) {
        List<Ownership.Share> s = own.sharesOf(p.first());
        if (s.isEmpty()) {
            return "";
        }
        return " (declared shared only with " + s.stream().map(x -> "cpu" + x.cpu() + "'s views as " + x.object())
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String span(Ownership.Piece p) {
        long frames = (p.last() - p.first() + 1) >>> 12;
        if (frames == 1) {
            return "";
        }
        return frames == 2 ? "; so is the next frame" : "; so are the next " + (frames - 1) + " frames, up to HPA "
                + Hex.of(p.last() & ~0xFFFL);
    }

    private static MappingViolation violation(ViewMaps v, EptRange r, long frame, String what) {
        long gpa = r.gpa() + (frame - r.hpa());
        StringBuilder b = new StringBuilder(v.label()).append(": GPA ").append(Hex.of(gpa)).append(" -> HPA ")
                .append(Hex.of(frame)).append(" (EPT ").append(EptEntry.rightsString(r.rwx())).append(") ").append(what);
        Optional<ViewMaps.Reach> reach = v.reachOf(frame, AccessMode.Access.WRITE);
        reach.ifPresent(x -> b.append("; mapped at ").append(x.describe()));
        return new MappingViolation(PropertyId.INV3, v.name(), v.cpu(), frame, b.toString());
    }

    private static void hypercalls(MappingAnalysis a, List<MappingViolation> out) {
        Optional<ViewMaps> kernel = a.views().stream().filter(ViewMaps::kernel).findFirst();
        if (kernel.isEmpty()) {
            return;
        }
        long root = Eptp.pml4Address(kernel.get().eptp(), a.inputs().caps().maxPhysAddr());
        String example = "HPA " + Hex.of(root) + ", the root of the kernel's EPT on cpu" + kernel.get().cpu() + ", "
                + a.ownership().classify(root, root + 4095, kernel.get().cpu()).get(0).describe();
        Set<String> domains = new TreeSet<>();
        a.views().forEach(v -> v.domain().ifPresent(domains::add));
        for (String d : domains) {
            for (MappingInputs.ServedHypercall h : a.inputs().hypercalls()) {
                out.add(new MappingViolation(PropertyId.INV3, d, -1, root, "domain " + d + ", every cpu: hypercall "
                        + Hex.of(h.leaf()) + " " + h.what() + "; " + h.where() + ": the domain reaches every frame, e.g. "
                        + example));
            }
        }
    }
}
