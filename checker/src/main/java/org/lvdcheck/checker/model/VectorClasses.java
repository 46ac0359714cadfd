package org.lvdcheck.checker.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.TargetOp;
import org.lvdcheck.spec.lvd.Model;

/**
 * The static half of DESIGN.md §5's vector classes: whether two interrupt sources' vectors have the
 * same gate and handler code, so that one arrival could stand for the other. Two vectors compare
 * the same when their IDT gates have the same type, IST and DPL, and their handlers, once each
 * entry stub has pushed its vector word, run the same instructions in the same order: a walk over
 * the two handlers' code in pairs of addresses, from the first instruction after each stub, finds
 * every pair's instructions equal (mnemonic, condition, operand size, lock prefix, operands; a
 * direct branch's or call's targets are a pair again) until the two paths reach the same address
 * or end (RET, IRETQ, HLT, UD2). A direct JMP on one side only is passed over (the other stub's
 * path has none there). An entry stub is what a vector's handler starts with before that: a push
 * of an immediate, direct jumps, and adds to or subtracts from the word it pushed.
 *
 * <p>What this does not decide: whether the handlers' runs depend on the vector itself. They push
 * different words, the local APIC has a different vector in service, and the kernel's
 * {@code do_IRQ} tells the timer apart. The merge ({@code check --vector-classes},
 * {@link LvdTransitionSystem#useVectorClasses}) therefore keeps the other vector's run beside the
 * representative's and compares them at every step (docs/MODEL.md, "Vector classes").
 */
public final class VectorClasses {
    /** The most address pairs one comparison walks. */
    static final int MAX_PAIRS = 20_000;

    private VectorClasses() {
    }

    /**
     * How two vectors' gates and handler code compare.
     *
     * @param same whether the gates and the code after the stubs are the same
     * @param why for {@code same}, what was found alike; otherwise the first difference, with the
     *        source lines it lies at
     * @param paired how many address pairs the walk compared ({@code same} only)
     * @param pushedA the word the first vector's stub leaves pushed, or null when it has no stub
     * @param pushedB the same for the second
     * @param pairs for {@code same}, the walked address pairs, each the first vector's address and the
     *        second's, the first instructions after the stubs among them; empty otherwise
     * @param samePairs those of {@code pairs} whose two instructions the walk compared and found the same
     *        (not a JMP on one path only, which the walk passes over)
     */
    public record Comparison(Model.Vector a, Model.Vector b, boolean same, String why, int paired,
                             Long pushedA, Long pushedB, Set<List<Long>> pairs, Set<List<Long>> samePairs) {
        public Comparison {
            pairs = Set.copyOf(pairs);
            samePairs = Set.copyOf(samePairs);
        }
    }

    /** Every pair of distinct vectors among the spec's interrupt sources, compared, in source order. */
    public static List<Comparison> ofSources(LvdSystem system) {
        List<Model.Vector> vs = new ArrayList<>();
        for (Model.Source s : system.spec().sources()) {
            Model.Vector v = system.spec().vector(s.vector()).orElseThrow(
                    () -> new IllegalStateException("source vector " + s.vector() + " checked at parse"));
            if (!vs.contains(v)) {
                vs.add(v);
            }
        }
        List<Comparison> out = new ArrayList<>();
        for (int i = 0; i < vs.size(); i++) {
            for (int j = i + 1; j < vs.size(); j++) {
                out.add(compare(system, vs.get(i), vs.get(j)));
            }
        }
        return out;
    }

    /** Compares the gates and handler code of vectors {@code a} and {@code b}. */
    public static Comparison compare(LvdSystem system, Model.Vector a, Model.Vector b) {
        String gate = gateDifference(a, b);
        if (gate != null) {
            return new Comparison(a, b, false, gate, 0, null, null, Set.of(), Set.of());
        }
        LinkedImage kernel = system.images().get("kernel");
        long ea = kernel.symbol(a.handler()).orElseThrow(() -> new IllegalStateException("handler " + a.handler()));
        long eb = kernel.symbol(b.handler()).orElseThrow(() -> new IllegalStateException("handler " + b.handler()));
        Map<Long, LvdSystem.CodeAt> code = kernelCode(system);
        Stub sa = stub(code, ea);
        Stub sb = stub(code, eb);
        Walk w = new Walk(code, x -> name(system, kernel, x));
        String diff = w.run(sa.next, sb.next);
        if (diff != null) {
            return new Comparison(a, b, false, diff, w.seen.size(), sa.pushed, sb.pushed, Set.of(), Set.of());
        }
        String joins = w.joins.isEmpty() ? "the paths end without meeting"
                : "the paths meet at " + String.join(", ", names(system, kernel, w.joins));
        String calls = w.callees.isEmpty() ? "" : ", call the same " + String.join(", ", names(system, kernel, w.callees));
        return new Comparison(a, b, true, "the same gate (" + gateText(a) + "); after their entry stubs the "
                + "handlers run the same instructions (" + w.seen.size() + " address pairs)" + calls + ", and "
                + joins, w.seen.size(), sa.pushed, sb.pushed, w.seen, w.compared);
    }

