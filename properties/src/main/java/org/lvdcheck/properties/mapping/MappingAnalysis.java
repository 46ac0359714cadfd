package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.Hash64;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.properties.PropertyId;

/**
 * Every mapping of the current tables of a machine state (DESIGN.md §6: the explorer checks
 * INV1–INV3 over every mapping, not only the addresses touched): for each view each CPU can run
 * ({@link MappingInputs}), the EPT's translations and the guest translations of every CR3 the
 * view can run with, walked through that EPT; which frames are paging structures; who owns each
 * frame; and the violations of INV1, INV2 and INV3 with their evidence.
 *
 * <p>The analysis is a pure function of its inputs and of the contents of the frames it read
 * (EPT tables, the EPTP-list pages the VMCSs name, guest page tables): {@link
 * MappingInputs#quickKey} and {@link #framesUnchangedIn} compare exactly those and {@link #key()}
 * hashes them, so an explorer recomputes it only when a paging-structure frame changed
 * ({@link MappingCache}).
 */
public final class MappingAnalysis {
    private final MappingInputs inputs;
    private final List<ViewMaps> views;
    private final TreeMap<Long, List<FrameRole>> pagingFrames;
    private final Ownership ownership;
    private final long[] readFrames;
    private final long[] readHashes;
    private final long key;
    private final List<MappingViolation> inv1;
    private final List<MappingViolation> inv2;
    private final List<MappingViolation> inv3;

    private MappingAnalysis(MappingInputs inputs, PhysMem mem, long inputsKey) {
        this.inputs = inputs;
        this.views = Collections.unmodifiableList(walk(inputs, mem));
        this.pagingFrames = pagingFrames(inputs, views);
        this.ownership = Ownership.of(inputs, kernelMaps(inputs, views));
        TreeSet<Long> read = new TreeSet<>();
        for (ViewMaps v : views) {
            for (long f : v.ept().tableFrames()) {
                read.add(f >>> PhysMem.FRAME_SHIFT);
            }
            for (ViewMaps.Root r : v.roots()) {
                r.map().tables().forEach(t -> read.add(t.hpa() >>> PhysMem.FRAME_SHIFT));
            }
        }
        inputs.eptpLists().stream().filter(MappingInputs.ListPage::named)
                .forEach(l -> read.add(l.hpa() >>> PhysMem.FRAME_SHIFT));
        this.readFrames = read.stream().mapToLong(Long::longValue).toArray();
        this.readHashes = new long[readFrames.length];
        long k = Hash64.mix(inputsKey);
        for (int i = 0; i < readFrames.length; i++) {
            readHashes[i] = mem.frameHash(readFrames[i]);
            k = Hash64.combine(Hash64.combine(k, readFrames[i]), readHashes[i]);
        }
        this.key = k;
        this.inv1 = VaDisjointCheck.run(this);
        this.inv2 = PtReadonlyCheck.run(this);
        this.inv3 = PaDisjointCheck.run(this);
    }

    /** Analyses state {@code s} of {@code system}. */
    public static MappingAnalysis of(LvdSystem system, MachineState s) {
        return new MappingAnalysis(MappingInputs.of(system, s), s.mem(), MappingInputs.quickKey(system, s));
    }

    /** Analyses {@code mem} with hand-given inputs. */
    public static MappingAnalysis of(MappingInputs inputs, PhysMem mem) {
        return new MappingAnalysis(inputs, mem, inputs.hash());
    }

    public MappingInputs inputs() {
        return inputs;
    }

    /** Every view on every CPU, in the order of {@link MappingInputs#views()}. */
    public List<ViewMaps> views() {
        return views;
    }

    /** The views of one CPU. */
    public List<ViewMaps> views(int cpu) {
        return views.stream().filter(v -> v.cpu() == cpu).toList();
    }

    /** Every paging-structure frame (host-physical, page aligned) and what it is used as. */
    public Map<Long, List<FrameRole>> pagingFrames() {
        return Collections.unmodifiableMap(pagingFrames);
    }

    /** The paging-structure frames in {@code [hpa, hpa + size)}. */
    public Map<Long, List<FrameRole>> pagingFramesIn(long hpa, long size) {
        return Collections.unmodifiableMap(pagingFrames.subMap(hpa & ~0xFFFL, true, hpa + size - 1, true));
    }

