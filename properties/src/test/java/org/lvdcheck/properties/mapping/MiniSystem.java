package org.lvdcheck.properties.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.PageTableBuilder;
import org.lvdcheck.emulator.paging.Pte;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.lvd.Model;

/**
 * A small machine built by hand with the emulator's builders, independent of any spec: a kernel
 * view (identity EPT over the first GiB, RWX, and a page table with a direct map and a text
 * mapping) and domains, each with its own EPT per CPU and its own page table, plus the facts of
 * {@link MappingInputs}. Host memory: kernel [0, 16M), domain i at 16M·(i+1), the hypervisor's
 * EPT tables and EPTP lists at 48M, a region owned by "shared" at 64M.
 */
final class MiniSystem {
    static final CpuCaps CAPS = CpuCaps.skylake().withMaxPhysAddr(39);
    static final long KERNEL_PT = 0x10_0000L;
    static final long PROCESS_PT = 0x20_0000L;
    static final long HV = 0x300_0000L;
    static final long SHARED = 0x400_0000L;
    static final long DOMAIN_PT_GPA = 0x4000_0000L;
    static final long DIRECT = 0xffff_8880_0000_0000L;
    static final long TEXT = 0xffff_ffff_8000_0000L;
    static final int R = EptEntry.R;
    static final int RW = EptEntry.R | EptEntry.W;
    static final int X = EptEntry.X;
    static final long KERNEL_FLAGS = Pte.RW | Pte.A | Pte.D;

    final int cpus;
    final PhysMem.Editor mem = PhysMem.empty(CAPS.maxPhysAddr()).edit();
    final LongSupplier hvFrames = frames(HV);
    final long[] lists;
    final EptBuilder kernelEpt;
    final PageTableBuilder kernelPt;
    final Map<String, EptBuilder[]> domainEpt = new LinkedHashMap<>();
    final Map<String, PageTableBuilder> domainPt = new LinkedHashMap<>();
    final Map<String, Long> domainBase = new LinkedHashMap<>();
    final List<MappingInputs.SharedObject> shared = new ArrayList<>();
    final List<MappingInputs.PerViewPage> perView = new ArrayList<>();
    final List<MappingInputs.ServedHypercall> hypercalls = new ArrayList<>();
    PageTableBuilder processPt;

    MiniSystem(int cpus, String... domains) {
        this.cpus = cpus;
        lists = new long[cpus];
        for (int c = 0; c < cpus; c++) {
            lists[c] = hvFrames.getAsLong();
            mem.allocateFrame(lists[c] >>> 12);
        }
        kernelEpt = EptBuilder.create(mem, hvFrames, CAPS).map(0, 0, 1L << 30, EptEntry.RWX, PageSize.SIZE_2M);
        kernelPt = PageTableBuilder.create(mem, g -> g, frames(KERNEL_PT), CAPS);
        kernelPt.map(DIRECT, 0, 0x400_0000L, KERNEL_FLAGS | Pte.XD, PageSize.SIZE_2M);
        kernelPt.map(TEXT, 0, 0x100_0000L, KERNEL_FLAGS, PageSize.SIZE_2M);
        for (int i = 0; i < domains.length; i++) {
            long base = 0x100_0000L * (i + 1);
            String d = domains[i];
            domainBase.put(d, base);
            EptBuilder[] e = new EptBuilder[cpus];
            for (int c = 0; c < cpus; c++) {
                e[c] = EptBuilder.create(mem, hvFrames, CAPS).map(DOMAIN_PT_GPA, base, 0x1_0000, R, PageSize.SIZE_4K);
            }
            domainEpt.put(d, e);
            domainPt.put(d, PageTableBuilder.create(mem, g -> g - DOMAIN_PT_GPA + base, frames(DOMAIN_PT_GPA), CAPS)
                    .tableFlags(Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D));
        }
    }

    static LongSupplier frames(long first) {
        long[] next = {first};
        return () -> {
            long f = next[0];
            next[0] += 4096;
            return f;
        };
    }