    /** The kernel's instructions by linked address. */
    private static Map<Long, LvdSystem.CodeAt> kernelCode(LvdSystem system) {
        Map<Long, LvdSystem.CodeAt> out = new java.util.HashMap<>();
        for (LvdSystem.CodeAt at : system.code().values()) {
            if (at.view().equals("kernel")) {
                out.put(at.insn().address(), at);
            }
        }
        return out;
    }

    private static String gateText(Model.Vector v) {
        return v.gate().name().toLowerCase(java.util.Locale.ROOT) + ", IST " + v.ist() + ", DPL " + v.dpl();
    }

    private static String gateDifference(Model.Vector a, Model.Vector b) {
        if (a.gate() != b.gate() || a.ist() != b.ist() || a.dpl() != b.dpl()) {
            return "the gates differ: " + a.name() + " " + gateText(a) + " (" + at(a.pos()) + "), " + b.name() + " "
                    + gateText(b) + " (" + at(b.pos()) + ")";
        }
        return null;
    }

    private static List<String> names(LvdSystem system, LinkedImage kernel, Set<Long> addresses) {
        List<String> out = new ArrayList<>();
        for (long x : new TreeSet<>(addresses)) {
            out.add(name(system, kernel, x));
        }
        return out;
    }

    /** A primitive's name, a kernel symbol, or the address in hex. */
    private static String name(LvdSystem system, LinkedImage kernel, long x) {
        LvdSystem.PrimitiveAt prim = system.primitives().get(x);
        return prim != null ? prim.name() : kernel.symbolAt(x).orElse(String.format("%x", x));
    }

    private static String at(SourcePos p) {
        return p == null ? "?" : p.file() + ":" + p.line();
    }

    /** A vector's entry stub: the word it pushed (null: none) and the address after it. */
    private record Stub(Long pushed, long next) {}

    private static Stub stub(Map<Long, LvdSystem.CodeAt> code, long entry) {
        Long pushed = null;
        long pc = entry;
        for (int n = 0; n < 16; n++) {
            LvdSystem.CodeAt at = code.get(pc);
            if (at == null) {
                break;
            }
            PlacedInstruction p = at.insn();
            Instruction i = p.insn();
            if (pushed == null && i.mnemonic() == Mnemonic.PUSH && i.operands().size() == 1
                    && i.operand(0) instanceof ImmOp imm) {
                pushed = imm.value();
                pc += p.length();
            } else if (i.mnemonic() == Mnemonic.JMP && i.operands().size() == 1 && i.operand(0) instanceof TargetOp t) {
                pc = t.address();
            } else if (pushed != null && (i.mnemonic() == Mnemonic.ADD || i.mnemonic() == Mnemonic.SUB)
                    && i.opSize() == 8 && i.operands().size() == 2 && i.operand(0) instanceof ImmOp imm
                    && topOfStack(i.operand(1)) && !i.lockPrefix()) {
                pushed = i.mnemonic() == Mnemonic.ADD ? pushed + imm.value() : pushed - imm.value();
                pc += p.length();
            } else {
                break;
            }
        }
        return new Stub(pushed, pc);
    }

    /** Whether {@code i} is a direct JMP. */
    static boolean directJump(Instruction i) {
        return i.mnemonic() == Mnemonic.JMP && i.operands().size() == 1 && i.operand(0) instanceof TargetOp;
    }

    private static boolean topOfStack(Operand o) {
        return o instanceof MemOp m && m.base() == Reg.RSP && m.index() == null && m.disp() == 0
                && m.segment() == null && !m.ripRelative();
    }

