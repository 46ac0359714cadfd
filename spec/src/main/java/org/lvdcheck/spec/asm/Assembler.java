package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * Links parsed units at given section addresses, as ld would for a static image: sections
 * of the same name are concatenated in unit order, each file's part aligned to its largest
 * alignment; global symbols resolve across units, then to the externals. Jumps are relaxed
 * to rel8 where the target is in range and in the same section, iterating to a fixed point
 * with lengths only growing, as GNU as does.
 */
public final class Assembler {

    /** One unit's contribution to a named section. */
    private static final class Piece {
        final int unit;
        final AsmUnit.Section section;
        final String key;
        final boolean[] longForm;
        final long[] offsets;
        /** How many alignment directives precede each item (gas's relaxation "region"). */
        final int[] alignsBefore;
        int maxAlign = 1;
        long start;
        long size;

        Piece(int unit, AsmUnit.Section section) {
            this.unit = unit;
            this.section = section;
            this.key = unit + "|" + section.name();
            int n = section.items().size();
            this.longForm = new boolean[n];
            this.offsets = new long[n + 1];
            this.alignsBefore = new int[n + 1];
            for (int k = 0; k < n; k++) {
                alignsBefore[k + 1] = alignsBefore[k];
                if (section.items().get(k) instanceof Item.AlignItem a) {
                    maxAlign = Math.max(maxAlign, a.alignment());
                    alignsBefore[k + 1]++;
                }
            }
        }
    }

    private record LabelRef(Piece piece, int item) {
    }

    private final List<AsmUnit> units;
    private final Map<String, Long> sectionBase;
    private final Map<String, Long> externals;
    private final List<Piece> pieces = new ArrayList<>();
    private final Map<String, Piece> pieceByKey = new HashMap<>();
    private final List<Map<String, LabelRef>> labels = new ArrayList<>();
    /** The unit holding the (strong) global definition of a name, and the first weak one. */
    private final Map<String, Integer> strongOwner = new HashMap<>();
    private final Map<String, Integer> weakOwner = new HashMap<>();
    private final Map<String, Value> setCache = new HashMap<>();
    private final Set<String> evaluating = new HashSet<>();
    /** During a relaxation pass: the piece, the jump's item index and the growth so far. */
    private Piece relaxing;
    private int relaxIndex;
    private long relaxStretch;
    /** Set when the jump's target lies beyond an alignment that may absorb the stretch. */
    private boolean targetBeyondAlign;

    private Assembler(List<AsmUnit> units, Map<String, Long> sectionBase, Map<String, Long> externals) {
        this.units = List.copyOf(units);
        this.sectionBase = Map.copyOf(sectionBase);
        this.externals = Map.copyOf(externals);
    }

    /**
     * Places every section at {@code sectionBase} (by section name) and resolves symbols:
     * a unit's own symbols first, then other units' globals, then {@code externals}, then
     * 0 for a .weak symbol; anything else is an InputError at its use.
     */
    public static LinkedImage link(List<AsmUnit> units, Map<String, Long> sectionBase, Map<String, Long> externals)
            throws InputError {
        return new Assembler(units, sectionBase, externals).run();
    }

    private LinkedImage run() throws InputError {
        collect();
        place();
        relax();
        return emit();
    }

    private void collect() throws InputError {
        for (int u = 0; u < units.size(); u++) {
            AsmUnit unit = units.get(u);
            Map<String, LabelRef> own = new HashMap<>();
            for (AsmUnit.Section s : unit.sections().values()) {
                if (s.items().isEmpty()) {
                    continue; // named but never used: needs no address
                }
                Piece p = new Piece(u, s);
                pieces.add(p);
                pieceByKey.put(p.key, p);
                for (int i = 0; i < s.items().size(); i++) {
                    if (s.items().get(i) instanceof Item.LabelItem l) {
                        own.put(l.name(), new LabelRef(p, i));
                    }
                }
            }
            labels.add(own);
            for (String g : unit.globalSymbols()) {
                boolean defined = own.containsKey(g) || unit.sets().containsKey(g);
                if (!defined) {
                    continue;
                }
                SourcePos at = own.containsKey(g) ? unit.labels().get(g) : unit.sets().get(g).pos();
                if (unit.weaks().contains(g)) {
                    weakOwner.putIfAbsent(g, u);
                    continue;
                }
                if (externals.containsKey(g)) {
                    throw new InputError(at, "symbol '" + g + "' is defined here and also given as an external address");
                }
                Integer prev = strongOwner.putIfAbsent(g, u);
                if (prev != null) {
                    throw new InputError(at, "global symbol '" + g + "' is already defined in " + units.get(prev).fileName());
                }
            }
        }
    }

