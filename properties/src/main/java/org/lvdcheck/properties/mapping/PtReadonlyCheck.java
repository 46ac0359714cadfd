package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.properties.PropertyId;

/**
 * INV2 pt-readonly over one state: no domain view's EPT, on any CPU, maps with write permission a
 * paging-structure frame — an EPT table of any view, an EPTP-list page, a guest page table of any
 * PGD as any view walks it. The EPT is what the hypervisor enforces; a ring-0 domain controls
 * its own guest mappings once it can write one table, so an EPT-writable paging structure is a
 * violation whether or not a guest mapping reaches it yet (the evidence says which).
 */
final class PtReadonlyCheck {
    private PtReadonlyCheck() {
    }

    static List<MappingViolation> run(MappingAnalysis a) {
        List<MappingViolation> out = new ArrayList<>();
        for (ViewMaps v : a.views()) {
            if (v.kernel()) {
                continue;
            }
            for (EptRange r : v.ept().ranges()) {
                if (!r.writable()) {
                    continue;
                }
                for (Map.Entry<Long, List<FrameRole>> f : a.pagingFramesIn(r.hpa(), r.size()).entrySet()) {
                    out.add(violation(v, r, f.getKey(), f.getValue()));
                }
            }
        }
        return List.copyOf(out);
    }

    /** The role as this view on this CPU sees the frame, if it has one: the most telling evidence. */
    private static FrameRole closest(ViewMaps v, List<FrameRole> roles) {
        return roles.stream().filter(x -> x.cpu() == v.cpu() && x.view().equals(v.name())).findFirst()
                .orElse(roles.get(0));
    }

    private static MappingViolation violation(ViewMaps v, EptRange r, long frame, List<FrameRole> roles) {
        long gpa = r.gpa() + (frame - r.hpa());
        StringBuilder b = new StringBuilder(v.label()).append(": GPA ").append(Hex.of(gpa)).append(" -> HPA ")
                .append(Hex.of(frame)).append(" (EPT ").append(EptEntry.rightsString(r.rwx())).append(") is ")
                .append(closest(v, roles).describe());
        if (roles.size() > 1) {
            b.append(" (and ").append(roles.size() - 1).append(" more role").append(roles.size() > 2 ? "s" : "").append(')');
        }
        Optional<ViewMaps.Reach> reach = v.reachOf(frame, AccessMode.Access.WRITE);
        if (reach.isPresent()) {
            boolean writes = reach.get().range().allows(AccessMode.Access.WRITE, AccessMode.RING0);
            b.append("; mapped at ").append(reach.get().describe())
                    .append(writes ? ", writable from ring 0" : ", not writable through that mapping");
        } else {
            b.append("; no guest mapping of the view reaches it yet");
        }
        return new MappingViolation(PropertyId.INV2, v.name(), v.cpu(), frame, b.toString());
    }
}