    /** The walk over pairs of addresses. */
    private static final class Walk {
        private final Map<Long, LvdSystem.CodeAt> code;
        private final java.util.function.LongFunction<String> name;
        final Set<Long> joins = new HashSet<>();
        final Set<Long> callees = new HashSet<>();
        final Set<List<Long>> seen = new HashSet<>();
        /** The pairs whose two instructions were compared and found the same. */
        final Set<List<Long>> compared = new HashSet<>();

        Walk(Map<Long, LvdSystem.CodeAt> code, java.util.function.LongFunction<String> name) {
            this.code = code;
            this.name = name;
        }

        /** Walks from (a, b); null when every pair matched, else the first difference found. */
        String run(long a0, long b0) {
            Deque<long[]> work = new ArrayDeque<>();
            work.add(new long[] {a0, b0});
            while (!work.isEmpty()) {
                long[] p = work.poll();
                long a = p[0];
                long b = p[1];
                if (a == b) {
                    joins.add(a);
                    continue;
                }
                if (!seen.add(List.of(a, b))) {
                    continue;
                }
                if (seen.size() > MAX_PAIRS) {
                    return "the walk stopped after " + MAX_PAIRS + " address pairs";
                }
                LvdSystem.CodeAt ca = code.get(a);
                LvdSystem.CodeAt cb = code.get(b);
                if (ca == null || cb == null) {
                    return "one path reaches " + name.apply(a) + " where the other reaches " + name.apply(b);
                }
                Instruction ia = ca.insn().insn();
                Instruction ib = cb.insn().insn();
                boolean jumpA = directJump(ia);
                boolean jumpB = directJump(ib);
                if (jumpA != jumpB) {
                    // One path has a JMP the other does not: pass over it, and over the JMPs it leads to.
                    long t = jumpA ? a : b;
                    Set<Long> chain = new HashSet<>();
                    while (code.get(t) != null && directJump(code.get(t).insn().insn())) {
                        if (!chain.add(t)) {
                            return "one path jumps in a circle: " + at(code.get(t).insn().pos());
                        }
                        t = target(code.get(t).insn().insn());
                    }
                    work.add(jumpA ? new long[] {t, b} : new long[] {a, t});
                    continue;
                }
                String d = difference(ia, ib);
                if (d != null) {
                    return d + ": " + at(ca.insn().pos()) + " and " + at(cb.insn().pos());
                }
                compared.add(List.of(a, b));
                long na = a + ca.insn().length();
                long nb = b + cb.insn().length();
                switch (ia.mnemonic()) {
                    case RET, IRETQ, HLT, UD2 -> {
                    }
                    case JMP -> work.add(new long[] {target(ia), target(ib)});
                    case JCC -> {
                        work.add(new long[] {target(ia), target(ib)});
                        work.add(new long[] {na, nb});
                    }
                    case CALL -> {
                        if (!(ia.operand(0) instanceof TargetOp)) {
                            return "an indirect call: " + at(ca.insn().pos()) + " and " + at(cb.insn().pos());
                        }
                        if (target(ia) == target(ib)) {
                            callees.add(target(ia));
                        } else {
                            work.add(new long[] {target(ia), target(ib)});
                        }
                        work.add(new long[] {na, nb});
                    }
                    default -> work.add(new long[] {na, nb});
                }
            }
            return null;
        }


        private static long target(Instruction i) {
            return ((TargetOp) i.operand(0)).address();
        }

        /** Null when the two instructions do the same, a direct branch's target aside; else what differs. */
        private static String difference(Instruction a, Instruction b) {
            if (a.mnemonic() != b.mnemonic() || a.cond() != b.cond() || a.opSize() != b.opSize()
                    || a.lockPrefix() != b.lockPrefix() || a.operands().size() != b.operands().size()) {
                return "different instructions";
            }
            if ((a.mnemonic() == Mnemonic.JMP) && !(a.operand(0) instanceof TargetOp)) {
                return "an indirect jump";
            }
            for (int k = 0; k < a.operands().size(); k++) {
                Operand x = a.operand(k);
                Operand y = b.operand(k);
                if (x instanceof TargetOp && y instanceof TargetOp) {
                    continue;
                }
                if (!x.equals(y)) {
                    return "different operands";
                }
            }
            return null;
        }
    }
}