    /** Maps [gpa, gpa+size) to [hpa, …) in every CPU's EPT of domain d. */
    MiniSystem ept(String d, long gpa, long hpa, long size, int rwx) {
        for (int c = 0; c < cpus; c++) {
            ept(d, c, gpa, hpa, size, rwx);
        }
        return this;
    }

    MiniSystem ept(String d, int cpu, long gpa, long hpa, long size, int rwx) {
        domainEpt.get(d)[cpu].map(gpa, hpa, size, rwx, PageSize.SIZE_4K);
        return this;
    }

    /** Maps [gva, gva+size) to [gpa, …) in domain d's page table: flags as given, accessed and dirty preset. */
    MiniSystem map(String d, long gva, long gpa, long size, long flags) {
        domainPt.get(d).map(gva, gpa, size, flags | Pte.A | Pte.D, PageSize.SIZE_4K);
        return this;
    }

    /** Maps [gva, gva+size) to [gpa, …) in the kernel's page table (4 KiB pages, splitting as needed). */
    MiniSystem mapKernel(long gva, long gpa, long size, long flags) {
        kernelPt.map(gva, gpa, size, flags | Pte.A | Pte.D, PageSize.SIZE_4K);
        return this;
    }

    /** Maps [gva, gva+size) in a process page table (a root of the kernel view) to [gpa, …). */
    MiniSystem mapProcess(long gva, long gpa, long size, long flags) {
        if (processPt == null) {
            processPt = PageTableBuilder.create(mem, g -> g, frames(PROCESS_PT), CAPS);
        }
        processPt.map(gva, gpa, size, flags | Pte.A | Pte.D, PageSize.SIZE_4K);
        return this;
    }

    MiniSystem share(String object, long gva, long size, int rights, int cpu) {
        shared.add(new MappingInputs.SharedObject(object, gva, size, rights, cpu));
        return this;
    }

    MiniSystem perView(String what, long gva, long size, String... views) {
        perView.add(new MappingInputs.PerViewPage(what, gva, size, java.util.Set.of(views)));
        return this;
    }

    long domainBase(String d) {
        return domainBase.get(d);
    }

    MappingInputs inputs() {
        List<MappingInputs.View> views = new ArrayList<>();
        List<MappingInputs.ListPage> listPages = new ArrayList<>();
        for (int c = 0; c < cpus; c++) {
            views.add(new MappingInputs.View("kernel", Optional.empty(), c, kernelEpt.eptp(false)));
            for (Map.Entry<String, EptBuilder[]> e : domainEpt.entrySet()) {
                views.add(new MappingInputs.View(e.getKey(), Optional.of(e.getKey()), c, e.getValue()[c].eptp(false)));
            }
            listPages.add(new MappingInputs.ListPage(c, lists[c], true));
        }
        List<MappingInputs.Root> roots = new ArrayList<>();
        roots.add(new MappingInputs.Root("pgd k", KERNEL_PT, Optional.empty()));
        if (processPt != null) {
            roots.add(new MappingInputs.Root("pgd p", PROCESS_PT, Optional.empty()));
        }
        for (String d : domainEpt.keySet()) {
            roots.add(new MappingInputs.Root("pgd " + d, DOMAIN_PT_GPA, Optional.of(d)));
        }
        List<Model.Region> regions = new ArrayList<>();
        SourcePos pos = new SourcePos("mini.lvd", 1, 1);
        regions.add(new Model.Region("k", 0, 0x100_0000L, "kernel", pos));
        domainBase.forEach((d, b) -> regions.add(new Model.Region(d + ".mem", b, 0x100_0000L, d, pos)));
        regions.add(new Model.Region("hv", HV, 0x100_0000L, "hypervisor", pos));
        regions.add(new Model.Region("buf", SHARED, 0x10_0000L, "shared", pos));
        boolean[] nxe = new boolean[cpus];
        java.util.Arrays.fill(nxe, true);
        return new MappingInputs(CAPS, cpus, views, roots, nxe, listPages, regions, "pgd k", shared, perView, hypercalls);
    }

    MappingAnalysis analyse() {
        return MappingAnalysis.of(inputs(), mem.freeze());
    }
}
