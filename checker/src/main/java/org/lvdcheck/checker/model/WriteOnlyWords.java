package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.Reg;

/**
 * The write-only-word reduction (DESIGN.md §5; argued in docs/MODEL.md, "Write-only words"). A
 * kernel statistic such as {@code net_skbs_consumed} is a word the code only ever increments:
 * nothing reads its value, yet every value it takes starts its own copy of the rest of the state
 * space, and a compromised driver that calls back without end makes that space infinite. This
 * reduction finds such words in the linked code and keeps each at its initial value in every
 * explored state.
 *
 * <p>A word qualifies when, in the code of every view:
 * <ul>
 *   <li>every instruction whose memory operand has a constant address (absolute or RIP-relative;
 *       FS and GS, whose bases are per CPU, aside) overlapping the word is, in the kernel's image,
 *       an INC, DEC, or ADD or SUB of an immediate, of exactly that word: a read-modify-write
 *       whose value flows nowhere but back into the word;</li>
 *   <li>the status flags each of those instructions sets are dead: on the instruction's own
 *       fall-through, an instruction that writes all six (ADD, SUB, CMP, XOR, AND, OR, TEST, NEG)
 *       comes before any instruction that reads them or leaves the straight line;</li>
 *   <li>no instruction takes its address (LEA, or an immediate inside it), no word of any
 *       section's bytes holds an address inside it (no pointer to it can exist), and no other
 *       such word overlaps it;</li>
 *   <li>the kernel's view maps it, on every CPU, to the same host frame, which no domain can
 *       write and which is no paging structure of the initial state.</li>
 * </ul>
 * The rest is checked, not assumed: every data access of every explored step
 * ({@link Event.Accessed}) that reaches such a word must be made by one of its read-modify-write
 * instructions; any other ends the exploration as inconclusive ({@link Observed}).
 */
public final class WriteOnlyWords {
    /** One reduced word: its symbol (or address), where it lives, its initial value and the instructions that update it. */
    public record Word(String name, long gva, long hpa, int size, long initial, long[] updaters) {
        boolean overlaps(long hpa0, int n) {
            return hpa0 < hpa + size && hpa < hpa0 + n;
        }

