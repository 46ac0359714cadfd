package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.stream.Collectors;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.InstructionText;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.properties.mapping.AccessMode;
import org.lvdcheck.properties.mapping.EptRange;
import org.lvdcheck.properties.mapping.GuestRange;
import org.lvdcheck.properties.mapping.MappingAnalysis;
import org.lvdcheck.properties.mapping.MappingInputs;
import org.lvdcheck.properties.mapping.ViewMaps;
import org.lvdcheck.spec.asm.Condition;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegOp;

/**
 * ENTRY (entry-points) over a state (DESIGN.md §4): for every guest-virtual address g from which
 * a domain can execute VMFUNC, g + 3 in every other view of a valid slot of that CPU's EPTP list
 * must be a declared landing that checks ECX, or lie in a page that view's EPT does not let the
 * processor fetch from (an EPT violation: a VM exit). Anything else — a guest #PF or #GP there,
 * delivered on the stack pointer the domain chose, or any other executable byte — is a bad
 * landing.
 *
 * <ul>
 * <li><b>Where a domain can execute VMFUNC.</b> Over every CR3 the domain runs with (the CPUs' and
 * threads' CR3 values, the CR3-target values; not a domain's own PGD, which no CPU loads unless a
 * CR3 load is let through, which INV4 reports), each page its view lets ring 0 fetch from: every
 * byte of a page whose frame the domain's EPT also maps writable (the driver writes the bytes
 * 0f 01 d4 there); in any other page, every occurrence of those bytes, at any offset.</li>
 * <li><b>Declared landing.</b> Transition code whose linked instruction at g + 3 is intact in
 * memory, in a frame no domain view can write, and compares ECX (or RCX) with an immediate, and
 * whose next instruction is an intact {@code je} or {@code jne}: the first thing it does is check
 * where the switch came from and act on it.</li>
 * </ul>
 *
 * <p>The result is a function of the mapping analysis (EPTs, EPTP lists, page tables) and of the
 * contents of the frames it scanned or decoded; it is cached per analysis and reused while those
 * frames are unchanged, and {@link #framesWatched()} lets the per-step filter see a change.
 */
final class EntryPoints {
    /** One bad landing (or run of landings): the violation's identity and its evidence. */
    record Landing(String domain, String view, long gFirst, long gLast, String kind, String evidence) {
        Key key() {
            return new Key(domain, view, gFirst, gLast, kind);
        }
    }

    /** What a bad landing breaks, apart from the CPUs and walks that show it. */
    record Key(String domain, String view, long gFirst, long gLast, String kind) {}

    /** The bad landings of one state, and the frames it read beyond the analysis's. */
    static final class Result {
        final List<Landing> landings;
        final long[] frames;
        final long[] hashes;

        Result(List<Landing> landings, long[] frames, PhysMem mem) {
            this.landings = List.copyOf(landings);
            this.frames = frames;
            this.hashes = new long[frames.length];
            for (int i = 0; i < frames.length; i++) {
                hashes[i] = mem.frameHash(frames[i]);
            }
        }

