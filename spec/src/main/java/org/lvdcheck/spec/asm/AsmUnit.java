package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lvdcheck.spec.SourcePos;

/**
 * One parsed assembly file: its sections' contents in order and its symbols, before
 * addresses are known. Immutable, so the same unit can be linked several times (the gate
 * page once for the kernel view and once for a driver view).
 */
public final class AsmUnit {

    /** A section's contents in this file; {@code executable} from its "x" flag. */
    record Section(String name, boolean executable, List<Item> items) {
        Section {
            items = List.copyOf(items);
        }
    }

    /** A symbol defined by .set/.equ/=, with its defining expression. */
    record SetSymbol(String name, Expr value, SourcePos pos) {
    }

    private final String fileName;
    private final Map<String, Section> sections;
    private final Map<String, SetSymbol> sets;
    private final Map<String, SourcePos> labels;
    private final Set<String> globals;
    private final Set<String> weaks;

    AsmUnit(String fileName, Map<String, Section> sections, Map<String, SetSymbol> sets,
            Map<String, SourcePos> labels, Set<String> globals, Set<String> weaks) {
        this.fileName = fileName;
        this.sections = Collections.unmodifiableMap(new LinkedHashMap<>(sections));
        this.sets = Collections.unmodifiableMap(new LinkedHashMap<>(sets));
        this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        this.globals = Collections.unmodifiableSet(new LinkedHashSet<>(globals));
        this.weaks = Collections.unmodifiableSet(new LinkedHashSet<>(weaks));
    }

    public String fileName() {
        return fileName;
    }

    /** Names of the sections this file puts something into, in order of first use. */
    public List<String> sectionNames() {
        List<String> out = new ArrayList<>();
        sections.forEach((name, s) -> {
            if (!s.items().isEmpty()) {
                out.add(name);
            }
        });
        return out;
    }

    /** Symbols this file defines (labels and .set symbols), without compiler-internal names. */
    public Set<String> definedSymbols() {
        Set<String> out = new LinkedHashSet<>();
        for (String n : labels.keySet()) {
            if (!AsmParser.isInternal(n)) {
                out.add(n);
            }
        }
        out.addAll(sets.keySet());
        return out;
    }

    /** Symbols declared .globl/.global (or .weak) here. */
    public Set<String> globalSymbols() {
        Set<String> out = new LinkedHashSet<>(globals);
        out.addAll(weaks);
        return out;
    }

    /** Number of instructions written in this file (after macro and .rept expansion). */
    public int instructionCount() {
        int n = 0;
        for (Section s : sections.values()) {
            for (Item i : s.items()) {
                if (i instanceof Item.InsnItem) {
                    n++;
                }
            }
        }
        return n;
    }

    Map<String, Section> sections() {
        return sections;
    }

    Map<String, SetSymbol> sets() {
        return sets;
    }

    Map<String, SourcePos> labels() {
        return labels;
    }

    Set<String> globals() {
        return globals;
    }

    Set<String> weaks() {
        return weaks;
    }

    @Override
    public String toString() {
        return "AsmUnit[" + fileName + ", sections=" + sections.keySet() + "]";
    }
}
