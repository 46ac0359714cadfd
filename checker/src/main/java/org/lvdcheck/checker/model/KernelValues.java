package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.lxd.Layout;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.lvd.Model;

/**
 * Which register values are the kernel's own, for INV5's "the domain sees no kernel value other
 * than declared arguments" (DESIGN.md §4). {@code ArchRegs} labels values ⊤ or concrete, not by
 * owner, so a concrete value is kernel-only when it is an address in a kernel-virtual range no
 * domain is given: each CPU's per-CPU area (what GS base points to in the kernel), the irq
 * stacks, each thread's task_struct, work block, FPU area and kernel stack, and every section of
 * the kernel's code and data that no domain links at the same address and that is no IDT handler
 * section (the entry text, the gate pages, the IDT, GDT, TSS and IST stacks are mapped into the
 * domains at the kernel's addresses: their addresses tell a domain nothing it does not have).
 * Computed once from the spec.
 */
public final class KernelValues {
    /** One kernel-only range, {@code [start, end)}, and what it is. */
    public record Range(long start, long end, String what) {
        boolean contains(long v) {
            return Long.compareUnsigned(v, start) >= 0 && Long.compareUnsigned(v, end) < 0;
        }
    }

    private final Range[] ranges;

    /** The threads' names, for {@link #kernelFpu}. */
    private final List<String> threads;

    KernelValues(List<Range> ranges, List<String> threads) {
        this.ranges = ranges.stream().sorted(Comparator.comparing(Range::start, Long::compareUnsigned))
                .toArray(Range[]::new);
        this.threads = List.copyOf(threads);
    }

    /** The kernel-only ranges of a built system. */
    public static KernelValues of(LvdSystem system) {
        List<Range> out = new ArrayList<>();
        Layout l = system.layout();
        LinkedImage kernel = system.images().get("kernel");
        long percpuSize = kernel.symbol("PERCPU_AREA_SIZE").orElse(4096) + 8L * system.views().size();
        for (int c = 0; c < l.percpu().length; c++) {
            out.add(new Range(l.percpu()[c], l.percpu()[c] + percpuSize, "the per-CPU area of cpu" + c));
        }
        for (Model.KernelObject o : system.spec().objects()) {
            if (o.kind() == Model.ObjectKind.IRQ_STACK) {
                out.add(new Range(o.gva(), o.gva() + o.size(), "the irq stack of cpu" + o.cpu()));
            }
        }
        for (int t = 0; t < l.taskGva().length; t++) {
            String name = system.spec().threads().get(t).name();
            long lo = Math.min(l.taskGva()[t], Math.min(l.argGva()[t], l.xsave()[t]));
            if (Long.compareUnsigned(lo, l.stackTop()[t]) < 0) {
                out.add(new Range(lo, l.stackTop()[t], "thread " + name + "'s task_struct, work block, FPU area and "
                        + "kernel stack"));
            }
        }
        for (String sec : kernel.sectionNames()) {
            long start = kernel.sectionStart(sec);
            long end = kernel.sectionEnd(sec);
            if (end > start && !sharedWithDomains(system, sec, start) && !handlerSection(system, kernel, start, end)) {
                out.add(new Range(start, end, "the kernel's " + sec));
            }
        }
        return new KernelValues(out, system.spec().threads().stream().map(Model.Thread::name).toList());
    }

    private static boolean sharedWithDomains(LvdSystem system, String sec, long start) {
        for (Map.Entry<String, LinkedImage> e : system.images().entrySet()) {
            if (!e.getKey().equals("kernel") && e.getValue().sectionNames().contains(sec)
                    && e.getValue().sectionStart(sec) == start) {
                return true;
            }
        }
        return false;
    }

    private static boolean handlerSection(LvdSystem system, LinkedImage kernel, long start, long end) {
        for (Model.Vector v : system.spec().vectors()) {
            long h = kernel.symbol(v.handler()).orElse(-1);
            if (h >= start && h < end) {
                return true;
            }
        }
        return false;
    }

    /** What the kernel-only range holding {@code value} is, or null when the value is not kernel-only. */
    public String kernelOnly(long value) {
        for (Range r : ranges) {
            if (r.contains(value)) {
                return r.what();
            }
        }
        return null;
    }

    /**
     * Whose FPU contents the XSAVE component token {@code token} of component {@code component}
     * ({@code ArchRegs.XSTATE_X87}, {@code XSTATE_SSE}, {@code XSTATE_AVX}) is, or null: a kernel
     * thread's own token
     * ({@link org.lvdcheck.emulator.lxd.SystemBuilder#fpuToken}), which only the kernel side's FPU
     * holds.
     */
    public String kernelFpu(int component, long token) {
        for (int t = 0; t < threads.size(); t++) {
            if (token == org.lvdcheck.emulator.lxd.SystemBuilder.fpuToken(t, component)) {
                return "thread " + threads.get(t) + "'s FPU contents";
            }
        }
        return null;
    }

    public List<Range> ranges() {
        return List.of(ranges);
    }
}
