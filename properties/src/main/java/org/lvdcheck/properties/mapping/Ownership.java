package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.spec.lvd.Model;

/**
 * Who owns each host frame, which kernel frames are declared shared with the domains on each
 * CPU (with the rights allowed), and which guest-virtual pages several views back with their own
 * frames: {@link MappingInputs}' declarations resolved to frames (the rules are stated there and
 * in docs/PROPERTIES.md). A frame's owner is the owner label of the region that holds it, "none"
 * outside every region; frames of a region labelled {@code shared} are shared with every domain,
 * read-write, never executable.
 */
public final class Ownership {
    /** A frame declared shared with the domains on one CPU's views: what it holds and the rights allowed. */
    public record Share(long frame, int rights, int cpu, String object) {
        @Override
        public String toString() {
            return object + " (" + EptEntry.rightsString(rights) + ")";
        }
    }

    /**
     * A run of frames with one classification: the region holding them (empty: none) and, for
     * frames of one declaration or of a {@code shared} region, the declaration.
     */
    public record Piece(long first, long last, Optional<Model.Region> region, Optional<Share> share) {
        /** The owner label, or "none". */
        public String owner() {
            return region.map(Model.Region::owner).orElse("none");
        }

        /** "kernel memory (region kernel.percpu)", "memory of no region". */
        public String describe() {
            return region.map(r -> r.owner() + " memory (region " + r.name() + ")").orElse("memory of no region");
        }
    }

    private static final int RW = EptEntry.R | EptEntry.W;

    private final TreeMap<Long, Model.Region> regions = new TreeMap<>();
    /** Declared-shared kernel frames, by frame, every CPU's declarations together. */
    private final TreeMap<Long, List<Share>> shares = new TreeMap<>();
    private final List<MappingInputs.PerViewPage> perView;

    private Ownership(MappingInputs in) {
        for (Model.Region r : in.regions()) {
            regions.put(r.hpa(), r);
        }
        this.perView = in.perView();
    }

    /**
     * The ownership {@code in} declares, with the shared kernel objects located through
     * {@code kernelMaps[cpu]}: the translations of the kernel root in the kernel view of each CPU
     * (null entries: that CPU shares nothing).
     */
    public static Ownership of(MappingInputs in, GuestMap[] kernelMaps) {
        Ownership o = new Ownership(in);
        for (int c = 0; c < kernelMaps.length; c++) {
            if (kernelMaps[c] == null) {
                continue;
            }
            for (MappingInputs.SharedObject k : in.shared()) {
                if (k.cpu() < 0 || k.cpu() == c) {
                    o.sharePages(c, kernelMaps[c], k.gva(), k.size(), k.rights(), k.object());
                }
            }
        }
        return o;
    }

    private void sharePages(int cpu, GuestMap kernel, long gva, long size, int rights, String object) {
        long pages = ((gva + size - 1) >>> 12) - (gva >>> 12) + 1;
        for (long i = 0; i < pages; i++) {
            long page = (gva & ~0xFFFL) + 4096 * i;
            kernel.lookup(page).ifPresent(r -> {
                long frame = r.hpa() + (page - r.gva());
                List<Share> l = shares.computeIfAbsent(frame, f -> new ArrayList<>());
                Share s = new Share(frame, rights, cpu, object);
                if (!l.contains(s)) {
                    l.add(s);
                }
            });
        }
    }

    /** The region holding {@code hpa}. */
    public Optional<Model.Region> regionOf(long hpa) {
        Map.Entry<Long, Model.Region> e = regions.floorEntry(hpa);
        if (e != null && hpa - e.getValue().hpa() < e.getValue().size()) {
            return Optional.of(e.getValue());
        }
        return Optional.empty();
    }

    /** Every declaration that shares {@code frame}, on any CPU. */
    public List<Share> sharesOf(long frame) {
        return List.copyOf(shares.getOrDefault(frame & ~0xFFFL, List.of()));
    }

    /** Every declared-shared kernel frame, ascending. */
    public List<Long> sharedFrames() {
        return List.copyOf(shares.keySet());
    }

    /**
     * Splits the frames {@code [first, last]} (inclusive, page aligned) into runs of one region
     * each, with the kernel frames declared shared on {@code cpu}'s views in runs of their own
     * (one declaration per run).
     */
    public List<Piece> classify(long first, long last, int cpu) {
        List<Piece> out = new ArrayList<>();
        long cur = first;
        for (Map.Entry<Long, List<Share>> e : shares.subMap(first, true, last, true).entrySet()) {
            Optional<Share> s = e.getValue().stream().filter(x -> x.cpu() == cpu).reduce(Ownership::union);
            if (s.isEmpty()) {
                continue;
            }
            long f = e.getKey();
            if (f > cur) {
                byRegion(cur, f - 1, out);
            }
            Piece prev = out.isEmpty() ? null : out.get(out.size() - 1);
            if (prev != null && prev.last() + 1 == f && prev.share().isPresent() && prev.region().equals(regionOf(f))
                    && sameDeclaration(prev.share().get(), s.get())) {
                out.set(out.size() - 1, new Piece(prev.first(), f + 4095, prev.region(), prev.share()));
            } else {
                out.add(new Piece(f, f + 4095, regionOf(f), s));
            }
            cur = f + 4096;
        }
        if (cur <= last) {
            byRegion(cur, last, out);
        }
        return out;
    }

    private static boolean sameDeclaration(Share a, Share b) {
        return a.rights() == b.rights() && a.cpu() == b.cpu() && a.object().equals(b.object());
    }

    private static Share union(Share a, Share b) {
        return new Share(a.frame(), a.rights() | b.rights(), a.cpu(), a.object() + ", " + b.object());
    }

    private void byRegion(long first, long last, List<Piece> out) {
        long cur = first;
        while (cur <= last) {
            Optional<Model.Region> r = regionOf(cur);
            long end;
            if (r.isPresent()) {
                end = Math.min(last, r.get().hpa() + r.get().size() - 1);
            } else {
                Long next = regions.higherKey(cur);
                end = next == null ? last : Math.min(last, next - 1);
            }
            long from = cur;
            Optional<Share> s = r.filter(x -> x.owner().equals("shared"))
                    .map(x -> new Share(from, RW, -1, "region " + x.name() + " (owner=shared)"));
            out.add(new Piece(cur, end, r, s));
            cur = end + 1;
        }
    }

    /**
     * The guest-virtual pages views {@code a} and {@code b} ("kernel" or a domain's name) each back
     * with their own frame, as inclusive {@code [first, last]} pairs (page aligned), ascending.
     */
    public List<long[]> perViewPages(String a, String b) {
        List<long[]> out = new ArrayList<>();
        for (MappingInputs.PerViewPage p : perView) {
            if (p.views().contains(a) && p.views().contains(b)) {
                out.add(new long[] {p.gva() & ~0xFFFL, (p.gva() + p.size() - 1) | 0xFFFL});
            }
        }
        out.sort((x, y) -> Long.compareUnsigned(x[0], y[0]));
        return out;
    }
}
