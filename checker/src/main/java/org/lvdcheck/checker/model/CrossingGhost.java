package org.lvdcheck.checker.model;

import java.util.Arrays;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.mem.Hash64;

/**
 * Ghost state of the explored system for INV5 and IRQ (DESIGN.md §4: "where a property needs
 * memory of the past, keep ghost fields in the state, fingerprinted like the rest"). Per thread
 * (a crossing or a handler belongs to the thread, which may be preempted and migrate): the gate
 * calls it has made and not yet returned from, each with a copy of the kernel's registers at the
 * call ({@link KernelContext}); and the interrupts, NMIs and exceptions it is handling, each with
 * the interrupted context the hardware saved ({@link Handler}). Immutable; a thread with nothing
 * open holds null, and a state with nothing open anywhere is {@link #NONE}, so steps that cross
 * nothing allocate nothing.
 */
public final class CrossingGhost {
    /** No thread has anything open. */
    public static final CrossingGhost NONE = new CrossingGhost(new Open[0]);

    /**
     * What one thread has open: gate calls and handlers, innermost last; for each handler, how many
     * gate calls the thread had open when it was opened (a handler opened inside a crossing is
     * abandoned when the crossing returns, see {@link #withoutTopCall}).
     */
    private record Open(GateCall[] calls, Handler[] handlers, int[] callsAtOpen) {
        boolean empty() {
            return calls.length == 0 && handlers.length == 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Open x && Arrays.equals(calls, x.calls) && Arrays.equals(handlers, x.handlers)
                    && Arrays.equals(callsAtOpen, x.callsAtOpen);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(calls) + Arrays.hashCode(handlers)) + Arrays.hashCode(callsAtOpen);
        }
    }

    /**
     * A gate call the kernel made and has not returned from: which gate, the instruction that
     * called it, where its RET must land, and the kernel's registers at the call.
     */
    public record GateCall(String gate, long callRip, long returnRip, KernelContext kernel) {}

    /**
     * An event being handled: its vector, the view it interrupted (0 = kernel) and the context the
     * hardware saved (RIP, CS, RFLAGS, RSP, SS), each with whether it was ⊤; the interrupted
     * general-purpose registers with their labels (bit n of {@code gprTop}: GPR n was ⊤); and
     * {@code stack}, a hash of the live words of the interrupted thread's kernel stack (from RSP
     * to the stack's top) when RSP was in it, else 0 — what "resumes the interrupted context
     * exactly" compares at the IRETQ (docs/PROPERTIES.md, IRQ).
     */
    public record Handler(int vector, int view, long rip, int cs, long rflags, long rsp, int ss, boolean ripTop,
                          boolean rspTop, boolean flagsTop, long[] gprs, int gprTop, long stack,
                          boolean resumesInTransitionCode, long stackMirror) {
        public Handler {
            gprs = gprs.clone();
        }

        /** The context {@code r} holds (the registers a delivery started from), with no stack hash. */
        public static Handler of(int vector, int view, ArchRegs r) {
            return of(vector, view, r, 0);
        }

        /** The context {@code r} holds, and the hash of the interrupted stack's live words (0: not tracked). */
        public static Handler of(int vector, int view, ArchRegs r, long stack) {
            return of(vector, view, r, stack, 0);
        }

        /**
         * As {@link #of(int, int, ArchRegs, long)}, with {@code stackMirror}: the hash of the same
         * words as the CPU symmetry's mirror image of the state holds them ({@link CpuSymmetry}; 0
         * without one), which the mirror image of this handler takes as its {@code stack}.
         */
        public static Handler of(int vector, int view, ArchRegs r, long stack, long stackMirror) {
            long[] g = new long[16];
            int top = 0;
            for (int n = 0; n < 16; n++) {
                g[n] = r.gpr(n);
                if (r.gprTainted(n)) {
                    top |= 1 << n;
                }
            }
            return new Handler(vector, view, r.rip(), r.cs().selector(), r.rflags(), r.rsp(), r.ss().selector(),
                    r.tainted(ArchRegs.T_RIP), r.gprTainted(ArchRegs.RSP), r.tainted(ArchRegs.T_FLAGS), g, top, stack,
                    false, stackMirror);
        }

        /**
         * This handler, opened by an interrupt that found the driver's registers in transition code
         * (Event.TransitionCodeInterrupted): its IRETQ resumes at a transition-code instruction the
         * explorer chooses (docs/MODEL.md, "Resuming in transition code").
         */
        public Handler resumingInTransitionCode() {
            return new Handler(vector, view, rip, cs, rflags, rsp, ss, ripTop, rspTop, flagsTop, gprs, gprTop, stack, true,
                    stackMirror);
        }

        /** This handler in the CPU symmetry's mirror image: concrete words through {@code value}, the stack hashes swapped. */
        Handler mirrored(java.util.function.LongUnaryOperator value) {
            long[] g = gprs.clone();
            for (int n = 0; n < 16; n++) {
                if ((gprTop >>> n & 1) == 0) {
                    g[n] = value.applyAsLong(g[n]);
                }
            }
            return new Handler(vector, view, ripTop ? rip : value.applyAsLong(rip), cs, rflags,
                    rspTop ? rsp : value.applyAsLong(rsp), ss, ripTop, rspTop, flagsTop, g, gprTop, stackMirror,
                    resumesInTransitionCode, stack);
        }

        /** Whether the driver chose the place or the stack it resumes at: an IRET may hand the CPU back to it. */
        public boolean driverContext() {
            return ripTop || rspTop;
        }

        /** The interrupted value of GPR {@code n}. */
        public long gpr(int n) {
            return gprs[n];
        }

        long hash(long h) {
            h = Hash64.combine(Hash64.combine(h, vector), view);
            h = Hash64.combine(Hash64.combine(h, rip), cs);
            h = Hash64.combine(Hash64.combine(h, rflags), rsp);
            h = Hash64.combine(h, ss | (ripTop ? 1L << 32 : 0) | (rspTop ? 1L << 33 : 0) | (flagsTop ? 1L << 34 : 0));
            for (long w : gprs) {
                h = Hash64.combine(h, w);
            }
            return Hash64.combine(Hash64.combine(Hash64.combine(h, gprTop), stack), resumesInTransitionCode ? 1 : 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Handler x && vector == x.vector && view == x.view && rip == x.rip && cs == x.cs
                    && rflags == x.rflags && rsp == x.rsp && ss == x.ss && ripTop == x.ripTop && rspTop == x.rspTop
                    && flagsTop == x.flagsTop && Arrays.equals(gprs, x.gprs) && gprTop == x.gprTop && stack == x.stack
                    && resumesInTransitionCode == x.resumesInTransitionCode && stackMirror == x.stackMirror;
        }

        @Override
        public int hashCode() {
            return (int) hash(0);
        }

        @Override
        public String toString() {
            return "Handler[vector=0x" + Integer.toHexString(vector) + " view=" + view + " rip=0x" + Long.toHexString(rip)
                    + " rsp=0x" + Long.toHexString(rsp) + "]";
        }
    }

    private final Open[] threads;

    private CrossingGhost(Open[] threads) {
        this.threads = threads;
    }

    /**
     * This ghost in the CPU symmetry's mirror image ({@link CpuSymmetry}): threads keep their
     * numbers; every concrete word that may hold an address goes through {@code value}.
     */
    public CrossingGhost mirrored(java.util.function.LongUnaryOperator value) {
        if (threads.length == 0) {
            return this;
        }
        Open[] out = new Open[threads.length];
        for (int t = 0; t < threads.length; t++) {
            Open o = threads[t];
            if (o == null) {
                continue;
            }
            GateCall[] calls = new GateCall[o.calls().length];
            for (int i = 0; i < calls.length; i++) {
                GateCall g = o.calls()[i];
                calls[i] = new GateCall(g.gate(), value.applyAsLong(g.callRip()), value.applyAsLong(g.returnRip()),
                        g.kernel().mirrored(value));
            }
            Handler[] handlers = new Handler[o.handlers().length];
            for (int i = 0; i < handlers.length; i++) {
                handlers[i] = o.handlers()[i].mirrored(value);
            }
            out[t] = new Open(calls, handlers, o.callsAtOpen());
        }
        return new CrossingGhost(out);
    }

    /**
     * This ghost with every open handler of vector {@code from} recorded as vector {@code to}: the
     * vector-class image's ghost seen as its representative's (docs/MODEL.md, "Vector classes"; a
     * handler's vector is read only to word a violation's evidence).
     */
    CrossingGhost withVectorRenamed(int from, int to) {
        Open[] out = null;
        for (int t = 0; t < threads.length; t++) {
            Open o = threads[t];
            if (o == null) {
                continue;
            }
            Handler[] hs = null;
            for (int i = 0; i < o.handlers().length; i++) {
                Handler h = o.handlers()[i];
                if (h.vector() == from) {
                    if (hs == null) {
                        hs = o.handlers().clone();
                    }
                    hs[i] = new Handler(to, h.view(), h.rip(), h.cs(), h.rflags(), h.rsp(), h.ss(), h.ripTop(), h.rspTop(),
                            h.flagsTop(), h.gprs(), h.gprTop(), h.stack(), h.resumesInTransitionCode(), h.stackMirror());
                }
            }
            if (hs != null) {
                if (out == null) {
                    out = threads.clone();
                }
                out[t] = new Open(o.calls(), hs, o.callsAtOpen());
            }
        }
        return out == null ? this : new CrossingGhost(out);
    }

    private Open open(int t) {
        return t >= 0 && t < threads.length ? threads[t] : null;
    }

    /** The innermost open gate call of thread {@code t}, or null. */
    public GateCall topCall(int t) {
        Open o = open(t);
        return o == null || o.calls.length == 0 ? null : o.calls[o.calls.length - 1];
    }

    /** The innermost event thread {@code t} is handling, or null. */
    public Handler topHandler(int t) {
        Open o = open(t);
        return o == null || o.handlers.length == 0 ? null : o.handlers[o.handlers.length - 1];
    }

    /** Whether thread {@code t} is handling an interrupt, NMI or exception. */
    public boolean handling(int t) {
        return topHandler(t) != null;
    }

    /** Thread {@code t}'s open gate calls, outermost first. */
    public GateCall[] calls(int t) {
        Open o = open(t);
        return o == null ? new GateCall[0] : o.calls.clone();
    }

    /** Thread {@code t}'s open handlers, outermost first. */
    public Handler[] handlers(int t) {
        Open o = open(t);
        return o == null ? new Handler[0] : o.handlers.clone();
    }

    public CrossingGhost withCall(int t, GateCall c) {
        Open o = open(t);
        GateCall[] calls = o == null ? new GateCall[] {c} : append(o.calls, c);
        return with(t, o == null ? new Open(calls, new Handler[0], new int[0]) : new Open(calls, o.handlers, o.callsAtOpen));
    }

    /**
     * Thread {@code t} returned from its innermost gate call, to the kernel context it made the call
     * from: a handler opened while that call was open (an interrupt or exception inside the
     * crossing) has had its frame abandoned. Hardened, the entry code's kill path does that: a
     * handler that finds the domain killed moves RSP to the gate frame and returns through
     * lvd_gate_error_return; that handler never comes back to the context it interrupted, and no
     * IRETQ is compared with it.
     */
    public CrossingGhost withoutTopCall(int t) {
        Open o = open(t);
        if (o == null || o.calls.length == 0) {
            return this;
        }
        int kept = o.handlers.length;
        while (kept > 0 && o.callsAtOpen[kept - 1] >= o.calls.length) {
            kept--;
        }
        return with(t, new Open(Arrays.copyOf(o.calls, o.calls.length - 1), Arrays.copyOf(o.handlers, kept),
                Arrays.copyOf(o.callsAtOpen, kept)));
    }

    public CrossingGhost withHandler(int t, Handler h) {
        Open o = open(t);
        if (o == null) {
            return with(t, new Open(new GateCall[0], new Handler[] {h}, new int[] {0}));
        }
        int[] at = Arrays.copyOf(o.callsAtOpen, o.callsAtOpen.length + 1);
        at[o.callsAtOpen.length] = o.calls.length;
        return with(t, new Open(o.calls, append(o.handlers, h), at));
    }

    public CrossingGhost withoutTopHandler(int t) {
        Open o = open(t);
        return o == null || o.handlers.length == 0 ? this
                : with(t, new Open(o.calls, Arrays.copyOf(o.handlers, o.handlers.length - 1),
                        Arrays.copyOf(o.callsAtOpen, o.handlers.length - 1)));
    }

    /** Thread {@code t} with no open handler (a kill resumed it below all of them). */
    public CrossingGhost withoutHandlers(int t) {
        Open o = open(t);
        return o == null || o.handlers.length == 0 ? this : with(t, new Open(o.calls, new Handler[0], new int[0]));
    }

    /** This ghost with thread {@code t}'s open calls and handlers as {@code from} has them. */
    public CrossingGhost withThreadOf(CrossingGhost from, int t) {
        Open o = from.open(t);
        return with(t, o == null ? new Open(new GateCall[0], new Handler[0], new int[0]) : o);
    }

    private static <T> T[] append(T[] a, T x) {
        T[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = x;
        return b;
    }

    private CrossingGhost with(int t, Open o) {
        Open[] n = Arrays.copyOf(threads, Math.max(threads.length, t + 1));
        n[t] = o.empty() ? null : o;
        int len = n.length;
        while (len > 0 && n[len - 1] == null) {
            len--;
        }
        return len == 0 ? NONE : new CrossingGhost(len == n.length ? n : Arrays.copyOf(n, len));
    }

    /** The seed and the ghost's own hash under it (the ghost is immutable; most steps keep it): see {@link #hash(long, long)}. */
    private volatile Hash64.Seeded hashCache;

    /** Folds the ghost into a state fingerprint (DESIGN.md §5: ghost fields are fingerprinted like the rest). */
    public long hash(long h, long seed) {
        if (threads.length == 0) {
            return h; // NONE: a ghost with anything open combines at least its length
        }
        Hash64.Seeded c = hashCache;
        if (!Hash64.Seeded.holds(c, seed)) {
            c = new Hash64.Seeded(seed, hash(Hash64.mix(seed ^ 0x67686f7374L)));
            hashCache = c;
        }
        return Hash64.combine(h, c.value());
    }

    /** The ghost's own hash chained onto {@code h}. */
    long hash(long h) {
        if (threads.length == 0) {
            return h;
        }
        h = Hash64.combine(h, threads.length);
        for (int t = 0; t < threads.length; t++) {
            h = threadHash(h, t);
        }
        return h;
    }

    /** Thread t's open calls and handlers chained onto {@code h} ({@code h} itself when it has none). */
    long threadHash(long h, int t) {
        Open o = t < threads.length ? threads[t] : null;
        if (o == null) {
            return h;
        }
        h = Hash64.combine(Hash64.combine(h, t), o.calls.length);
        for (GateCall c : o.calls) {
            h = Hash64.combine(Hash64.combine(h, c.callRip()), c.returnRip());
            h = c.kernel().hash(h);
        }
        h = Hash64.combine(h, o.handlers.length);
        for (int i = 0; i < o.handlers.length; i++) {
            h = Hash64.combine(o.handlers[i].hash(h), o.callsAtOpen[i]);
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrossingGhost g && Arrays.equals(threads, g.threads);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(threads);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CrossingGhost[");
        for (int t = 0; t < threads.length; t++) {
            if (threads[t] != null) {
                sb.append(" t").append(t).append(": ").append(threads[t].calls.length).append(" calls, ")
                        .append(threads[t].handlers.length).append(" handlers");
            }
        }
        return sb.append(" ]").toString();
    }

    /**
     * The kernel's registers INV5 compares at a gate call and at its matching RET: the registers the
     * C ABI has the callee preserve (RBX, RSP, RBP, R12-R15; the others are the message registers
     * REG0-REG6 RDI, RSI, RDX, R8-R11, VMFUNC's EAX/ECX and the return value), RFLAGS DF, AC, TF,
     * IF and IOPL, the six segment registers, FS base, GS base, IA32_KERNEL_GS_BASE, PKRU (when
     * CR4.PKE enables protection keys; without it PKRU has no effect and no instruction reaches
     * it), MXCSR, XCR0 and every XSAVE component XCR0 enables — each value with its label. The
     * kernel's GS base is per CPU (it points to the CPU's per-CPU area, and a thread preempted inside
     * a domain may return on another CPU): a GS base that is the calling CPU's per-CPU area is saved
     * as "this CPU's per-CPU area" and must come back as the returning CPU's.
     */
    public static final class KernelContext {
        static final String[] NAMES = {"rbx", "rsp", "rbp", "r12", "r13", "r14", "r15", "rflags (DF, AC, TF, IF, IOPL)",
            "cs", "ss", "ds", "es", "fs", "gs", "fs.base", "gs.base", "kernel_gs_base", "pkru", "mxcsr", "xcr0",
            "x87 state", "sse state", "avx state"};
        private static final int[] GPRS = {ArchRegs.RBX, ArchRegs.RSP, ArchRegs.RBP, ArchRegs.R12, ArchRegs.R13,
            ArchRegs.R14, ArchRegs.R15};
        /** The RFLAGS bits compared. */
        static final long FLAGS = Rflags.DF | Rflags.AC | Rflags.TF | Rflags.IF | Rflags.IOPL;
        private static final int PKRU = 17;
        private static final int X87 = 20;

        private final long[] words;
        private final long[] taint;
        /** Bit i: word i is compared. */
        private final int compared;

        private KernelContext(long[] words, long[] taint, int compared) {
            this.words = words;
            this.taint = taint;
            this.compared = compared;
        }

        /** Label of a GS base that is the current CPU's per-CPU area (value 0). */
        static final long PER_CPU = 2;

        /** The words of {@code r} in the order of {@link #NAMES}, and their labels; {@code percpu}: this CPU's area. */
        private static long[][] read(ArchRegs r, long percpu) {
            long[] w = new long[NAMES.length];
            long[] t = new long[NAMES.length];
            for (int i = 0; i < GPRS.length; i++) {
                w[i] = r.gpr(GPRS[i]);
                t[i] = r.tainted(ArchRegs.tGpr(GPRS[i])) ? 1 : 0;
            }
            w[7] = r.rflags() & FLAGS;
            Segment[] segs = {r.cs(), r.ss(), r.ds(), r.es(), r.fs(), r.gs()};
            for (int i = 0; i < segs.length; i++) {
                w[8 + i] = segs[i].selector() | (long) segs[i].accessRights() << 16;
            }
            w[14] = r.fsBase();
            t[14] = r.tainted(ArchRegs.T_FS_BASE) ? 1 : 0;
            w[15] = r.gsBase();
            t[15] = r.tainted(ArchRegs.T_GS_BASE) ? 1 : 0;
            if (t[15] == 0 && w[15] == percpu) {
                w[15] = 0;
                t[15] = PER_CPU;
            }
            w[16] = r.kernelGsBase();
            t[16] = r.tainted(ArchRegs.T_KERNEL_GS_BASE) ? 1 : 0;
            w[PKRU] = r.pkru() & 0xFFFFFFFFL;
            t[PKRU] = r.tainted(ArchRegs.T_PKRU) ? 1 : 0;
            w[18] = r.mxcsr() & 0xFFFFFFFFL;
            t[18] = r.tainted(ArchRegs.T_MXCSR) ? 1 : 0;
            w[19] = r.xcr0();
            t[19] = r.tainted(ArchRegs.T_XCR0) ? 1 : 0;
            for (int c = 0; c < 3; c++) {
                w[X87 + c] = r.xstate(c);
                t[X87 + c] = r.tainted(ArchRegs.tXstate(c)) ? 1 : 0;
            }
            return new long[][] {w, t};
        }

        /** The kernel's context in {@code r}, at a gate call on a CPU whose per-CPU area is at {@code percpu}. */
        public static KernelContext of(ArchRegs r, long percpu) {
            long[][] wt = read(r, percpu);
            int compared = (1 << NAMES.length) - 1;
            if ((r.cr4() & Cr4.PKE) == 0) {
                compared &= ~(1 << PKRU);
            }
            for (int c = 0; c < 3; c++) {
                if (!r.tainted(ArchRegs.T_XCR0) && (r.xcr0() >>> c & 1) == 0) {
                    compared &= ~(1 << (X87 + c));
                }
            }
            return new KernelContext(wt[0], wt[1], compared);
        }

        /**
         * The first compared register whose value or label in {@code r}, on a CPU whose per-CPU area
         * is at {@code percpu}, is not the one saved; null when every one is restored.
         */
        public Difference difference(ArchRegs r, long percpu) {
            long[][] now = read(r, percpu);
            for (int i = 0; i < NAMES.length; i++) {
                if ((compared >>> i & 1) != 0 && (now[0][i] != words[i] || now[1][i] != taint[i])) {
                    return new Difference(NAMES[i], words[i], taint[i], now[0][i], now[1][i]);
                }
            }
            return null;
        }

        /**
         * The value and label (0 concrete, 1 ⊤, {@link #PER_CPU}) of {@code register} (one of the
         * names {@link Difference#register()} gives) in {@code r} on a CPU whose per-CPU area is at
         * {@code percpu}: how a trace follows the live value of a register the ghost copied.
         */
        public static long[] live(ArchRegs r, long percpu, String register) {
            int i = java.util.Arrays.asList(NAMES).indexOf(register);
            if (i < 0) {
                throw new IllegalArgumentException("no register " + register + " in a kernel context");
            }
            long[][] wt = read(r, percpu);
            return new long[] {wt[0][i], wt[1][i]};
        }

        /** RSP at the call (the matching RET pops the word below it). */
        public long rsp() {
            return words[1];
        }

        /** This context in the CPU symmetry's mirror image: every concrete word through {@code value}. */
        KernelContext mirrored(java.util.function.LongUnaryOperator value) {
            long[] w = words.clone();
            for (int i = 0; i < w.length; i++) {
                if (taint[i] == 0) {
                    w[i] = value.applyAsLong(w[i]);
                }
            }
            return new KernelContext(w, taint, compared);
        }

        long hash(long h) {
            for (int i = 0; i < words.length; i++) {
                h = Hash64.combine(Hash64.combine(h, words[i]), taint[i]);
            }
            return Hash64.combine(h, compared);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KernelContext k && compared == k.compared && Arrays.equals(words, k.words)
                    && Arrays.equals(taint, k.taint);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(words) + compared;
        }
    }

    /**
     * A register of a {@link KernelContext} that was not restored: its saved and current values
     * and labels (0 concrete, 1 ⊤, {@link KernelContext#PER_CPU} the CPU's own per-CPU area).
     */
    public record Difference(String register, long saved, long savedLabel, long now, long nowLabel) {
        public String describe() {
            return register + " " + show(saved, savedLabel) + " at the call, " + show(now, nowLabel) + " now";
        }

        static String show(long v, long label) {
            return label == 1 ? "⊤ (a value the driver chose)" : label == KernelContext.PER_CPU
                    ? "the CPU's per-CPU area" : "0x" + Long.toHexString(v);
        }
    }
}