    private void place() throws InputError {
        Map<String, Integer> align = new HashMap<>();
        for (Piece p : pieces) {
            String name = p.section.name();
            if (!sectionBase.containsKey(name)) {
                SourcePos at = p.section.items().isEmpty() ? null : p.section.items().get(0).pos();
                throw new InputError(at != null ? at : new SourcePos(units.get(p.unit).fileName(), 1, 1),
                        "section '" + name + "' has no base address");
            }
            align.merge(name, p.maxAlign, Math::max);
        }
        for (Piece p : pieces) {
            long base = sectionBase.get(p.section.name());
            int a = align.get(p.section.name());
            if (Long.remainderUnsigned(base, a) != 0) {
                throw new InputError(alignDirective(p.section.name(), a), "section '" + p.section.name() + "' base 0x"
                        + Long.toHexString(base) + " is not aligned to " + a + " bytes as its alignment directives need");
            }
        }
        layout();
    }

    /** The directive that asks for the section's largest alignment. */
    private SourcePos alignDirective(String section, int alignment) {
        for (Piece p : pieces) {
            if (p.section.name().equals(section)) {
                for (Item i : p.section.items()) {
                    if (i instanceof Item.AlignItem al && al.alignment() == alignment) {
                        return i.pos();
                    }
                }
            }
        }
        return new SourcePos(units.get(0).fileName(), 1, 1);
    }

    /** Assigns item offsets in every piece and piece starts, from the current branch forms. */
    private void layout() {
        Map<String, Long> cursor = new HashMap<>();
        for (Piece p : pieces) {
            String name = p.section.name();
            long at = cursor.getOrDefault(name, sectionBase.get(name));
            at = alignUp(at, p.maxAlign);
            p.start = at;
            long off = 0;
            List<Item> items = p.section.items();
            for (int i = 0; i < items.size(); i++) {
                p.offsets[i] = off;
                off += size(p, i, off);
            }
            p.offsets[items.size()] = off;
            p.size = off;
            cursor.put(name, at + off);
        }
    }

    private static long alignUp(long v, long a) {
        long r = Long.remainderUnsigned(v, a);
        return r == 0 ? v : v + (a - r);
    }

    private static long padding(Item.AlignItem a, long off) {
        long pad = Long.remainderUnsigned(-off, a.alignment());
        return pad > a.maxSkip() ? 0 : pad;
    }

    private static long size(Piece p, int i, long off) {
        Item item = p.section.items().get(i);
        if (item instanceof Item.InsnItem in) {
            return p.longForm[i] ? in.longLength() : in.shortLength();
        }
        if (item instanceof Item.DataItem d) {
            return d.width();
        }
        if (item instanceof Item.BytesItem b) {
            return b.length();
        }
        if (item instanceof Item.AlignItem a) {
            return padding(a, off);
        }
        return 0;
    }

