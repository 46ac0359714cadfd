package org.lvdcheck.checker.model;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.RegKind;
import org.lvdcheck.spec.asm.RegOp;
import org.lvdcheck.spec.asm.TargetOp;

/**
 * Which general-purpose registers a view's own code may still read, before each of its
 * instructions (a backward may-liveness over the linked image, DESIGN.md §5's "dead registers").
 * A register is <em>dead</em> at an instruction when every path of the view's code from there
 * writes it whole before reading it.
 *
 * <p>The analysis is conservative at every edge it cannot follow: a CALL, RET, IRETQ, VMFUNC,
 * VMCALL, an indirect jump, a trap, HLT, and a fall-through or jump out of the image read every
 * register (what runs next is a callee, a caller, another view, the hypervisor or a primitive).
 * It follows the thread's own instruction stream only: an interrupt, an NMI or a fault taken on
 * the way runs a handler that saves every register, which this analysis does not count. So
 * "dead" here is a statement about the code, not yet a reduction: `check --state-profile` marks
 * the registers in which states differ that are dead at the CPU's instruction.
 */
final class RegisterLiveness {
    /** All sixteen GPRs. */
    static final int ALL = 0xFFFF;

    private final Map<Long, Integer> liveIn = new HashMap<>();

    private RegisterLiveness() {
    }

    /** The liveness of one linked image's code. */
    static RegisterLiveness of(LinkedImage image) {
        RegisterLiveness l = new RegisterLiveness();
        l.solve(image.instructions());
        return l;
    }

    /**
     * The registers (bit n: GPR n) that may be read before written from the instruction at
     * {@code address} on; every register when the address is not an instruction of the image.
     */
    int liveAt(long address) {
        Integer v = liveIn.get(address);
        return v == null ? ALL : v;
    }

    /** Whether the image has an instruction at {@code address}. */
    boolean covers(long address) {
        return liveIn.containsKey(address);
    }