        boolean validIn(PhysMem mem) {
            for (int i = 0; i < frames.length; i++) {
                if (mem.frameHash(frames[i]) != hashes[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final int VMFUNC0 = 0x0F;
    private static final int VMFUNC1 = 0x01;
    private static final int VMFUNC2 = 0xD4;

    private final LvdSystem system;
    private final TransitionCode transition;
    private final InstructionText text;
    private final Map<MappingAnalysis, List<Result>> cache = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile long[] watched = new long[0];

    EntryPoints(LvdSystem system, TransitionCode transition) {
        this.system = system;
        this.transition = transition;
        this.text = new InstructionText(system);
    }

    /** Every frame some result read (code scanned for VMFUNC, landings decoded), ascending. */
    long[] framesWatched() {
        return watched;
    }

    /** The bad landings of state {@code s}, whose mapping analysis is {@code a}. */
    Result of(MachineState s, MappingAnalysis a) {
        List<Result> known = cache.get(a);
        if (known != null) {
            synchronized (known) {
                for (Result r : known) {
                    if (r.validIn(s.mem())) {
                        return r;
                    }
                }
            }
        }
        Result r = compute(s, a);
        cache.computeIfAbsent(a, k -> new ArrayList<>());
        List<Result> l = cache.get(a);
        if (l != null) {
            synchronized (l) {
                l.add(0, r);
            }
        }
        watch(r.frames);
        return r;
    }

    private synchronized void watch(long[] frames) {
        TreeSet<Long> all = new TreeSet<>();
        for (long f : watched) {
            all.add(f);
        }
        for (long f : frames) {
            all.add(f);
        }
        watched = all.stream().mapToLong(Long::longValue).toArray();
    }

    // ---- the check --------------------------------------------------------------------------

    /** A run of consecutive sites of one domain whose landings in one view, under one CR3, are bad alike. */
    private record Run(String domain, int cpu, String view, String root, long first, long last, String kind,
                       String what, String site) {}

    private Result compute(MachineState s, MappingAnalysis a) {
        TreeSet<Long> read = new TreeSet<>();
        Set<String> runRoots = new TreeSet<>();
        for (MappingInputs.Root r : a.inputs().roots()) {
            if (r.onlyIn().isEmpty()) {
                runRoots.add(r.name());
            }
        }
        long[][] anyDomainWrites = writableFrames(a.views().stream().filter(v -> !v.kernel()).toList());
        List<Run> bad = new ArrayList<>();
        for (int c = 0; c < a.inputs().cpus(); c++) {
            Set<Long> valid = validEptps(s, c);
            List<ViewMaps> views = a.views(c);
            for (ViewMaps d : views) {
                if (d.kernel()) {
                    continue;
                }
                long[][] domainWrites = writableFrames(List.of(d));
                for (ViewMaps.Root root : d.roots()) {
                    if (!runRoots.contains(root.name())) {
                        continue;
                    }
                    List<long[]> sites = sites(s, root, domainWrites, read);
                    for (ViewMaps w : views) {
                        if (w.eptp() != d.eptp() && valid.contains(w.eptp())) {
                            landings(s, c, d, w, root, sites, anyDomainWrites, read, bad);
                        }
                    }
                }
            }
        }
        return new Result(group(bad), read.stream().mapToLong(Long::longValue).toArray(), s.mem());
    }

    /** The EPTPs VMFUNC can switch to on CPU c: the valid entries of the EPTP list its VMCS names. */
    private Set<Long> validEptps(MachineState s, int c) {
        Set<Long> out = new java.util.HashSet<>();
        long list = s.cpu(c).vmcs().eptpListAddress() & ~0xFFFL;
        for (int i = 0; i < 512; i++) {
            long e = s.mem().read(list + 8L * i, 8);
            if (Eptp.validForVmfunc(e, system.caps())) {
                out.add(e);
            }
        }
        return out;
    }

    /** Frame ranges {first, end} the views' EPTs map writable. */
    private static long[][] writableFrames(List<ViewMaps> views) {
        List<long[]> l = new ArrayList<>();
        for (ViewMaps v : views) {
            for (EptRange r : v.ept().ranges()) {
                if (r.writable()) {
                    l.add(new long[] {r.hpa() >>> PhysMem.FRAME_SHIFT,
                        (r.hpa() + r.size() + PhysMem.FRAME_SIZE - 1) >>> PhysMem.FRAME_SHIFT});
                }
            }
        }
        return l.toArray(new long[0][]);
    }

    private static boolean in(long[][] ranges, long frame) {
        for (long[] r : ranges) {
            if (frame >= r[0] && frame < r[1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * The VMFUNC sites of a domain under one CR3: {first, last} runs of guest-virtual addresses
     * (every byte of a page it can write and execute; each VMFUNC byte sequence elsewhere) and the
     * host address of the first.
     */
    private List<long[]> sites(MachineState s, ViewMaps.Root root, long[][] domainWrites, TreeSet<Long> read) {
        List<long[]> out = new ArrayList<>();
        for (GuestRange g : root.map().ranges()) {
            if (!g.allows(AccessMode.Access.FETCH, AccessMode.RING0)) {
                continue;
            }
            for (long off = 0; off < g.size(); off += PhysMem.FRAME_SIZE) {
                long page = g.gva() + off;
                long hpa = g.hpa() + off;
                if (in(domainWrites, hpa >>> PhysMem.FRAME_SHIFT)) {
                    out.add(new long[] {page, page + PhysMem.FRAME_SIZE - 1, hpa});
                    continue;
                }
                long frame = hpa >>> PhysMem.FRAME_SHIFT;
                read.add(frame);
                for (int i : vmfuncOffsets(s.mem(), frame)) {
                    out.add(new long[] {page + i, page + i, hpa + i});
                }
                // A sequence that starts in the last two bytes and goes on in the next page of the range.
                for (int i = (int) PhysMem.FRAME_SIZE - 2; i < PhysMem.FRAME_SIZE && i + 2 < g.size() - off; i++) {
                    if (vmfuncAt(s.mem(), hpa + i)) {
                        read.add(frame + 1);
                        out.add(new long[] {page + i, page + i, hpa + i});
                    }
                }
            }
        }
        return out;
    }

    private static boolean vmfuncAt(PhysMem mem, long hpa) {
        return mem.read(hpa, 1) == VMFUNC0 && mem.read(hpa + 1, 1) == VMFUNC1 && mem.read(hpa + 2, 1) == VMFUNC2;
    }

    /** A frame and its contents. */
    private record FrameKey(long frame, long hash) {}

    private final Map<FrameKey, int[]> vmfuncCache = new java.util.concurrent.ConcurrentHashMap<>();

    /** The offsets of a frame at which the bytes 0f 01 d4 (VMFUNC) lie wholly inside it, once per content. */
    private int[] vmfuncOffsets(PhysMem mem, long frame) {
        return vmfuncCache.computeIfAbsent(new FrameKey(frame, mem.frameHash(frame)), k -> {
            long base = frame << PhysMem.FRAME_SHIFT;
            return java.util.stream.IntStream.range(0, (int) PhysMem.FRAME_SIZE - 2)
                    .filter(i -> vmfuncAt(mem, base + i)).toArray();
        });
    }

    /**
     * Where each site of domain d lands in view w under {@code root}; the bad landings as runs of
     * consecutive sites whose landings fault alike, or lie in one executable page. Each landing page
     * is translated once; in an executable one, which offsets are declared landings is computed
     * once per frame content ({@link #declaredOffsets}), and a run is described once, when it starts.
     */
    private void landings(MachineState s, int c, ViewMaps d, ViewMaps w, ViewMaps.Root root, List<long[]> sites,
                          long[][] anyDomainWrites, TreeSet<Long> read, List<Run> bad) {
        PagingRegs regs = PagingRegs.of(s.cpu(c).regs()).withCr3(root.cr3()).withCpl(0);
        Map<Long, PagingResult> pages = new HashMap<>();
        RunBuilder runs = new RunBuilder(s, c, d.name(), w.name(), root.name(), anyDomainWrites, bad);
        for (long[] run : sites) {
            long g = run[0];
            while (Long.compareUnsigned(g, run[1]) <= 0) {
                long page = (g + 3) & ~0xFFFL;
                long last = Math.min(run[1], page + 0xFFF - 3);
                PagingResult r = pages.computeIfAbsent(page, p -> GuestPaging.translate(regs, p, LinearAccess.FETCH,
                        new EptGuestPhysical(s.mem(), w.eptp(), system.caps())));
                if (r instanceof PagingResult.Ok ok) {
                    long pageHpa = ok.hpa() & ~0xFFFL;
                    read.add(pageHpa >>> PhysMem.FRAME_SHIFT);
                    boolean[] declared = declaredOffsets(s, page, pageHpa, anyDomainWrites);
                    for (long x = g; x <= last; x++) {
                        if (declared[(int) ((x + 3) & 0xFFF)]) {
                            runs.close();
                        } else {
                            runs.add(x, "executable page 0x" + Long.toHexString(page), pageHpa, null, run);
                        }
                    }
                } else if (r instanceof PagingResult.EptExit) {
                    runs.close();
                } else {
                    for (long x = g; x <= last; x++) {
                        runs.add(x, "fault", -1, r, run);
                    }
                }
                g = last + 1;
            }
        }
        runs.close();
    }

    /** Collects consecutive bad sites into runs. */
    private final class RunBuilder {
        private final MachineState s;
        private final int cpu;
        private final String domain;
        private final String view;
        private final String root;
        private final long[][] anyDomainWrites;
        private final List<Run> out;
        private Run cur;

        RunBuilder(MachineState s, int cpu, String domain, String view, String root, long[][] anyDomainWrites,
                   List<Run> out) {
            this.s = s;
            this.cpu = cpu;
            this.domain = domain;
            this.view = view;
            this.root = root;
            this.anyDomainWrites = anyDomainWrites;
            this.out = out;
        }

        void add(long g, String kind, long pageHpa, PagingResult fault, long[] siteRun) {
            if (cur != null && cur.last() + 1 == g && cur.kind().equals(kind)) {
                cur = new Run(domain, cpu, view, root, cur.first(), g, kind, cur.what(), cur.site());
                return;
            }
            close();
            long landing = g + 3;
            String what = fault != null ? fault(fault, landing)
                    : describe(s, landing, pageHpa | (landing & 0xFFF));
            cur = new Run(domain, cpu, view, root, g, g, kind, what, g == siteRun[0] ? site(s, siteRun) : "");
        }

        void close() {
            if (cur != null) {
                out.add(cur);
                cur = null;
            }
        }
    }

    /** A landing page: its GVA, frame and contents. */
    private record PageKey(long gva, long frame, long hash) {}

    private static final boolean[] NONE_DECLARED = new boolean[(int) PhysMem.FRAME_SIZE];
    private final Map<PageKey, boolean[]> declaredCache = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * For each offset of the executable page at {@code pageGva} (host {@code pageHpa}): whether a
     * landing there is declared — transition code whose linked instruction starts there, is intact
     * in memory and compares ECX with an immediate, in a frame no domain view can write.
     */
    private boolean[] declaredOffsets(MachineState s, long pageGva, long pageHpa, long[][] anyDomainWrites) {
        long frame = pageHpa >>> PhysMem.FRAME_SHIFT;
        if (in(anyDomainWrites, frame)) {
            return NONE_DECLARED;
        }
        return declaredCache.computeIfAbsent(new PageKey(pageGva, frame, s.mem().frameHash(frame)), k -> {
            boolean[] ok = new boolean[(int) PhysMem.FRAME_SIZE];
            for (int off = 0; off < ok.length; off++) {
                LvdSystem.CodeAt at = system.code().get(pageHpa + off);
                ok[off] = at != null && at.insn().address() == pageGva + off && transition.contains(pageGva + off)
                        && checksEcx(at.insn().insn()) && intact(s.mem(), pageHpa + off, at.insn())
                        && branchesOnIt(s.mem(), pageHpa, off + at.insn().bytes().length);
            }
            return ok;
        });
    }

    /** What is at a single-byte site: " (`vmfunc  [entry.s:54]`)" when an instruction is linked there. */
    private String site(MachineState s, long[] run) {
        if (run[0] != run[1]) {
            return "";
        }
        LvdSystem.CodeAt at = system.code().get(run[2]);
        return at != null && at.insn().address() == run[0] && intact(s.mem(), run[2], at.insn())
                ? " (`" + text.of(at.insn()) + "`)" : " (the bytes 0f 01 d4 inside other code)";
    }

    /** What is at a landing that is not a declared one. */
    private String describe(MachineState s, long landing, long hpa) {
        LvdSystem.CodeAt at = system.code().get(hpa);
        if (at != null && at.insn().address() == landing && intact(s.mem(), hpa, at.insn())) {
            String why = !transition.contains(landing) ? "not transition code"
                    : !checksEcx(at.insn().insn()) ? "transition code that does not first compare ECX with an immediate"
                    : !branchesOnIt(s.mem(), hpa & ~0xFFFL, (int) (hpa & 0xFFF) + at.insn().bytes().length)
                    ? "a compare of ECX with an immediate that no je or jne acts on"
                    : "in a frame a domain can write";
            return "`" + text.of(at.insn()) + "`, executable there: " + why;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            b.append(String.format("%02x ", s.mem().read(hpa + i, 1)));
        }
        return "bytes " + b.toString().strip() + " (HPA 0x" + Long.toHexString(hpa)
                + "), executable there and no linked instruction boundary";
    }

    private static boolean intact(PhysMem mem, long hpa, PlacedInstruction pi) {
        byte[] bytes = pi.bytes();
        for (int i = 0; i < bytes.length; i++) {
            if ((byte) mem.read(hpa + i, 1) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the linked instruction at {@code off} of the page at {@code pageHpa} — the one after a
     * landing's compare — is an intact {@code je} or {@code jne}: the compare is acted on before
     * anything else runs. A compare whose flags nothing reads checks nothing (a landing whose
     * branch was dropped runs on with any ECX). Within the landing's own page only.
     */
    private boolean branchesOnIt(PhysMem mem, long pageHpa, int off) {
        if (off >= PhysMem.FRAME_SIZE) {
            return false;
        }
        LvdSystem.CodeAt next = system.code().get(pageHpa + off);
        return next != null && next.insn().insn().mnemonic() == Mnemonic.JCC
                && (next.insn().insn().cond() == Condition.E || next.insn().insn().cond() == Condition.NE)
                && intact(mem, pageHpa + off, next.insn());
    }

    /** {@code cmp $imm, %ecx} (or {@code %rcx}): the landing compares the index the switch came with. */
    static boolean checksEcx(Instruction in) {
        return in.mnemonic() == Mnemonic.CMP && in.operands().size() == 2 && in.operand(0) instanceof ImmOp
                && in.operand(1) instanceof RegOp r && (r.reg() == Reg.ECX || r.reg() == Reg.RCX);
    }

    private static String fault(PagingResult r, long landing) {
        String f = r instanceof PagingResult.PageFault pf ? "a guest #PF (error code 0x" + Long.toHexString(pf.errorCode()) + ")"
                : r instanceof PagingResult.GeneralProtection ? "a guest #GP" : "a guest fault (" + r + ")";
        return f + " at 0x" + Long.toHexString(landing) + ", delivered on the stack pointer the domain chose";
    }

    // ---- evidence -----------------------------------------------------------------------------

    /** The runs merged over CPUs and CR3 values, each with its evidence. */
    private static List<Landing> group(List<Run> runs) {
        Map<List<Object>, List<Run>> merged = new LinkedHashMap<>();
        for (Run r : runs) {
            merged.computeIfAbsent(List.of(r.domain(), viewName(r.view()), r.first(), r.last(), r.kind(), r.what(), r.site()),
                    k -> new ArrayList<>()).add(r);
        }
        List<Landing> out = new ArrayList<>();
        for (List<Run> l : merged.values()) {
            Run r = l.get(0);
            String cpus = l.stream().map(x -> "cpu" + x.cpu()).distinct().collect(Collectors.joining(", "));
            String roots = l.stream().map(Run::root).distinct().collect(Collectors.joining(", "));
            String head = "domain " + r.domain() + " can execute VMFUNC ";
            String evidence;
            if (r.first() == r.last()) {
                evidence = head + "at 0x" + Long.toHexString(r.first()) + r.site() + " and switch to view " + viewName(r.view())
                        + " (" + cpus + "; " + roots + "): g + 3 = 0x" + Long.toHexString(r.first() + 3) + " is " + r.what();
            } else {
                evidence = head + "at any of the " + (r.last() - r.first() + 1) + " bytes 0x" + Long.toHexString(r.first())
                        + "..0x" + Long.toHexString(r.last()) + " and switch to view " + viewName(r.view()) + " (" + cpus
                        + "; " + roots + "): no g + 3 in 0x" + Long.toHexString(r.first() + 3) + "..0x"
                        + Long.toHexString(r.last() + 3) + " is a declared landing; at the first, " + r.what();
            }
            out.add(new Landing(r.domain(), viewName(r.view()), r.first(), r.last(), r.kind(), evidence));
        }
        return out;
    }

    /** A view's name without the EPTP-list detail the analysis adds for EPTPs it did not build. */
    private static String viewName(String name) {
        int i = name.indexOf(" (");
        return i < 0 ? name : name.substring(0, i);
    }
}