    /**
     * GNU as relaxation (gas write.c relax_segment / relax_frag): passes over each section in
     * address order; a running "stretch" moves everything after a grown item; a jump's target
     * already passed in this pass is at its new place, one not yet reached is assumed to move
     * by the stretch so far unless an alignment lies between (which may absorb it); alignment
     * padding absorbs growth; a jump grows from rel8 to rel32
     * when out of range and never shrinks. Passes repeat until nothing grows, so the lengths
     * (and the bytes) are those GNU as produces even when alignment makes the result depend on
     * the order of growth.
     */
    private void relax() throws InputError {
        for (Piece p : pieces) {
            boolean grew = true;
            while (grew) {
                grew = false;
                long stretch = 0;
                List<Item> items = p.section.items();
                for (int i = 0; i < items.size(); i++) {
                    long old = p.offsets[i];
                    long now = old + stretch;
                    p.offsets[i] = now;
                    Item item = items.get(i);
                    if (item instanceof Item.AlignItem al) {
                        stretch += padding(al, now) - padding(al, old);
                    } else if (item instanceof Item.InsnItem in && in.insn().relaxable() && !p.longForm[i]) {
                        Arg.TargetArg t = (Arg.TargetArg) in.insn().args().get(0);
                        relaxing = p;
                        relaxIndex = i;
                        relaxStretch = stretch;
                        targetBeyondAlign = false;
                        setCache.clear();
                        Value v;
                        try {
                            v = t.target().eval(resolver(p.unit));
                        } finally {
                            relaxing = null;
                            setCache.clear();
                        }
                        long opcodeEnd = now + in.shortLength() - 1;
                        if (targetBeyondAlign && p.key.equals(v.section()) && v.offset() < opcodeEnd) {
                            continue; // gas: a forward target seen behind us is left for the next pass
                        }
                        boolean fits = p.key.equals(v.section()) && Ranges.fitsS8(v.offset() - (now + in.shortLength()));
                        if (!fits) {
                            p.longForm[i] = true;
                            stretch += in.longLength() - in.shortLength();
                            grew = true;
                        }
                    }
                }
                p.offsets[items.size()] += stretch;
            }
        }
        layout();
    }

    private Expr.SymbolResolver resolver(int unit) {
        return (name, use) -> resolve(unit, name, use);
    }

    /**
     * ELF static-link resolution: the unit's own non-weak definition, else a strong global
     * elsewhere, else an external address, else a weak definition (own first), else 0 for an
     * undefined weak reference.
     */
    private Value resolve(int unit, String name, SourcePos use) throws InputError {
        AsmUnit u = units.get(unit);
        boolean own = labels.get(unit).containsKey(name) || u.sets().containsKey(name);
        boolean weakHere = u.weaks().contains(name);
        if (own && !weakHere) {
            return ownValue(unit, name, use);
        }
        Integer strong = strongOwner.get(name);
        if (strong != null) {
            return ownValue(strong, name, use);
        }
        if (externals.containsKey(name)) {
            return new Value("extern|" + name, 0);
        }
        if (own) {
            return ownValue(unit, name, use);
        }
        Integer weak = weakOwner.get(name);
        if (weak != null) {
            return ownValue(weak, name, use);
        }
        if (weakHere) {
            return Value.absolute(0); // an undefined weak symbol is 0 (ELF gABI)
        }
        throw new InputError(use, "undefined symbol '" + name + "'");
    }

    private Value ownValue(int unit, String name, SourcePos use) throws InputError {
        LabelRef l = labels.get(unit).get(name);
        if (l != null) {
            long off = l.piece().offsets[l.item()];
            if (l.piece() == relaxing && l.item() > relaxIndex) {
                // not reached yet in this pass: assume it moves as we did, unless an alignment
                // lies between that may absorb the growth (gas relax_frag "regions")
                if (relaxStretch < 0 || l.piece().alignsBefore[l.item()] == l.piece().alignsBefore[relaxIndex]) {
                    off += relaxStretch;
                } else {
                    targetBeyondAlign = true;
                }
            }
            return new Value(l.piece().key, off);
        }
        return setValue(unit, name, use);
    }

    private Value setValue(int unit, String name, SourcePos use) throws InputError {
        String key = unit + "|" + name;
        Value cached = setCache.get(key);
        if (cached != null) {
            return cached;
        }
        if (!evaluating.add(key)) {
            throw new InputError(use, "symbol '" + name + "' is defined in terms of itself");
        }
        try {
            Value v = units.get(unit).sets().get(name).value().eval(resolver(unit));
            setCache.put(key, v);
            return v;
        } finally {
            evaluating.remove(key);
        }
    }

    private long address(Value v) {
        if (v.isAbsolute()) {
            return v.offset();
        }
        if (v.section().startsWith("extern|")) {
            return externals.get(v.section().substring("extern|".length())) + v.offset();
        }
        return pieceByKey.get(v.section()).start + v.offset();
    }

