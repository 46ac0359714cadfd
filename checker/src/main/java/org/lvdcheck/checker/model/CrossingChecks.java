package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.mem.Hash64;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.properties.mapping.EptRange;
import org.lvdcheck.properties.mapping.MappingAnalysis;
import org.lvdcheck.properties.mapping.MappingCache;
import org.lvdcheck.properties.mapping.ViewMaps;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.TargetOp;

/**
 * The step checks of INV5 (state-restored) and IRQ (irq-safe), and the {@link CrossingGhost}
 * they keep (docs/PROPERTIES.md):
 *
 * <ul>
 * <li><b>INV5, kernel side.</b> When the kernel calls a gate (a direct {@code call} of
 * {@code vmfunc_klcd_wrapper}, {@code vmfunc_trampoline_entry} or {@code vmfunc_springboard_entry}
 * under its own EPT), the thread's ghost takes a copy of the kernel's registers
 * ({@link CrossingGhost.KernelContext}); the RET that pops that call's return address (RSP one word
 * below the copy's, under the kernel EPT) must land at the return address with every copied
 * register restored, value and label: the first one that is not is the evidence.</li>
 * <li><b>INV5, domain side.</b> A step after which a CPU runs driver code and before which it did
 * not (a VMFUNC into a domain whose landing the driver can write, a call or return from transition
 * code into the driver, an IRET back into it, trusted code handing it control) must leave no
 * kernel-only value ({@link KernelValues}) in a register that is not a message register: RAX, RCX,
 * RBX, RSP, RBP, R13-R15, FS base, GS base, IA32_KERNEL_GS_BASE.</li>
 * <li><b>IRQ.</b> A delivery reads no IDT gate, GDT descriptor or TSS stack slot a domain can write
 * and pushes no frame through the domain's stack pointer under the kernel EPT (the emulator ends
 * such a delivery with a use of ⊤). From a delivery ({@link Event.Delivered}, which pushes the
 * interrupted context on the thread's ghost) to the IRETQ that ends it: no driver code runs (an instruction fetched from a
 * frame a domain can write is the driver's); kernel code outside the transition code (an instruction
 * or a kernel primitive) runs only under the kernel's EPT, and its stack (RSP before and after) lies
 * in no frame that a domain view of another CPU can write — the domain of this CPU cannot run while
 * this CPU handles the event, another CPU's can; and the IRETQ resumes the saved context: the same
 * view, RIP, CS, RFLAGS, RSP and SS with their labels, or, where the driver's own context was
 * interrupted (a ⊤ RIP or RSP), the driver again in the same view. A kill that resumes the thread's
 * gate caller ends its handlers.</li>
 * </ul>
 */
