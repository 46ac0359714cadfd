package org.lvdcheck.checker.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListSet;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.spec.lvd.Model;

/**
 * Which host frames the partial-order reduction may take as one CPU's or one thread's alone, or as
 * never written (docs/MODEL.md, "Partial-order reduction", "Frame ownership"). An instruction whose
 * every data access reaches frames of its own CPU, of the thread running on it, or (reading) a
 * read-only frame commutes with every step of another CPU — provided no step of another CPU ever
 * reaches them. That proviso is not assumed: every step the explorer takes is {@link #observe
 * observed}, and a step of one CPU that reaches a frame of another CPU, of a thread running on
 * another CPU, or that writes a read-only frame is recorded as a <em>breach</em>; a run with a
 * breach reports nothing as holding (its violations stay real: the reduction only chooses which
 * interleavings to take, and every trace replays).
 *
 * Words of thread frames that other CPUs share by design (the task fields the hypervisor's kill
 * reads and writes in every thread) are nobody's: accesses to them are never local, and are no
 * breach.
 *
 * <ul>
 *   <li><b>CPU frames</b>: each CPU's state page and landing-ticket page as its kernel view maps
 *       them (where the views of the CPUs map different frames), its GDT, TSS, IST stacks and IRQ stack — the per-CPU
 *       objects of the spec other than the per-CPU area, whose stack bitmap {@code drop_stack}
 *       writes from another CPU (its GS-relative words keep their own argument).</li>
 *   <li><b>Thread frames</b>: each thread's task page up to its stack top (task_struct, work block,
 *       XSAVE area, kernel stack).</li>
 *   <li><b>Read-only frames</b>: the IDT and each domain view's state page, when no domain can
 *       write them and they are neither CPU nor thread frames.</li>
 * </ul>
 * Safe for the explorer's worker threads.
 */
public final class FrameOwnership {
    private static final int NONE = -1;
    private static final int READ_ONLY = Integer.MAX_VALUE;
    private final int cpus;
    /** The owned frames, ascending, and per frame its owner: CPU c as c, thread t as cpus + t, or READ_ONLY. */
    private final long[] frames;
    private final int[] owners;
    /** Per view and CPU: whether every tracked frame the view writes on the CPU is that CPU's. */
    private final boolean[][] topWriteLocal;
    /**
     * Host addresses (8-aligned, ascending) of the words of thread frames that other CPUs share: the
     * fields of every task_struct the hypervisor's kill reads and writes ({@code TASK_nested_count},
     * {@code TASK_vmfunc_lcd}, {@code TASK_lvd_killed}, HARDENING.md G16). An access to one is never
     * local, and another CPU's access to one is no breach.
     */
    private final long[] sharedWords;
    /** Per owned frame (same index as {@link #frames}), the offsets of its shared words, ascending, or null. */
    private final long[][] sharedOffsets;
    /**
     * Host address of each CPU's EPTP-list entry 0 (the kernel's view) in the list the hypervisor
     * built for it: a VMFUNC back to the kernel's view reads only that word of shared memory, which
     * the kill (it clears the domain's slots) and every other step leave as it is ({@link #observe}
     * checks it).
     */
    private final long[] kernelSlots;
    private final ConcurrentSkipListSet<String> breaches = new ConcurrentSkipListSet<>();
    /** Distinct breaches kept for the report (one is enough to withhold every "holds"). */
    private static final int MAX_BREACHES = 50;
    private final Machine machine;