    private void solve(List<PlacedInstruction> insns) {
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < insns.size(); i++) {
            index.put(insns.get(i).address(), i);
        }
        int n = insns.size();
        int[] use = new int[n];
        int[] def = new int[n];
        int[][] succ = new int[n][];
        boolean[] exits = new boolean[n];
        List<List<Integer>> pred = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            pred.add(new java.util.ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            PlacedInstruction pi = insns.get(i);
            Instruction in = pi.insn();
            int[] ud = useDef(in);
            use[i] = ud[0];
            def[i] = ud[1];
            long next = pi.address() + pi.length();
            Integer fall = index.get(next);
            switch (in.mnemonic()) {
                case JMP -> {
                    Integer t = in.operands().size() == 1 && in.operand(0) instanceof TargetOp to
                            ? index.get(to.address()) : null;
                    succ[i] = t == null ? new int[0] : new int[] {t};
                    exits[i] = t == null;
                }
                case JCC -> {
                    Integer t = in.operand(0) instanceof TargetOp to ? index.get(to.address()) : null;
                    succ[i] = t == null || fall == null ? new int[0] : new int[] {t, fall};
                    exits[i] = t == null || fall == null;
                }
                case CALL, RET, IRETQ, VMFUNC, VMCALL, UD2, INT3, HLT -> {
                    succ[i] = new int[0];
                    exits[i] = true;
                }
                default -> {
                    succ[i] = fall == null ? new int[0] : new int[] {fall};
                    exits[i] = fall == null;
                }
            }
            for (int s : succ[i]) {
                pred.get(s).add(i);
            }
        }
        int[] in = new int[n];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        for (int i = n - 1; i >= 0; i--) {
            work.add(i);
        }
        boolean[] queued = new boolean[n];
        java.util.Arrays.fill(queued, true);
        while (!work.isEmpty()) {
            int i = work.poll();
            queued[i] = false;
            int o = exits[i] ? ALL : 0;
            for (int s : succ[i]) {
                o |= in[s];
            }
            int v = use[i] | (o & ~def[i]);
            if (v != in[i] || liveIn.get(insns.get(i).address()) == null) {
                in[i] = v;
                liveIn.put(insns.get(i).address(), v);
                for (int p : pred.get(i)) {
                    if (!queued[p]) {
                        queued[p] = true;
                        work.add(p);
                    }
                }
            }
        }
    }

    /**
     * {uses, definitions} of one instruction as GPR bit masks: a register it reads (as a value or
     * in an address), and a register it writes whole (a 32- or 64-bit destination) without reading
     * it. A partial write (8 or 16 bits) keeps the rest of the register, so it counts as a use.
     */
    static int[] useDef(Instruction in) {
        List<Operand> ops = in.operands();
        int use = 0;
        for (Operand o : ops) {
            use |= addressRegs(o);
        }
        Operand dst = ops.isEmpty() ? null : ops.get(ops.size() - 1);
        int def = 0;
        switch (in.mnemonic()) {
            case MOV, MOVZX, MOVSX, LEA, POP, RDFSBASE, RDGSBASE -> {
                for (int k = 0; k < ops.size() - 1; k++) {
                    use |= regs(ops.get(k));
                }
                def = whole(dst);
                use |= regs(dst) & ~def;
                if (in.mnemonic() == Mnemonic.POP) {
                    use |= bit(ArchRegs.RSP);
                }
            }
            case PUSH, PUSHF, POPF, CALL, RET, IRETQ -> {
                for (Operand o : ops) {
                    use |= regs(o);
                }
                use |= bit(ArchRegs.RSP);
            }
            case CPUID -> {
                use |= bit(ArchRegs.RAX) | bit(ArchRegs.RCX);
                def = bit(ArchRegs.RBX) | bit(ArchRegs.RDX);
            }
            case RDMSR, XGETBV, RDPKRU -> {
                use |= bit(ArchRegs.RCX);
                def = bit(ArchRegs.RAX) | bit(ArchRegs.RDX);
            }
            case WRMSR, XSETBV, WRPKRU, IN, OUT -> use |= bit(ArchRegs.RAX) | bit(ArchRegs.RCX) | bit(ArchRegs.RDX);
            case XSAVE, XRSTOR, XSAVEOPT, XSAVE64, XRSTOR64 -> use |= bit(ArchRegs.RAX) | bit(ArchRegs.RDX);
            case VMFUNC -> use |= bit(ArchRegs.RAX) | bit(ArchRegs.RCX);
            case CMPXCHG -> {
                for (Operand o : ops) {
                    use |= regs(o);
                }
                use |= bit(ArchRegs.RAX);
            }
            default -> {
                // Compares, arithmetic (read-modify-write), exchanges, flag and system instructions:
                // every register operand is read.
                for (Operand o : ops) {
                    use |= regs(o);
                }
            }
        }
        return new int[] {use, def & ~use};
    }

    private static int bit(int gpr) {
        return 1 << gpr;
    }

    /** The GPR an operand names (any width), as a mask. */
    private static int regs(Operand o) {
        if (o instanceof RegOp r && r.reg().kind() == RegKind.GPR) {
            return bit(r.reg().gpr());
        }
        return 0;
    }

    /** The GPR a write to {@code o} replaces whole (64- or 32-bit destination), as a mask. */
    private static int whole(Operand o) {
        if (o instanceof RegOp r && r.reg().kind() == RegKind.GPR && r.reg().width() >= 4) {
            return bit(r.reg().gpr());
        }
        return 0;
    }

    /** The base and index registers of a memory operand. */
    private static int addressRegs(Operand o) {
        if (o instanceof MemOp m) {
            int u = 0;
            if (m.base() != null && m.base().kind() == RegKind.GPR) {
                u |= bit(m.base().gpr());
            }
            if (m.index() != null && m.index().kind() == RegKind.GPR) {
                u |= bit(m.index().gpr());
            }
            return u;
        }
        if (o instanceof org.lvdcheck.spec.asm.IndirectOp ind) {
            return regs(ind.inner()) | addressRegs(ind.inner());
        }
        return 0;
    }
}