    public Ownership ownership() {
        return ownership;
    }

    /** The violations of INV1, INV2 or INV3 (empty when it holds); other properties are not about mappings. */
    public List<MappingViolation> violations(PropertyId p) {
        switch (p) {
            case INV1:
                return inv1;
            case INV2:
                return inv2;
            case INV3:
                return inv3;
            default:
                throw new IllegalArgumentException(p + " is not checked over mappings (INV1, INV2, INV3 are)");
        }
    }

    /** Whether every frame the analysis read has the same contents in {@code mem}. */
    public boolean framesUnchangedIn(PhysMem mem) {
        for (int i = 0; i < readFrames.length; i++) {
            if (mem.frameHash(readFrames[i]) != readHashes[i]) {
                return false;
            }
        }
        return true;
    }

    /** The frame numbers the analysis read, ascending (a copy). */
    long[] framesRead() {
        return readFrames.clone();
    }

    /** The combined hash of the inputs and of every frame read with its contents. */
    public long key() {
        return key;
    }

    /** Walks every view's EPT, then each root the view runs with through it (shared walks computed once). */
    private static List<ViewMaps> walk(MappingInputs in, PhysMem mem) {
        Map<Long, EptMap> epts = new HashMap<>();
        Map<String, GuestMap> guests = new HashMap<>();
        List<ViewMaps> out = new ArrayList<>();
        for (MappingInputs.View v : in.views()) {
            EptMap ept = epts.computeIfAbsent(v.eptp(), e -> EptMap.of(mem, e, in.caps()));
            boolean nxe = in.nxe()[v.cpu()];
            List<ViewMaps.Root> roots = new ArrayList<>();
            for (MappingInputs.Root r : in.roots()) {
                if (r.onlyIn().isEmpty() || r.onlyIn().equals(v.domain())) {
                    GuestMap g = guests.computeIfAbsent(v.eptp() + ":" + r.cr3() + ":" + nxe,
                            k -> GuestMap.of(mem, ept, r.cr3(), in.caps(), nxe));
                    roots.add(new ViewMaps.Root(r.name(), r.cr3(), g));
                }
            }
            out.add(new ViewMaps(v.name(), v.domain(), v.cpu(), v.eptp(), ept, List.copyOf(roots)));
        }
        return out;
    }

    private static GuestMap[] kernelMaps(MappingInputs in, List<ViewMaps> views) {
        GuestMap[] maps = new GuestMap[in.cpus()];
        for (ViewMaps v : views) {
            if (v.kernel() && maps[v.cpu()] == null) {
                v.roots().stream().filter(r -> r.name().equals(in.kernelRoot())).findFirst()
                        .ifPresent(r -> maps[v.cpu()] = r.map());
            }
        }
        return maps;
    }

    private static TreeMap<Long, List<FrameRole>> pagingFrames(MappingInputs in, List<ViewMaps> views) {
        TreeMap<Long, List<FrameRole>> m = new TreeMap<>();
        for (ViewMaps v : views) {
            long[] t = v.ept().tableFrames();
            for (int i = 0; i < t.length; i++) {
                addRole(m, t[i], new FrameRole(FrameRole.Kind.EPT_TABLE, v.name(), v.cpu(), v.ept().tableLevel(i), ""));
            }
            for (ViewMaps.Root r : v.roots()) {
                for (GuestMap.Table g : r.map().tables()) {
                    addRole(m, g.hpa(), new FrameRole(FrameRole.Kind.GUEST_TABLE, v.name(), v.cpu(), g.level(), r.name()));
                }
            }
        }
        for (MappingInputs.ListPage l : in.eptpLists()) {
            addRole(m, l.hpa(), new FrameRole(FrameRole.Kind.EPTP_LIST, "", l.cpu(), 0,
                    l.named() ? "named by its VMCS" : "built by the microkernel, no longer named by the VMCS"));
        }
        return m;
    }

    private static void addRole(TreeMap<Long, List<FrameRole>> m, long hpa, FrameRole role) {
        List<FrameRole> l = m.computeIfAbsent(hpa & ~0xFFFL, f -> new ArrayList<>());
        if (!l.contains(role)) {
            l.add(role);
        }
    }
}