final class CrossingChecks {
    /** The gate entry points a kernel call of which opens a crossing. */
    static final String[] GATES = {"vmfunc_klcd_wrapper", "vmfunc_trampoline_entry", "vmfunc_springboard_entry"};
    /** The registers a domain receives that are not message registers (REG0-REG7: RDI, RSI, RDX, R8-R12). */
    private static final int[] NON_MESSAGE = {ArchRegs.RAX, ArchRegs.RCX, ArchRegs.RBX, ArchRegs.RSP, ArchRegs.RBP,
        ArchRegs.R13, ArchRegs.R14, ArchRegs.R15};
    private static final String[] GPR = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10",
        "r11", "r12", "r13", "r14", "r15"};
    /** RFLAGS bits an IRETQ at CPL 0 restores from the frame, compared with the interrupted context. */
    static final long IRET_FLAGS = ArchRegs.STATUS_FLAGS | Rflags.TF | Rflags.IF | Rflags.DF | Rflags.IOPL | Rflags.NT
            | Rflags.AC;

    private final Machine machine;
    private final LvdSystem system;
    private final TransitionCode transition;
    private final KernelValues kernelValues;
    private final MessageChecks messages;
    private final MappingCache mappings;
    private final long[] gateAddress = new long[GATES.length];
    /** Where a kill resumes the kernel (lvd_gate_error_return), when the gate has a kill path. */
    private final long errorReturn;
    private final boolean hasErrorReturn;
    /** Per analysis, per CPU: sorted frame ranges {start, end} writable from a domain view of another CPU. */
    private final Map<MappingAnalysis, long[][][]> writableElsewhere = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The CPU symmetry a search or a profile identifies states under ({@link #mirrorStacks}), with
     * which a handler also keeps the hash of its stack's mirror image; null when none does.
     */
    private volatile CpuSymmetry symmetry;

    CrossingChecks(Machine machine, TransitionCode transition, MappingCache mappings) {
        this.machine = machine;
        this.system = machine.system();
        this.transition = transition;
        this.mappings = mappings;
        this.kernelValues = KernelValues.of(system);
        this.messages = new MessageChecks(system, kernelValues);
        var kernel = system.images().get("kernel");
        for (int i = 0; i < GATES.length; i++) {
            gateAddress[i] = kernel.symbol(GATES[i]).orElse(-1);
        }
        var kill = kernel.symbol("lvd_gate_error_return");
        this.hasErrorReturn = kill.isPresent();
        this.errorReturn = kill.orElse(0);
    }

    MessageChecks messages() {
        return messages;
    }

    KernelValues kernelValues() {
        return kernelValues;
    }

    /**
     * Checks one step of CPU {@code a.cpu()} from {@code before} and returns the ghost of the state it
     * reached: {@code ghost} itself when the step opened or closed nothing.
     */
    CrossingGhost step(CrossingGhost ghost, MachineState before, Action a, Step st, List<Violation> out) {
        int c = a.cpu();
        MachineState after = st.state();
        int t = before.cpu(c).thread();
        int view = machine.viewOf(before, c);
        boolean move = a instanceof Action.Driver;
        boolean faulted = false;
        boolean driverControl = false;
        boolean taintUse = false;
        boolean opensOrEnds = false;
        Event.Executed executed = null;
        Event.Fault fault = null;
        for (Event e : st.events()) {
            if (e instanceof Event.Executed x) {
                executed = executed == null ? x : executed;
            } else if (e instanceof Event.Fault f) {
                faulted = true;
                fault = f;
            } else if (e instanceof Event.DriverControl) {
                driverControl = true;
            } else if (e instanceof Event.TaintUse u) {
                taintUse = true;
                if (a instanceof Action.Interrupt i) {
                    deliveryUse(c, i.vector(), u, out);
                } else if (fault != null) {
                    deliveryUse(c, fault.vector(), u, out);
                }
            } else if (e instanceof Event.Delivered || e instanceof Event.Killed || e instanceof Event.KillIpiTaken) {
                opensOrEnds = true;
            }
        }
        if (taintUse) {
            return ghost; // the step ended at a use of ⊤: its state is the one before it (TAINT reports it)
        }
        Instruction in = executed == null || executed.insn() == null ? null : executed.insn().insn();
        boolean handling = t >= 0 && ghost != CrossingGhost.NONE && ghost.handling(t);
        // Whether the step ran the driver's code: only the handler and domain-entry rules ask.
        int driverCode = move ? 1 : -1;
        CrossingGhost g = ghost;
        if (handling) {
            driverCode = driverCode(driverCode, view, executed);
            handlerCode(ghost.topHandler(t), before, c, view, executed, in, driverCode == 1, out);
            if (in != null && in.mnemonic() == Mnemonic.IRETQ && !move && !faulted) {
                g = handlerEnd(g, after, c, t, driverControl, out);
            }
        }
        if (in != null && !move && view == 0 && t >= 0
                && (in.mnemonic() == Mnemonic.CALL || in.mnemonic() == Mnemonic.RET && g.topCall(t) != null)) {
            g = kernelSide(g, before, after, c, t, executed, in, faulted, out);
        }
        if (!move && machine.viewOf(after, c) >= 1) {
            domainEntry(before, after, c, view, executed, driverCode, out);
        }
        if (opensOrEnds) {
            g = opened(g, before, after, st, c, t);
        }
        return g;
    }

    /** {@code known} (1 driver code, 0 not) or, when -1, whether {@code x} ran under {@code view} from the driver's code. */
    private int driverCode(int known, int view, Event.Executed x) {
        return known >= 0 ? known : x != null && isDriverCode(view, x.hpa()) ? 1 : 0;
    }

    /**
     * A delivery opens a handler of the thread; a kill, or a kill IPI, that resumes a thread at the
     * gate's error return ends its handlers.
     */
    private CrossingGhost opened(CrossingGhost g, MachineState before, MachineState after, Step st, int c, int t) {
        boolean inTransitionCode = false;
        for (Event e : st.events()) {
            if (e instanceof Event.TransitionCodeInterrupted) {
                inTransitionCode = true;
            } else if (e instanceof Event.Delivered d && t >= 0) {
                int view = system.views().indexOf(d.view());
                long[] stack = view == 0 ? stackHashes(before, c, t, d.interrupted(), symmetry) : NO_STACK;
                CrossingGhost.Handler h = CrossingGhost.Handler.of(d.vector(), view, d.interrupted(), stack[0], stack[1]);
                g = g.withHandler(t, inTransitionCode ? h.resumingInTransitionCode() : h);
                inTransitionCode = false;
            } else if ((e instanceof Event.Killed || e instanceof Event.KillIpiTaken k && k.resumed()) && hasErrorReturn) {
                for (int k = 0; k < after.cpus().size(); k++) {
                    CpuState cpu = after.cpu(k);
                    if (cpu.thread() >= 0 && cpu.regs().rip() == errorReturn && before.cpu(k).regs().rip() != errorReturn) {
                        g = g.withoutHandlers(cpu.thread());
                    }
                }
            }
        }
        return g;
    }

    /** Whether an instruction at host address {@code hpa}, run under view {@code view}, is the driver's (Machine's rule). */
    private boolean isDriverCode(int view, long hpa) {
        if (view < 1 || hpa < 0) {
            return false;
        }
        LvdSystem.CodeAt at = system.code().get(hpa);
        return at != null && at.driver() || system.domainWrites().domainWritable(hpa >>> PhysMem.FRAME_SHIFT);
    }

    // ---- INV5, kernel side -------------------------------------------------------------------

    private CrossingGhost kernelSide(CrossingGhost g, MachineState before, MachineState after, int c, int t,
                                     Event.Executed x, Instruction in, boolean faulted, List<Violation> out) {
        ArchRegs b = before.cpu(c).regs();
        ArchRegs n = after.cpu(c).regs();
        if (in.mnemonic() == Mnemonic.CALL && in.operand(0) instanceof TargetOp target && !faulted) {
            for (int i = 0; i < GATES.length; i++) {
                if (gateAddress[i] == target.address() && n.rip() == target.address()) {
                    return g.withCall(t, new CrossingGhost.GateCall(GATES[i], x.rip(), x.insn().end(),
                            CrossingGhost.KernelContext.of(b, system.layout().percpu()[c])));
                }
            }
            return g;
        }
        CrossingGhost.GateCall call = g.topCall(t);
        if (in.mnemonic() != Mnemonic.RET || call == null || b.gprTainted(ArchRegs.RSP)
                || b.rsp() != call.kernel().rsp() - 8 || faulted) {
            return g;
        }
        String thread = system.spec().threads().get(t).name();
        String where = "cpu" + c + ", thread " + thread + ": the return from " + call.gate() + " (called at 0x"
                + Long.toHexString(call.callRip()) + ")";
        if (n.tainted(ArchRegs.T_RIP) || n.rip() != call.returnRip() || machine.viewOf(after, c) != 0) {
            out.add(new Violation(PropertyId.INV5.name(), where + " resumes the kernel at "
                    + (n.tainted(ArchRegs.T_RIP) ? "⊤ (a place the driver chose)" : "0x" + Long.toHexString(n.rip()))
                    + " under the " + system.viewName(machine.viewOf(after, c)) + " EPT, not at its return address 0x"
                    + Long.toHexString(call.returnRip())));
        } else {
            CrossingGhost.Difference d = call.kernel().difference(n, system.layout().percpu()[c]);
            if (d != null) {
                out.add(new Violation(PropertyId.INV5.name(), where + " resumes the kernel with " + d.describe()
                        + ", not as it left it"));
            }
        }
        return g.withoutTopCall(t);
    }

    // ---- INV5, domain side -------------------------------------------------------------------

    private void domainEntry(MachineState before, MachineState after, int c, int view, Event.Executed x,
                             int driverCode, List<Violation> out) {
        int now = machine.viewOf(after, c);
        CpuState cpu = after.cpu(c);
        if (now < 1 || cpu.mode() != CpuMode.RUNNING && cpu.mode() != CpuMode.HALTED) {
            return;
        }
        boolean was;
        if (view < 1) {
            was = false;
        } else if (x != null && x.insn() != null && x.hpa() >= 0) {
            was = driverCode(driverCode, view, x) == 1;
        } else {
            was = machine.inDriverCode(before, c);
        }
        if (was || !machine.inDriverCode(after, c)) {
            return;
        }
        ArchRegs r = cpu.regs();
        List<String> leaks = new ArrayList<>();
        for (int gpr : NON_MESSAGE) {
            leak(leaks, GPR[gpr], r.gpr(gpr), r.gprTainted(gpr));
        }
        leak(leaks, "fs.base", r.fsBase(), r.tainted(ArchRegs.T_FS_BASE));
        leak(leaks, "gs.base", r.gsBase(), r.tainted(ArchRegs.T_GS_BASE));
        leak(leaks, "kernel_gs_base", r.kernelGsBase(), r.tainted(ArchRegs.T_KERNEL_GS_BASE));
        fpuLeak(leaks, "x87", ArchRegs.XSTATE_X87, r.x87State(), r.tainted(ArchRegs.T_X87));
        fpuLeak(leaks, "sse", ArchRegs.XSTATE_SSE, r.sseState(), r.tainted(ArchRegs.T_SSE));
        fpuLeak(leaks, "avx", ArchRegs.XSTATE_AVX, r.avxState(), r.tainted(ArchRegs.T_AVX));
        if (!leaks.isEmpty()) {
            out.add(new Violation(PropertyId.INV5.name(), "cpu" + c + " enters " + system.viewName(now)
                    + "'s driver code at " + (r.tainted(ArchRegs.T_RIP) ? "⊤" : "0x" + Long.toHexString(r.rip()))
                    + " with kernel values in registers that are not message registers: " + String.join("; ", leaks)));
        }
        messages.delivered(c, now, r, out);
    }

    private void leak(List<String> leaks, String name, long value, boolean top) {
        String what = top ? null : kernelValues.kernelOnly(value);
        if (what != null) {
            leaks.add(name + " = 0x" + Long.toHexString(value) + " (" + what + ")");
        }
    }

    private void fpuLeak(List<String> leaks, String name, int component, long token, boolean top) {
        String what = top ? null : kernelValues.kernelFpu(component, token);
        if (what != null) {
            leaks.add(name + " = token 0x" + Long.toHexString(token) + " (" + what + ")");
        }
    }

    // ---- IRQ ----------------------------------------------------------------------------------

    private void handlerCode(CrossingGhost.Handler h, MachineState before, int c, int view, Event.Executed x,
                             Instruction in, boolean driverCode, List<Violation> out) {
        String handling = "cpu" + c + " handling vector 0x" + Integer.toHexString(h.vector()) + " (delivered under the "
                + system.viewName(h.view()) + " EPT)";
        if (driverCode) {
            out.add(new Violation(PropertyId.IRQ.name(), handling + " runs code a domain can write"
                    + (x == null ? "" : " at 0x" + Long.toHexString(x.rip()) + " (HPA 0x" + Long.toHexString(x.hpa())
                    + ")")));
            return;
        }
        if (in == null) {
            return;
        }
        String primitive = null;
        if (in.mnemonic() == Mnemonic.CALL && in.operand(0) instanceof TargetOp target) {
            LvdSystem.PrimitiveAt p = system.primitives().get(target.address());
            if (p != null && p.view().equals("kernel")) {
                primitive = p.name();
            }
        }
        boolean kernelCode = primitive != null || !transition.contains(x.rip());
        if (!kernelCode) {
            return;
        }
        String what = primitive != null ? "the kernel primitive " + primitive : "kernel code at 0x" + Long.toHexString(x.rip());
        if (view != 0) {
            out.add(new Violation(PropertyId.IRQ.name(), handling + " runs " + what + " under the "
                    + system.viewName(view) + " EPT, not the kernel's"));
            return;
        }
        if (primitive == null && !usesStack(in)) {
            return;
        }
        ArchRegs b = before.cpu(c).regs();
        if (b.gprTainted(ArchRegs.RSP)) {
            return;
        }
        String bad = writableElsewhere(before, c, b.rsp());
        if (bad == null && (primitive != null || pushes(in))) {
            bad = writableElsewhere(before, c, b.rsp() - 8);
        }
        if (bad != null) {
            out.add(new Violation(PropertyId.IRQ.name(), handling + " runs " + what + " on a stack at 0x"
                    + Long.toHexString(b.rsp()) + " that " + bad));
        }
    }

    /**
     * A delivery ended in a use of ⊤ ({@link Event.TaintUse} after an arrival or a fault): the
     * hardware read the IDT gate, the handler's GDT descriptor or the TSS stack slot from a frame a
     * domain can write, or pushed the frame through the domain's stack pointer under the kernel's
     * EPT. The event is handled from something the domain controls.
     */
    private static void deliveryUse(int c, int vector, Event.TaintUse u, List<Violation> out) {
        out.add(new Violation(PropertyId.IRQ.name(), "cpu" + c + ": the delivery of vector 0x" + Integer.toHexString(vector)
                + " consumes what a domain can write: " + u.what()));
    }

    private static boolean usesStack(Instruction in) {
        return switch (in.mnemonic()) {
            case PUSH, POP, CALL, RET, PUSHF, POPF, IRETQ -> true;
            default -> false;
        };
    }

    private static boolean pushes(Instruction in) {
        return in.mnemonic() == Mnemonic.PUSH || in.mnemonic() == Mnemonic.CALL || in.mnemonic() == Mnemonic.PUSHF;
    }

    /**
     * Why the frame CPU c's kernel view reaches at {@code gva} is not the kernel's to use while
     * handling an event — a domain view of another CPU can write it — or null.
     */
    private String writableElsewhere(MachineState s, int c, long gva) {
        CpuState cpu = s.cpu(c);
        PagingResult r = GuestPaging.translate(PagingRegs.of(cpu.regs()).withCpl(0), gva, LinearAccess.SUPERVISOR_READ,
                new EptGuestPhysical(s.mem(), cpu.eptp(), system.caps()));
        if (!(r instanceof PagingResult.Ok ok)) {
            return null;
        }
        long frame = ok.hpa() >>> PhysMem.FRAME_SHIFT;
        MappingAnalysis a = mappings.analysisOf(s);
        long[][][] w = writableElsewhere.computeIfAbsent(a, CrossingChecks::writableByCpu);
        long[][] ranges = w[c];
        for (long[] x : ranges) {
            if (frame >= x[0] && frame < x[1]) {
                return "a domain view of another CPU can write (HPA 0x" + Long.toHexString(ok.hpa()) + ", "
                        + describeWriter(a, c, ok.hpa()) + ")";
            }
        }
        return null;
    }

    private static String describeWriter(MappingAnalysis a, int c, long hpa) {
        for (ViewMaps v : a.views()) {
            if (!v.kernel() && v.cpu() != c) {
                for (EptRange r : v.ept().ranges()) {
                    if (r.writable() && hpa >= r.hpa() && hpa - r.hpa() < r.size()) {
                        return "written through " + v.label() + " at GPA 0x" + Long.toHexString(r.gpa() + (hpa - r.hpa()));
                    }
                }
            }
        }
        return "";
    }

    /** Per CPU c: the frame ranges {first, end} some domain view of a CPU other than c maps writable. */
    private static long[][][] writableByCpu(MappingAnalysis a) {
        int cpus = a.inputs().cpus();
        long[][][] out = new long[cpus][][];
        for (int c = 0; c < cpus; c++) {
            List<long[]> l = new ArrayList<>();
            for (ViewMaps v : a.views()) {
                if (!v.kernel() && v.cpu() != c) {
                    for (EptRange r : v.ept().ranges()) {
                        if (r.writable()) {
                            l.add(new long[] {r.hpa() >>> PhysMem.FRAME_SHIFT,
                                (r.hpa() + r.size() + PhysMem.FRAME_SIZE - 1) >>> PhysMem.FRAME_SHIFT});
                        }
                    }
                }
            }
            out[c] = l.toArray(new long[0][]);
        }
        return out;
    }

    /**
     * What of a trusted interrupted context besides RIP, CS, RSP, SS and RFLAGS the IRETQ does not
     * give back: a general-purpose register (value or label) the handler left changed, or a live
     * word of the interrupted thread's kernel stack (from RSP to its top) it overwrote; null when
     * everything is as it was.
     */
    private String unrestored(CrossingGhost.Handler h, MachineState after, int c, int t, ArchRegs r) {
        for (int n = 0; n < 16; n++) {
            if (n == ArchRegs.RSP) {
                continue;
            }
            boolean top = (h.gprTop() >>> n & 1) != 0;
            if (r.gpr(n) != h.gpr(n) || r.gprTainted(n) != top) {
                return GPR_NAMES[n] + " " + place(r.gpr(n), r.gprTainted(n)) + ", where " + GPR_NAMES[n] + " "
                        + place(h.gpr(n), top) + " was interrupted";
            }
        }
        if (h.stack() != 0 && stackHashes(after, c, t, r, null)[0] != h.stack()) {
            return "its stack changed: a live word of the interrupted kernel stack above RSP 0x"
                    + Long.toHexString(h.rsp()) + " differs from what was there at the interrupt";
        }
        return null;
    }

    private static final String[] GPR_NAMES = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9",
        "R10", "R11", "R12", "R13", "R14", "R15"};

    /**
     * A hash (never 0) of the words of thread {@code t}'s kernel stack from RSP in {@code r} to the
     * stack's top, with their labels (a byte the dead-stack reduction forgot, which the thread has
     * not written since, hashes as "no value"), read through CPU {@code c}'s paging and EPT; 0 when RSP is not
     * 8-byte aligned inside that stack (the trusted context's stack is then not tracked); and, in
     * the same pass, with {@code mirror} the hash of the words as its mirror image holds them (0
     * without).
     */
    private long[] stackHashes(MachineState m, int c, int t, ArchRegs r, CpuSymmetry mirror) {
        if (t < 0 || c < 0 || r.gprTainted(ArchRegs.RSP)) {
            return NO_STACK;
        }
        long top = system.layout().stackTop()[t];
        long rsp = r.rsp();
        if (rsp >= top || rsp < top - THREAD_STACK || (rsp & 7) != 0 || (top & 7) != 0) {
            return NO_STACK;
        }
        long h = Hash64.combine(0x737461636bL, top - rsp);
        long hm = h;
        long page = -1;
        long base = -1;
        for (long a = rsp; a < top; a += 8) {
            if (a >>> 12 != page) {
                page = a >>> 12;
                base = machine.hostAddress(m, c, page << 12);
                if (base < 0) {
                    return NO_STACK;
                }
            }
            long hpa = base + (a & 0xFFF);
            if (m.mem().isDead(hpa, 8)) {
                // A word the thread has not written since the dead-stack reduction forgot it: byte
                // by byte, each either its value or "no value".
                for (int b = 0; b < 8; b++) {
                    long v = m.mem().isDead(hpa + b, 1) ? -1L : m.mem().read(hpa + b, 1);
                    h = Hash64.combine(h, v);
                    hm = Hash64.combine(hm, v);
                }
                continue;
            }
            boolean tainted = m.mem().isTainted(hpa, 8);
            long w = m.mem().read(hpa, 8);
            h = Hash64.combine(Hash64.combine(h, w), tainted ? 1 : 0);
            if (mirror != null) {
                hm = Hash64.combine(Hash64.combine(hm, tainted ? w : mirror.value(w)), tainted ? 1 : 0);
            }
        }
        long x = Hash64.mix(h);
        long xm = Hash64.mix(hm);
        return new long[] {x == 0 ? 1 : x, mirror == null ? 0 : xm == 0 ? 1 : xm};
    }

    /** The hashes of an untracked stack. */
    private static final long[] NO_STACK = {0, 0};

    /** From now on a handler also keeps the hash of its stack as σ's mirror image holds it (MODEL.md). */
    void mirrorStacks(CpuSymmetry sigma) {
        this.symmetry = sigma;
    }

    /** Linux's THREAD_SIZE: how far below its top a kernel stack reaches. */
    private static final long THREAD_STACK = 16 * 1024;

    private CrossingGhost handlerEnd(CrossingGhost g, MachineState after, int c, int t, boolean driverControl,
                                     List<Violation> out) {
        CrossingGhost.Handler h = g.topHandler(t);
        ArchRegs r = after.cpu(c).regs();
        int now = machine.viewOf(after, c);
        String where = "cpu" + c + ": the IRETQ ending the handler of vector 0x" + Integer.toHexString(h.vector())
                + " resumes ";
        String wrong = null;
        if (now != h.view()) {
            wrong = "the " + system.viewName(now) + " EPT, where the " + system.viewName(h.view()) + " EPT was interrupted";
        } else if (driverControl || r.tainted(ArchRegs.T_RIP)) {
            if (!h.driverContext()) {
                wrong = "the driver at a place it chose (⊤), where trusted code was interrupted at 0x"
                        + Long.toHexString(h.rip()) + " with RSP 0x" + Long.toHexString(h.rsp());
            }
        } else if (r.rip() != h.rip() || h.ripTop()) {
            wrong = "RIP 0x" + Long.toHexString(r.rip()) + ", where " + place(h.rip(), h.ripTop()) + " was interrupted";
        } else if (r.cs().selector() != h.cs()) {
            wrong = "CS 0x" + Integer.toHexString(r.cs().selector()) + ", where CS 0x" + Integer.toHexString(h.cs())
                    + " was interrupted";
        } else if (r.gprTainted(ArchRegs.RSP) != h.rspTop() || r.rsp() != h.rsp()) {
            wrong = "RSP " + place(r.rsp(), r.gprTainted(ArchRegs.RSP)) + ", where RSP " + place(h.rsp(), h.rspTop())
                    + " was interrupted";
        } else if (r.ss().selector() != h.ss()) {
            wrong = "SS 0x" + Integer.toHexString(r.ss().selector()) + ", where SS 0x" + Integer.toHexString(h.ss())
                    + " was interrupted";
        } else if (((r.rflags() ^ h.rflags()) & IRET_FLAGS & ~(h.flagsTop() ? ArchRegs.STATUS_FLAGS : 0)) != 0
                || r.tainted(ArchRegs.T_FLAGS) != h.flagsTop()) {
            wrong = "RFLAGS 0x" + Long.toHexString(r.rflags() & IRET_FLAGS) + (r.tainted(ArchRegs.T_FLAGS) ? " (status ⊤)" : "")
                    + ", where RFLAGS 0x" + Long.toHexString(h.rflags() & IRET_FLAGS)
                    + (h.flagsTop() ? " (status ⊤)" : "") + " was interrupted";
        }
        if (wrong == null && (!driverControl && !h.driverContext() || h.resumesInTransitionCode())) {
            // A frame saved for trusted code the driver's jump entered pops RIP ⊤, but the registers the
            // handler restored before its IRETQ must still be the interrupted ones (every GPR the driver's).
            wrong = unrestored(h, after, c, t, r);
        }
        if (wrong != null) {
            out.add(new Violation(PropertyId.IRQ.name(), where + wrong));
        }
        return g.withoutTopHandler(t);
    }

    private static String place(long v, boolean top) {
        return top ? "⊤" : "0x" + Long.toHexString(v);
    }
}
