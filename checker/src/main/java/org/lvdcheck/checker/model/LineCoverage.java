package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.asm.PlacedInstruction;

/**
 * Line coverage of every {@code .s} file over an exploration (DESIGN.md §5): which source
 * lines that hold an instruction were executed in some explored step. Recording is one
 * identity lookup and one flag write per step (the explorer's step is hot); workers may set
 * flags concurrently, and only ever set them, so the results are read after the exploration.
 */
public final class LineCoverage {
    /** Executed and total instruction lines of one file. */
    public record FileCoverage(String file, int executed, int lines) {
        public double percent() {
            return lines == 0 ? 100.0 : 100.0 * executed / lines;
        }
    }

    /** Each source line that holds a linked instruction, numbered. */
    private record Line(String file, int line) {}

    private final Map<PlacedInstruction, Integer> lineOf = new IdentityHashMap<>();
    private final List<Line> lines = new ArrayList<>();
    private final boolean[] executed;

    public LineCoverage(LvdSystem system) {
        Map<Line, Integer> ids = new java.util.HashMap<>();
        for (LvdSystem.CodeAt at : system.code().values()) {
            Line l = new Line(at.insn().pos().file(), at.insn().pos().line());
            Integer id = ids.get(l);
            if (id == null) {
                id = lines.size();
                ids.put(l, id);
                lines.add(l);
            }
            lineOf.put(at.insn(), id);
        }
        executed = new boolean[lines.size()];
    }

    void record(PlacedInstruction pi) {
        Integer id = lineOf.get(pi);
        if (id != null) {
            executed[id] = true;
        }
    }

    public Map<String, FileCoverage> byFile() {
        Map<String, int[]> counts = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int[] c = counts.computeIfAbsent(lines.get(i).file(), f -> new int[2]);
            c[1]++;
            if (executed[i]) {
                c[0]++;
            }
        }
        Map<String, FileCoverage> out = new TreeMap<>();
        counts.forEach((f, c) -> out.put(f, new FileCoverage(f, c[0], c[1])));
        return out;
    }
}