        boolean updater(long rip) {
            for (long u : updaters) {
                if (u == rip) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A step reached a write-only word other than through its updates: the reduction does not apply. */
    public static final class Observed extends RuntimeException {
        Observed(String message) {
            super(message);
        }
    }

    /** How far the flag scan follows a fall-through before it gives up (flags live). */
    private static final int FLAG_SCAN = 16;

    private final Word[] words;

    private WriteOnlyWords(List<Word> words) {
        this.words = words.toArray(Word[]::new);
    }

    /** The words reduced. */
    public List<Word> words() {
        return List.of(words);
    }

    /** The write-only words of the machine's linked code (none when the kernel image has none). */
    static WriteOnlyWords of(Machine machine) {
        LvdSystem system = machine.system();
        LinkedImage kernel = system.images().get("kernel");
        if (kernel == null) {
            return new WriteOnlyWords(List.of());
        }
        // Candidate gva -> its updaters and access size; ranges [address, address + size) that rule candidates out.
        Map<Long, List<Long>> updaters = new TreeMap<>();
        Map<Long, Integer> sizes = new TreeMap<>();
        List<long[]> disqualified = new ArrayList<>();
        for (LinkedImage img : system.images().values()) {
            List<PlacedInstruction> code = img.instructions();
            for (int i = 0; i < code.size(); i++) {
                PlacedInstruction pi = code.get(i);
                Instruction in = pi.insn();
                for (Operand o : in.operands()) {
                    if (o instanceof ImmOp imm) {
                        disqualified.add(new long[] {imm.value(), 1});
                    } else if (o instanceof MemOp m && m.base() == null && m.index() == null && m.segment() != Reg.FS
                            && m.segment() != Reg.GS) {
                        long at = m.disp();
                        if (in.mnemonic() == Mnemonic.LEA || m.width() <= 0) {
                            disqualified.add(new long[] {at, 1});
                        } else if (img == kernel && updates(in, m) && flagsDeadAfter(code, i)) {
                            updaters.computeIfAbsent(at, k -> new ArrayList<>()).add(pi.address());
                            Integer prev = sizes.putIfAbsent(at, m.width());
                            if (prev != null && prev != m.width()) {
                                disqualified.add(new long[] {at, Math.max(prev, m.width())});
                            }
                        } else {
                            disqualified.add(new long[] {at, m.width()});
                        }
                    }
                }
            }
        }
        for (LinkedImage img : system.images().values()) {
            for (String section : img.sectionNames()) {
                byte[] b = img.sectionBytes(section);
                for (int k = 0; k + 8 <= b.length; k++) {
                    long v = 0;
                    for (int j = 7; j >= 0; j--) {
                        v = v << 8 | (b[k + j] & 0xFF);
                    }
                    for (Map.Entry<Long, Integer> c : sizes.entrySet()) {
                        if (v >= c.getKey() && v < c.getKey() + c.getValue()) {
                            disqualified.add(new long[] {v, 1});
                        }
                    }
                }
            }
        }
        MachineState init = machine.initial();
        var writes = system.domainWrites();
        var paging = org.lvdcheck.properties.mapping.MappingAnalysis.of(system, init).pagingFrames();
        List<Word> out = new ArrayList<>();
        for (Map.Entry<Long, List<Long>> e : updaters.entrySet()) {
            long gva = e.getKey();
            int size = sizes.get(gva);
            boolean ok = true;
            for (Map.Entry<Long, Integer> other : sizes.entrySet()) {
                long o = other.getKey();
                ok &= o == gva || !(o < gva + size && gva < o + other.getValue());
            }
            for (long[] d : disqualified) {
                ok &= !(d[0] < gva + size && gva < d[0] + d[1]);
            }
            long hpa = -1;
            for (int c = 0; c < system.cpus() && ok; c++) {
                long h = machine.hostAddress(init, c, gva); // the initial state runs the kernel's view
                ok = h >= 0 && (hpa < 0 || h == hpa) && ((h + size - 1) >>> PhysMem.FRAME_SHIFT) == h >>> PhysMem.FRAME_SHIFT
                        && !writes.domainWritable(h >>> PhysMem.FRAME_SHIFT) && !paging.containsKey(h >>> PhysMem.FRAME_SHIFT)
                        && !init.mem().isDead(h, size);
                hpa = h;
            }
            if (ok) {
                String name = kernel.symbolAt(gva).orElse(String.format("0x%x", gva));
                out.add(new Word(name, gva, hpa, size, init.mem().read(hpa, size),
                        e.getValue().stream().mapToLong(Long::longValue).toArray()));
            }
        }
        return new WriteOnlyWords(out);
    }

    /** INC, DEC, or ADD/SUB of an immediate, whose destination is {@code m}. */
    private static boolean updates(Instruction in, MemOp m) {
        List<Operand> ops = in.operands();
        return switch (in.mnemonic()) {
            case INC, DEC -> ops.size() == 1 && ops.get(0) == m;
            case ADD, SUB -> ops.size() == 2 && ops.get(0) instanceof ImmOp && ops.get(1) == m;
            default -> false;
        };
    }

    /**
     * Whether the status flags instruction {@code i} sets are dead: following the fall-through, an
     * instruction that writes all six flags without reading them comes first; anything that reads
     * them, transfers control or is not known to leave them alone counts as a read.
     */
    private static boolean flagsDeadAfter(List<PlacedInstruction> code, int i) {
        for (int k = i + 1; k < code.size() && k <= i + FLAG_SCAN; k++) {
            PlacedInstruction prev = code.get(k - 1);
            PlacedInstruction pi = code.get(k);
            if (pi.address() != prev.end()) {
                return false;
            }
            switch (pi.insn().mnemonic()) {
                case ADD, SUB, CMP, XOR, AND, OR, TEST, NEG -> {
                    return true;
                }
                case MOV, MOVZX, MOVSX, LEA, PUSH, POP, NOP, PAUSE, LFENCE, MFENCE, SFENCE -> {
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * Checks that the data accesses of a step ({@code events}) reach no write-only word except
     * through one of its updates; throws {@link Observed} otherwise, naming {@code action}.
     */
    void observe(List<Event> events, java.util.function.Supplier<String> action) {
        if (words.length == 0) {
            return;
        }
        long rip = -1;
        for (Event e : events) {
            if (e instanceof Event.Executed x) {
                rip = x.rip();
            } else if (e instanceof Event.Accessed a) {
                for (long acc : a.accesses()) {
                    long h = Event.Accessed.hpa(acc);
                    int n = Event.Accessed.size(acc);
                    for (Word w : words) {
                        if (w.overlaps(h, n) && !w.updater(rip)) {
                            throw new Observed("the write-only-word reduction keeps " + w.name() + " at its initial "
                                    + "value, but " + action.get() + " reaches it other than by its increments (host-physical 0x"
                                    + Long.toHexString(h) + "); check again with --no-reduction");
                        }
                    }
                }
            }
        }
    }

    /** {@code s} with every write-only word at its initial value. */
    MachineState canonical(MachineState s) {
        PhysMem.Editor e = null;
        for (Word w : words) {
            if (s.mem().read(w.hpa(), w.size()) != w.initial()) {
                if (e == null) {
                    e = s.mem().edit();
                }
                e.write(w.hpa(), w.size(), w.initial(), false);
            }
        }
        return e == null ? s : s.withMem(e.freeze());
    }
}