    public FrameOwnership(Machine machine) {
        this.machine = machine;
        MachineState init = machine.initial();
        this.cpus = machine.system().cpus();
        Map<Long, Integer> claims = new HashMap<>();
        java.util.Set<Long> conflicted = new java.util.HashSet<>();
        java.util.function.BiConsumer<Long, Integer> claim = (frame, who) -> {
            if (frame < 0) {
                return;
            }
            Integer was = claims.putIfAbsent(frame, who);
            if (was != null && !was.equals(who)) {
                conflicted.add(frame);
            }
        };
        List<Model.KernelObject> objects = machine.system().spec().objects();
        for (Model.KernelObject o : objects) {
            switch (o.kind()) {
                case STATE_PAGE, LANDING_TICKET -> {
                    long[] perCpu = new long[cpus];
                    for (int c = 0; c < cpus; c++) {
                        perCpu[c] = frameOf(init, 0, c, o.gva());
                    }
                    for (int c = 0; c < cpus; c++) {
                        boolean own = true;
                        for (int d = 0; d < cpus; d++) {
                            own &= d == c || perCpu[d] != perCpu[c];
                        }
                        if (own) {
                            claim.accept(perCpu[c], c);
                        }
                    }
                }
                case GDT, TSS, IST, IRQ_STACK -> {
                    if (o.cpu() >= 0) {
                        long size = Math.max(o.size(), 1);
                        for (long g = o.gva() & ~0xFFFL; g < o.gva() + size; g += PhysMem.FRAME_SIZE) {
                            claim.accept(frameOf(init, 0, o.cpu(), g), o.cpu());
                        }
                    }
                }
                default -> {
                }
            }
        }
        List<Model.Thread> threads = machine.system().spec().threads();
        for (int t = 0; t < threads.size(); t++) {
            Model.Thread th = threads.get(t);
            for (long g = th.taskGva() & ~0xFFFL; g < th.stackTop(); g += PhysMem.FRAME_SIZE) {
                for (int c = 0; c < cpus; c++) {
                    claim.accept(frameOf(init, 0, c, g), cpus + t);
                }
            }
        }
        Map<Long, Integer> owner = new java.util.TreeMap<>();
        for (var e : claims.entrySet()) {
            if (!conflicted.contains(e.getKey())) {
                owner.put(e.getKey(), e.getValue());
            }
        }
        var writes = machine.system().domainWrites();
        java.util.Set<Long> readOnly = new java.util.HashSet<>();
        for (Model.KernelObject o : objects) {
            if (o.kind() == Model.ObjectKind.IDT) {
                for (int c = 0; c < cpus; c++) {
                    readOnly.add(frameOf(init, 0, c, o.gva()));
                }
            }
            if (o.kind() == Model.ObjectKind.STATE_PAGE) {
                for (int v = 1; v < machine.system().views().size(); v++) {
                    for (int c = 0; c < cpus; c++) {
                        readOnly.add(frameOf(init, v, c, o.gva()));
                    }
                }
            }
        }
        for (long f : readOnly) {
            if (f >= 0 && !claims.containsKey(f) && !writes.domainWritable(f)) {
                owner.put(f, READ_ONLY);
            }
        }
        frames = owner.keySet().stream().mapToLong(Long::longValue).toArray();
        owners = owner.values().stream().mapToInt(Integer::intValue).toArray();
        java.util.TreeSet<Long> shared = new java.util.TreeSet<>();
        var kernel = machine.system().images().get("kernel");
        for (String field : new String[] {"TASK_nested_count", "TASK_vmfunc_lcd", "TASK_lvd_killed"}) {
            java.util.OptionalLong off = kernel == null ? java.util.OptionalLong.empty() : kernel.symbol(field);
            for (Model.Thread th : threads) {
                long gva = th.taskGva() + (off.isPresent() ? off.getAsLong() : 0);
                long at = off.isPresent() ? frameOf(init, 0, 0, gva & ~0xFFFL) : -1;
                if (at >= 0) {
                    long hpa = at << PhysMem.FRAME_SHIFT | (gva & 0xFF8L);
                    shared.add(hpa);
                    shared.add(hpa + 8); // a field that straddles its word takes the next too
                }
            }
        }
        sharedWords = shared.stream().mapToLong(Long::longValue).toArray();
        sharedOffsets = new long[frames.length][];
        for (int i = 0; i < frames.length; i++) {
            long base = frames[i] << PhysMem.FRAME_SHIFT;
            long[] offs = shared.subSet(base, base + PhysMem.FRAME_SIZE).stream().mapToLong(w -> w - base).toArray();
            sharedOffsets[i] = offs.length == 0 ? null : offs;
        }
        kernelSlots = machine.system().eptpLists().clone();
        int views = machine.system().views().size();
        topWriteLocal = new boolean[views][cpus];
        for (int v = 0; v < views; v++) {
            for (int c = 0; c < cpus; c++) {
                boolean all = true;
                for (long f : writes.trackedWritable(v, c)) {
                    all &= ownerOf(f) == c;
                }
                topWriteLocal[v][c] = all;
            }
        }
    }

    /** The host frame view {@code view} of CPU {@code cpu} maps {@code gva} to with the kernel's CR3, or -1. */
    private long frameOf(MachineState s, int view, int cpu, long gva) {
        ArchRegs r = s.cpu(cpu).regs();
        long eptp = machine.system().eptps()[view][cpu];
        if (eptp == 0) {
            return -1;
        }
        var gp = new EptGuestPhysical(s.mem(), eptp, machine.system().caps());
        for (LinearAccess a : new LinearAccess[] {LinearAccess.SUPERVISOR_READ, LinearAccess.FETCH}) {
            PagingResult p = GuestPaging.translate(PagingRegs.of(r).withCpl(0), gva, a, gp);
            if (p instanceof PagingResult.Ok ok) {
                return ok.hpa() >>> PhysMem.FRAME_SHIFT;
            }
        }
        return -1;
    }

    /** The owner code of {@code frame} (see {@link #owners}), or NONE. */
    private int ownerOf(long frame) {
        int i = java.util.Arrays.binarySearch(frames, frame);
        return i >= 0 ? owners[i] : NONE;
    }

    /** The words (host physical addresses) of owned frames that every CPU may write (shared task fields). */
    long[] sharedWords() {
        return sharedWords;
    }

    /** The CPU owning {@code frame}, or -1. */
    int cpuOf(long frame) {
        int o = ownerOf(frame);
        return o >= 0 && o < cpus ? o : NONE;
    }

