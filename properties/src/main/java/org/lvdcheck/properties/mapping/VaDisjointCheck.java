package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.properties.PropertyId;

/**
 * INV1 va-disjoint over one state. On each CPU the address spaces are: the kernel's (the
 * supervisor pages every kernel CR3 translates in the kernel view), each process's (the user
 * pages one kernel CR3 translates in the kernel view), and each domain's (every page any CR3
 * translates in that domain's view). A page is in a space when some explicit access to it
 * succeeds (ring 0 as {@link AccessMode#RING0}; user pages at CPL 3).
 *
 * <p>Two domains are compared only where they are one address space: over the CR3 values whose
 * root table is the same host frame in both views. Each domain's address space is its own view
 * (its own page table behind the kernel's CR3, its own EPT), and LVD gives every domain the same
 * layout (LVD-AS-BUILT.md §1.9), so two domains reusing one guest-virtual range through separate
 * tables is no overlap: no code moves between two domain views with a pointer of one meaning
 * the other, as the gate moves between the kernel's view and a domain's. A page table both walk
 * is one address space again, and one address there must name one thing.
 *
 * <p>A guest-virtual page in a domain's space and in the kernel's, a process's or another
 * domain's (shared-table) space must be one of:
 * <ol>
 * <li>a declared per-view page ({@link Ownership#perViewPages}) that maps a different frame in
 *     each space;
 * <li>the same frame in both, declared shared with the domain(s) on this CPU, with each domain's
 *     ring-0 rights there within the declared rights;
 * <li>the same frame in both, the domain's own, seen by the kernel (trusted; it may map domain
 *     memory) at the domain's address.
 * </ol>
 * A supervisor page of the kernel that is a user page of a process must map the same frame.
 * Anything else — two frames behind one address, or one undeclared frame — is a violation.
 */
final class VaDisjointCheck {
    private VaDisjointCheck() {
    }

    /** CPL 3 with the kernel's CR0/CR4 settings: what a process reaches. */
    static final AccessMode USER = new AccessMode(3, true, true, false, false);

    private enum Kind { KERNEL, USER, DOMAIN }

    private record Entry(GuestRange range, String root) {}

    /** One address space: who, and its translations sorted by guest-virtual address. */
    private record Space(Kind kind, String who, String view, AccessMode mode, List<Entry> entries) {}

    static List<MappingViolation> run(MappingAnalysis a) {
        List<MappingViolation> out = new ArrayList<>();
        for (int c = 0; c < a.inputs().cpus(); c++) {
            List<Space> kernelSide = new ArrayList<>();
            List<ViewMaps> domains = new ArrayList<>();
            for (ViewMaps v : a.views(c)) {
                if (v.kernel()) {
                    kernelSide.add(space(Kind.KERNEL, "the kernel", "kernel", AccessMode.RING0, v.roots(), false));
                    for (ViewMaps.Root r : v.roots()) {
                        kernelSide.add(space(Kind.USER, "the user pages of " + r.name(), null, USER, List.of(r), true));
                    }
                } else {
                    domains.add(v);
                }
            }
            Pairing p = new Pairing(a.ownership(), c, out);
            for (int i = 0; i < domains.size(); i++) {
                Space d = domainSpace(domains.get(i), domains.get(i).roots());
                for (Space k : kernelSide) {
                    p.compare(d, k);
                }
                for (int j = i + 1; j < domains.size(); j++) {
                    compareSharedTables(p, domains.get(i), domains.get(j));
                }
            }
            for (Space k : kernelSide) {
                if (k.kind() == Kind.KERNEL) {
                    kernelSide.stream().filter(u -> u.kind() == Kind.USER).forEach(u -> p.compare(k, u));
                }
            }
        }
        return List.copyOf(out);
    }

    private static Space domainSpace(ViewMaps v, List<ViewMaps.Root> roots) {
        return space(Kind.DOMAIN, "domain " + v.name(), v.domain().orElseThrow(), AccessMode.RING0, roots, null);
    }

    /** Compares two domain views over the CR3 values whose root table is one host frame in both. */
    private static void compareSharedTables(Pairing p, ViewMaps x, ViewMaps y) {
        Set<Long> xRoots = new HashSet<>();
        x.roots().forEach(r -> xRoots.add(rootFrame(r)));
        Set<Long> common = new HashSet<>();
        y.roots().stream().map(VaDisjointCheck::rootFrame).filter(f -> f >= 0 && xRoots.contains(f)).forEach(common::add);
        if (!common.isEmpty()) {
            p.compare(domainSpace(x, sharedRoots(x, common)), domainSpace(y, sharedRoots(y, common)));
        }
    }

    /** The roots of {@code v} whose root table is in {@code frames}, named so evidence says the table is common. */
    private static List<ViewMaps.Root> sharedRoots(ViewMaps v, Set<Long> frames) {
        return v.roots().stream().filter(r -> frames.contains(rootFrame(r)))
                .map(r -> new ViewMaps.Root(r.name() + ", a root table at HPA " + Hex.of(rootFrame(r))
                        + " both domains walk", r.cr3(), r.map()))
                .toList();
    }

    /** The host frame of a root's PML4 as its view reads it, -1 when the view cannot read it. */
    private static long rootFrame(ViewMaps.Root r) {
        return r.map().tables().isEmpty() ? -1 : r.map().tables().get(0).hpa();
    }

