package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * The parts in which two explored states differ, named as a user reads a state: a CPU's
 * registers (each general-purpose register by name, RIP, RFLAGS, the segment bases, the rest
 * together; values and labels), its VMCS, LAPIC and mode; a thread's saved context; each memory
 * frame by host-physical frame number (its contents, or whether it exists); the killed domains,
 * the kill IPIs, the interrupt budget and the ghost fields. `check --state-profile` uses it on
 * states at the same CPU places: what distinguishes them is what multiplies the state space there.
 */
final class StateDifference {
    private static final String[] GPR = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10",
        "r11", "r12", "r13", "r14", "r15"};

    private StateDifference() {
    }

    /** The parts in which {@code a} and {@code b} differ, in a fixed order; empty when they are equal. */
    static List<String> of(CheckState a, CheckState b) {
        return of(a, b, (m, c) -> RegisterLiveness.ALL);
    }

    /**
     * As {@link #of(CheckState, CheckState)}, marking "(dead)" a general-purpose register that
     * differs where both states have the CPU at the same instruction and {@code live} says the
     * code from there writes it before reading it.
     */
    static List<String> of(CheckState a, CheckState b, java.util.function.ToIntBiFunction<MachineState, Integer> live) {
        List<String> out = new ArrayList<>();
        MachineState x = a.machine();
        MachineState y = b.machine();
        for (int c = 0; c < x.cpus().size(); c++) {
            CpuState p = x.cpu(c);
            CpuState q = y.cpu(c);
            boolean sameInsn = p.regs().rip() == q.regs().rip() && !p.regs().tainted(ArchRegs.T_RIP)
                    && !q.regs().tainted(ArchRegs.T_RIP);
            int dead = sameInsn ? ~(live.applyAsInt(x, c) | live.applyAsInt(y, c)) : 0;
            registers(out, "cpu" + c + " ", p.regs(), q.regs(), dead);
            if (!p.vmcs().equals(q.vmcs())) {
                out.add("cpu" + c + " vmcs");
            }
            if (!p.lapic().equals(q.lapic())) {
                out.add("cpu" + c + " lapic");
            }
            if (p.mode() != q.mode() || p.thread() != q.thread()) {
                out.add("cpu" + c + " mode or thread");
            }
            if (p.driverEntered() != q.driverEntered()) {
                out.add("cpu" + c + " transition code the driver entered");
            }
        }
        for (int t = 0; t < x.threads().size(); t++) {
            if (!x.threads().get(t).equals(y.threads().get(t))) {
                out.add("thread " + t + " status or saved context");
            }
        }
        memory(out, x.mem(), y.mem());
        if (x.killedDomains() != y.killedDomains()) {
            out.add("killed domains");
        }
        if (x.killIpis() != y.killIpis()) {
            out.add("kill IPIs in flight");
        }
        if (!Arrays.equals(a.firesLeft(), b.firesLeft())) {
            out.add("interrupt budget");
        }
        if (!Arrays.equals(a.caller(), b.caller())) {
            out.add("ghost: caller view");
        }
        if (!a.crossing().equals(b.crossing())) {
            ghost(out, a.crossing(), b.crossing(), x.threads().size());
        }
        if (a.deferred() != b.deferred() || a.resume() != b.resume()) {
            out.add("deferred arrivals or resumption");
        }
        return out;
    }

    /** Which thread's gate calls or handlers differ, and in which of a handler's fields. */
    private static void ghost(List<String> out, CrossingGhost a, CrossingGhost b, int threads) {
        int before = out.size();
        for (int t = 0; t < threads; t++) {
            if (!Arrays.equals(a.calls(t), b.calls(t))) {
                out.add("ghost: t" + t + "'s open gate calls");
            }
            CrossingGhost.Handler[] p = a.handlers(t);
            CrossingGhost.Handler[] q = b.handlers(t);
            if (p.length != q.length) {
                out.add("ghost: t" + t + "'s open handlers (how many)");
                continue;
            }
            for (int i = 0; i < p.length; i++) {
                if (!p[i].equals(q[i])) {
                    out.add("ghost: t" + t + "'s handler " + i + " (" + handlerFields(p[i], q[i]) + ")");
                }
            }
        }
        if (out.size() == before) {
            out.add("ghost: open calls and handlers"); // what else the ghost keeps (a handler's place among the calls)
        }
    }

    private static String handlerFields(CrossingGhost.Handler p, CrossingGhost.Handler q) {
        List<String> f = new ArrayList<>();
        if (p.vector() != q.vector() || p.view() != q.view()) {
            f.add("event");
        }
        if (p.rip() != q.rip() || p.ripTop() != q.ripTop() || p.cs() != q.cs()) {
            f.add("RIP");
        }
        if (p.rflags() != q.rflags() || p.flagsTop() != q.flagsTop()) {
            f.add("RFLAGS");
        }
        if (p.rsp() != q.rsp() || p.rspTop() != q.rspTop() || p.ss() != q.ss()) {
            f.add("RSP");
        }
        if (!Arrays.equals(p.gprs(), q.gprs()) || p.gprTop() != q.gprTop()) {
            f.add("GPRs");
        }
        if (p.stack() != q.stack() || p.stackMirror() != q.stackMirror()) {
            f.add("stack");
        }
        if (p.resumesInTransitionCode() != q.resumesInTransitionCode()) {
            f.add("resumption");
        }
        return String.join(", ", f);
    }

    private static void registers(List<String> out, String cpu, ArchRegs p, ArchRegs q, int dead) {
        List<String> mine = new ArrayList<>();
        for (int n = 0; n < 16; n++) {
            if (p.gpr(n) != q.gpr(n) || p.gprTainted(n) != q.gprTainted(n)) {
                mine.add(cpu + GPR[n] + ((dead & (1 << n)) != 0 ? " (dead)" : ""));
            }
        }
        if (p.rip() != q.rip() || p.tainted(ArchRegs.T_RIP) != q.tainted(ArchRegs.T_RIP)) {
            mine.add(cpu + "rip");
        }
        if (p.rflags() != q.rflags() || p.tainted(ArchRegs.T_FLAGS) != q.tainted(ArchRegs.T_FLAGS)) {
            mine.add(cpu + "rflags");
        }
        long bases = ArchRegs.T_FS_BASE | ArchRegs.T_GS_BASE | ArchRegs.T_KERNEL_GS_BASE;
        if (p.fsBase() != q.fsBase() || p.gsBase() != q.gsBase() || p.kernelGsBase() != q.kernelGsBase()
                || (p.taintMask() & bases) != (q.taintMask() & bases)) {
            mine.add(cpu + "segment bases");
        }
        long listed = ArchRegs.T_GPRS | ArchRegs.T_RIP | ArchRegs.T_FLAGS | bases;
        boolean other = p.cr0() != q.cr0() || p.cr2() != q.cr2() || p.cr3() != q.cr3() || p.cr4() != q.cr4()
                || p.cr8() != q.cr8() || p.efer() != q.efer() || p.interruptibility() != q.interruptibility()
                || p.blockingByNmi() != q.blockingByNmi() || !p.activity().equals(q.activity())
                || (p.taintMask() & ~listed) != (q.taintMask() & ~listed);
        for (int x = 0; x < 3 && !other; x++) {
            other = p.xstate(x) != q.xstate(x);
        }
        if (other || mine.isEmpty() && !p.equals(q)) {
            mine.add(cpu + "other registers");
        }
        out.addAll(mine);
    }

    private static void memory(List<String> out, PhysMem x, PhysMem y) {
        long[] fx = x.frameNumbers();
        long[] fy = y.frameNumbers();
        if (!Arrays.equals(fx, fy)) {
            TreeSet<Long> only = new TreeSet<>();
            for (long f : fx) {
                only.add(f);
            }
            for (long f : fy) {
                if (!only.remove(f)) {
                    only.add(f);
                }
            }
            for (long f : only) {
                out.add("frame 0x" + Long.toHexString(f) + " allocated");
            }
        }
        for (long f : fx) {
            if (y.isAllocated(f) && x.frameHash(f) != y.frameHash(f)) {
                out.add("frame 0x" + Long.toHexString(f) + " contents");
            }
        }
    }
}