    /** The thread owning {@code frame}, or -1. */
    int threadOf(long frame) {
        int o = ownerOf(frame);
        return o >= cpus && o != READ_ONLY ? o - cpus : NONE;
    }

    boolean readOnly(long frame) {
        return ownerOf(frame) == READ_ONLY;
    }

    /**
     * Whether the data accesses {@code a} of an instruction CPU {@code c} ran in {@code pre} reach only
     * frames the reduction may take as c's: its own, its running thread's, read-only ones (read).
     */
    boolean local(MachineState pre, int c, Event.Accessed a) {
        int thread = pre.cpu(c).thread();
        for (long code : a.accesses()) {
            long hpa = Event.Accessed.hpa(code);
            long f = hpa >>> PhysMem.FRAME_SHIFT;
            boolean write = Event.Accessed.write(code);
            if (shared(hpa, Event.Accessed.size(code))) {
                return false;
            }
            int o = ownerOf(f);
            boolean mine = o == c || thread >= 0 && o == cpus + thread || o == READ_ONLY && !write;
            if (!mine) {
                return false;
            }
        }
        return !a.topWrite() || topWriteLocal[machine.viewOf(pre, c)][c];
    }

    /**
     * Whether CPU {@code c}, in {@code pre}, uses the EPTP list the hypervisor built for it, whose
     * entry 0 is the kernel's view: a VMFUNC to slot 0 from there reads nothing any other step
     * writes (docs/MODEL.md, "Partial-order reduction").
     */
    boolean ownEptpList(MachineState pre, int c) {
        return pre.cpu(c).vmcs().eptpListAddress() == kernelSlots[c];
    }

    /**
     * Records every breach of the ownership step {@code st} of CPU {@code c} from {@code pre} shows:
     * an instruction's access, or any write of the step (the hypervisor's, a primitive's, the
     * hardware's included), to a frame of another CPU or of a thread running on another CPU, or a
     * write to a read-only frame.
     */
    void observe(MachineState pre, int c, Step st) {
        for (Event e : st.events()) {
            if (e instanceof Event.Accessed a) {
                for (long code : a.accesses()) {
                    long hpa = Event.Accessed.hpa(code);
                    if (!shared(hpa, Event.Accessed.size(code))) {
                        check(pre, c, hpa >>> PhysMem.FRAME_SHIFT, Event.Accessed.write(code));
                    }
                }
            }
        }
        PhysMem before = pre.mem();
        PhysMem after = st.state().mem();
        if (after == before) {
            return;
        }
        for (int i = 0; i < frames.length; i++) {
            if (!after.sameFrame(before, frames[i])
                    && (sharedOffsets[i] == null || after.changedOutside(before, frames[i], sharedOffsets[i]))) {
                check(pre, c, frames[i], true);
            }
        }
        for (int d = 0; d < kernelSlots.length; d++) {
            long w = kernelSlots[d];
            if (!after.sameFrame(before, w >>> PhysMem.FRAME_SHIFT) && after.read(w, 8) != before.read(w, 8)
                    && breaches.size() < MAX_BREACHES) {
                breaches.add("cpu" + c + " changed the kernel's entry (slot 0) of cpu" + d + "'s EPTP list (HPA 0x"
                        + Long.toHexString(w) + ") at RIP 0x" + Long.toHexString(pre.cpu(c).regs().rip()));
            }
        }
    }

    /** Whether {@code [hpa, hpa + size)} touches a shared word. */
    private boolean shared(long hpa, int size) {
        if (sharedWords.length == 0) {
            return false;
        }
        for (long w = hpa & ~7L; w < hpa + size; w += 8) {
            if (java.util.Arrays.binarySearch(sharedWords, w) >= 0) {
                return true;
            }
        }
        return false;
    }

    private void check(MachineState pre, int c, long frame, boolean write) {
        int o = ownerOf(frame);
        if (o == NONE) {
            return;
        }
        String what = null;
        if (o == READ_ONLY) {
            if (write) {
                what = "a frame taken as read-only";
            }
        } else if (o < cpus) {
            if (o != c) {
                what = "cpu" + o + "'s frame";
            }
        } else {
            int t = o - cpus;
            for (int d = 0; d < cpus; d++) {
                if (d != c && pre.cpu(d).thread() == t) {
                    what = "a frame of thread " + machine.system().spec().threads().get(t).name() + ", running on cpu"
                            + d;
                }
            }
        }
        if (what != null && breaches.size() < MAX_BREACHES) {
            long rip = pre.cpu(c).regs().rip();
            breaches.add("cpu" + c + (write ? " wrote " : " read ") + what + " (HPA 0x" + Long.toHexString(frame << 12)
                    + ") at RIP 0x" + Long.toHexString(rip));
        }
    }

    /** Every distinct breach seen so far, sorted. */
    public List<String> breaches() {
        return List.copyOf(breaches);
    }

    /** How many frames are taken as CPU, thread or read-only frames. */
    public int ownedFrames() {
        return frames.length;
    }
}