    /** The translations of {@code roots} accessible in {@code mode}; {@code user}: only user pages, only
     *  supervisor pages, or (null) both. Identical translations under several roots are kept once. */
    private static Space space(Kind kind, String who, String view, AccessMode mode, List<ViewMaps.Root> roots,
            Boolean user) {
        Map<GuestRange, Entry> m = new LinkedHashMap<>();
        for (ViewMaps.Root r : roots) {
            for (GuestRange g : r.map().ranges()) {
                if ((user == null || g.guest().user() == user) && g.rights(mode) != 0) {
                    m.putIfAbsent(g, new Entry(g, r.name()));
                }
            }
        }
        List<Entry> l = new ArrayList<>(m.values());
        l.sort((x, y) -> Long.compareUnsigned(x.range().gva(), y.range().gva()));
        return new Space(kind, who, view, mode, l);
    }

    /** Compares two spaces of one CPU and reports each overlap that none of the rules allows. */
    private record Pairing(Ownership own, int cpu, List<MappingViolation> out) {
        void compare(Space x, Space y) {
            List<long[]> perView = x.view() != null && y.view() != null ? own.perViewPages(x.view(), y.view()) : List.of();
            for (Entry ex : x.entries()) {
                GuestRange a = ex.range();
                for (Entry ey : y.entries()) {
                    GuestRange b = ey.range();
                    if (Long.compareUnsigned(b.gva(), a.gvaLast()) > 0) {
                        break;
                    }
                    long lo = umax(a.gva(), b.gva());
                    long hi = umin(a.gvaLast(), b.gvaLast());
                    if (Long.compareUnsigned(lo, hi) <= 0) {
                        overlap(x, ex, y, ey, lo, hi, perView);
                    }
                }
            }
        }

        /** Splits [lo, hi] at the per-view pages and judges each part. */
        private void overlap(Space x, Entry ex, Space y, Entry ey, long lo, long hi, List<long[]> perView) {
            long cur = lo;
            for (long[] pv : perView) {
                if (Long.compareUnsigned(pv[1], cur) < 0 || Long.compareUnsigned(pv[0], hi) > 0) {
                    continue;
                }
                if (Long.compareUnsigned(pv[0], cur) > 0) {
                    plain(x, ex, y, ey, cur, pv[0] - 1);
                }
                long end = umin(pv[1], hi);
                if (sameFrame(ex, ey)) {
                    report(x, ex, y, ey, umax(pv[0], cur), "is a per-view page (each view has its own copy), but both "
                            + "map the same frame");
                }
                if (end == hi) {
                    return;
                }
                cur = end + 1;
            }
            plain(x, ex, y, ey, cur, hi);
        }

        private void plain(Space x, Entry ex, Space y, Entry ey, long lo, long hi) {
            if (!sameFrame(ex, ey)) {
                report(x, ex, y, ey, lo, "maps two different frames");
                return;
            }
            if (y.kind() == Kind.USER && x.kind() == Kind.KERNEL) {
                return;
            }
            long delta = ex.range().hpa() - ex.range().gva();
            for (Ownership.Piece p : own.classify(lo + delta, hi + delta, cpu)) {
                String why = judge(x, ex, y, ey, p);
                if (why != null) {
                    report(x, ex, y, ey, p.first() - delta, why);
                }
            }
        }

        /** Null when the rules allow one frame behind the same address in both spaces; else why not. */
        private String judge(Space x, Entry ex, Space y, Entry ey, Ownership.Piece p) {
            if (p.share().isPresent()) {
                String ax = excess(x, ex, p.share().get());
                return ax != null ? ax : excess(y, ey, p.share().get());
            }
            if (y.kind() == Kind.KERNEL && p.owner().equals(x.view())) {
                return null;
            }
            return "maps one frame, " + p.describe() + ", which is not declared shared";
        }

        /** Why a domain's rights at a shared page exceed the declared ones, or null. */
        private static String excess(Space s, Entry e, Ownership.Share share) {
            int r = e.range().rights(s.mode());
            if (s.kind() != Kind.DOMAIN || (r & ~share.rights()) == 0) {
                return null;
            }
            return "is declared shared as " + share + ", but " + s.who() + " has " + EptEntry.rightsString(r) + " there";
        }

        private void report(Space x, Entry ex, Space y, Entry ey, long gva, String why) {
            String evidence = x.who() + ", cpu" + cpu + ": GVA " + Hex.of(gva) + " is in " + x.who() + " ("
                    + ex.range().slice(gva, 1).walk() + " via " + ex.root() + ") and in " + y.who() + " ("
                    + ey.range().slice(gva, 1).walk() + " via " + ey.root() + "), and " + why;
            out.add(new MappingViolation(PropertyId.INV1, x.view(), cpu, gva, evidence));
        }

        private static boolean sameFrame(Entry a, Entry b) {
            return a.range().hpa() - a.range().gva() == b.range().hpa() - b.range().gva();
        }

        private static long umax(long a, long b) {
            return Long.compareUnsigned(a, b) >= 0 ? a : b;
        }

        private static long umin(long a, long b) {
            return Long.compareUnsigned(a, b) <= 0 ? a : b;
        }
    }
}