    private LinkedImage emit() throws InputError {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, Long> starts = new LinkedHashMap<>();
        Map<String, Long> ends = new HashMap<>();
        for (Piece p : pieces) {
            String name = p.section.name();
            starts.putIfAbsent(name, sectionBase.get(name));
            ends.merge(name, p.start + p.size, Math::max);
        }
        for (String name : starts.keySet()) {
            bytes.put(name, new byte[(int) (ends.get(name) - starts.get(name))]);
        }
        checkOverlap(starts, ends);
        TreeMap<Long, PlacedInstruction> insns = new TreeMap<>();
        Map<String, Long> sectionCursor = new HashMap<>();
        for (Piece p : pieces) {
            byte[] out = bytes.get(p.section.name());
            int base = (int) (p.start - starts.get(p.section.name()));
            long gapFrom = sectionCursor.getOrDefault(p.section.name(), p.start);
            if (p.section.executable() && p.start > gapFrom) {
                // the gap before this file's part (its alignment) is NOP padding, as within a part
                fillNops(out, (int) (gapFrom - starts.get(p.section.name())), gapFrom, (int) (p.start - gapFrom),
                        p.section.items().get(0).pos(), insns);
            }
            sectionCursor.put(p.section.name(), p.start + p.size);
            Expr.SymbolResolver res = resolver(p.unit);
            Resolve.Values values = new Resolve.Values() {
                @Override
                public long of(Expr e) throws InputError {
                    return address(e.eval(res));
                }

                @Override
                public boolean absolute(Expr e) throws InputError {
                    return e.eval(res).isAbsolute();
                }
            };
            List<Item> items = p.section.items();
            for (int i = 0; i < items.size(); i++) {
                Item item = items.get(i);
                long addr = p.start + p.offsets[i];
                int at = base + (int) p.offsets[i];
                if (item instanceof Item.InsnItem in) {
                    int expected = p.longForm[i] ? in.longLength() : in.shortLength();
                    Instruction insn = Resolve.instruction(in.insn(), values, addr + expected);
                    byte[] code;
                    try {
                        code = Encoder.encode(insn, addr, Form.of(in.insn(), !p.longForm[i]));
                    } catch (EncodeException e) {
                        throw new InputError(e.operand() < 0 ? in.pos() : in.insn().args().get(e.operand()).pos(),
                                e.getMessage());
                    }
                    if (code.length != expected) {
                        throw new IllegalStateException("encoding length changed at link for " + insn);
                    }
                    System.arraycopy(code, 0, out, at, code.length);
                    insns.put(addr, new PlacedInstruction(addr, code, insn, in.pos(), in.sites()));
                } else if (item instanceof Item.DataItem d) {
                    long v = values.of(d.value());
                    if (d.width() < 8) {
                        long lo = -(1L << (8 * d.width() - 1));
                        long hi = (1L << (8 * d.width())) - 1;
                        if (v < lo || v > hi) {
                            throw new InputError(d.pos(), "value 0x" + Long.toHexString(v) + " does not fit in "
                                    + d.width() + " bytes");
                        }
                    }
                    for (int k = 0; k < d.width(); k++) {
                        out[at + k] = (byte) (v >>> (8 * k));
                    }
                } else if (item instanceof Item.BytesItem b) {
                    System.arraycopy(b.bytes(), 0, out, at, b.length());
                } else if (item instanceof Item.AlignItem a) {
                    int pad = (int) (p.offsets[i + 1] - p.offsets[i]);
                    // GNU as pads code with multi-byte NOPs, also when the fill given is 0x90
                    boolean nops = p.section.executable() && (a.fill() == null || (a.fill() & 0xff) == 0x90);
                    if (nops) {
                        fillNops(out, at, addr, pad, a.pos(), insns);
                    } else {
                        java.util.Arrays.fill(out, at, at + pad, (byte) (a.fill() == null ? 0 : (int) a.fill()));
                    }
                }
            }
        }
        Map<String, LinkedImage.SectionImage> images = new LinkedHashMap<>();
        for (String name : starts.keySet()) {
            images.put(name, new LinkedImage.SectionImage(name, starts.get(name), bytes.get(name)));
        }
        return symbolTable(images, insns);
    }

