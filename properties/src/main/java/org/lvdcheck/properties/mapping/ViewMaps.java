package org.lvdcheck.properties.mapping;

import java.util.List;
import java.util.Optional;

/**
 * Everything one view maps on one CPU: its EPT, and the guest page tables of every CR3 it can
 * run with, walked through that EPT.
 *
 * @param name the view's name ("kernel", a domain), with the EPTP-list slot when the EPTP is not
 *        one the microkernel built
 * @param domain the owner label whose frames are this view's own; empty for the kernel view
 * @param cpu the CPU whose EPTP this is
 * @param eptp the EPTP
 */
public record ViewMaps(String name, Optional<String> domain, int cpu, long eptp, EptMap ept, List<Root> roots) {

    /** A CR3 value the view can run with and its translations: named after its spec PGD, or "cr3 0x…". */
    public record Root(String name, long cr3, GuestMap map) {}

    public boolean kernel() {
        return domain.isEmpty();
    }

    /** "domain net, cpu0" / "kernel, cpu1": how evidence names the view. */
    public String label() {
        return (kernel() ? "kernel" : "domain " + name) + ", cpu" + cpu;
    }

    /**
     * A guest translation (over every root) that reaches host address {@code hpa}: the first that
     * allows {@code prefer} in ring 0, else the first at all.
     */
    public Optional<Reach> reachOf(long hpa, AccessMode.Access prefer) {
        Reach any = null;
        for (Root r : roots) {
            for (GuestRange g : r.map().ranges()) {
                if (hpa >= g.hpa() && hpa - g.hpa() < g.size()) {
                    Reach here = new Reach(g.slice(g.gva() + (hpa - g.hpa()), 1), r.name());
                    if (g.allows(prefer, AccessMode.RING0)) {
                        return Optional.of(here);
                    }
                    any = any == null ? here : any;
                }
            }
        }
        return Optional.ofNullable(any);
    }

    /** A guest translation of one address and the root it was found under. */
    public record Reach(GuestRange range, String root) {
        /** "GVA 0x… -> … via pgd init_level4_pgt". */
        public String describe() {
            return range.walk() + " via " + root;
        }
    }
}