    /** Writes NOP padding and places its NOPs, so execution can run through alignment gaps. */
    private static void fillNops(byte[] out, int at, long addr, int n, SourcePos pos,
            TreeMap<Long, PlacedInstruction> insns) {
        byte[] pad = NopFill.of(n);
        System.arraycopy(pad, 0, out, at, n);
        int k = 0;
        while (k < n) {
            Decoder.Decoded d = Decoder.decode(pad, k, addr + k).orElseThrow();
            Instruction i = d.insn();
            byte[] bytes = java.util.Arrays.copyOfRange(pad, k, k + d.length());
            insns.put(addr + k, new PlacedInstruction(addr + k, bytes,
                    new Instruction(i.mnemonic(), null, i.opSize(), i.operands(), false, pos), pos));
            k += d.length();
        }
    }

    private void checkOverlap(Map<String, Long> starts, Map<String, Long> ends) throws InputError {
        List<String> names = new ArrayList<>(starts.keySet());
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                String a = names.get(i);
                String b = names.get(j);
                if (starts.get(a) < ends.get(b) && starts.get(b) < ends.get(a)) {
                    SourcePos at = firstItem(b);
                    throw new InputError(at, "section '" + b + "' [0x" + Long.toHexString(starts.get(b)) + ", 0x"
                            + Long.toHexString(ends.get(b)) + ") overlaps section '" + a + "' [0x"
                            + Long.toHexString(starts.get(a)) + ", 0x" + Long.toHexString(ends.get(a)) + ")");
                }
            }
        }
    }

    private SourcePos firstItem(String section) {
        for (Piece p : pieces) {
            if (p.section.name().equals(section) && !p.section.items().isEmpty()) {
                return p.section.items().get(0).pos();
            }
        }
        return new SourcePos(units.get(0).fileName(), 1, 1);
    }

    private LinkedImage symbolTable(Map<String, LinkedImage.SectionImage> images,
            TreeMap<Long, PlacedInstruction> insns) throws InputError {
        Map<String, Long> symbols = new TreeMap<>();
        Map<String, Integer> localCount = new HashMap<>();
        for (int u = 0; u < units.size(); u++) {
            for (String n : units.get(u).definedSymbols()) {
                localCount.merge(n, 1, Integer::sum);
            }
        }
        TreeMap<Long, String> names = new TreeMap<>();
        TreeMap<Long, String> localNames = new TreeMap<>();
        // A constant every file defines alike (an included asm-offsets.s) is one name, unqualified.
        Map<String, java.util.Set<Long>> constantValues = new HashMap<>();
        java.util.Set<String> labelled = new java.util.HashSet<>();
        for (int u = 0; u < units.size(); u++) {
            AsmUnit unit = units.get(u);
            for (String n : unit.definedSymbols()) {
                boolean declared = unit.globalSymbols().contains(n);
                Integer winner = strongOwner.containsKey(n) ? strongOwner.get(n)
                        : externals.containsKey(n) ? Integer.valueOf(-1) : weakOwner.get(n);
                boolean global = declared && Integer.valueOf(u).equals(winner);
                if (declared && !global) {
                    continue; // a weak definition overridden by another file or an external
                }
                String shown = global || localCount.get(n) == 1 ? n : unit.fileName() + ":" + n;
                Value v = resolve(u, n, unit.labels().getOrDefault(n,
                        unit.sets().containsKey(n) ? unit.sets().get(n).pos() : new SourcePos(unit.fileName(), 1, 1)));
                long a = address(v);
                symbols.put(shown, a);
                if (unit.labels().containsKey(n)) {
                    labelled.add(n);
                } else {
                    constantValues.computeIfAbsent(n, k -> new java.util.HashSet<>()).add(a);
                }
                if (unit.labels().containsKey(n)) {
                    TreeMap<Long, String> into = global ? names : localNames;
                    into.merge(a, shown, (x, y) -> x.compareTo(y) <= 0 ? x : y);
                }
            }
        }
        localNames.forEach(names::putIfAbsent);
        constantValues.forEach((n, vals) -> {
            if (vals.size() == 1 && !labelled.contains(n)) {
                symbols.putIfAbsent(n, vals.iterator().next());
            }
        });
        externals.forEach(symbols::putIfAbsent); // they are part of the link's name space too
        return new LinkedImage(images, insns, symbols, names);
    }
}
