package org.lvdcheck.checker.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.SourcePos;

/**
 * Line coverage of every {@code .s} file over an exploration (DESIGN.md §5): which source
 * lines that hold an instruction were executed in some explored step. Thread-safe: the
 * explorer's workers record concurrently.
 */
public final class LineCoverage {
    /** Executed and total instruction lines of one file. */
    public record FileCoverage(String file, int executed, int lines) {
        public double percent() {
            return lines == 0 ? 100.0 : 100.0 * executed / lines;
        }
    }

    private final Set<SourcePos> executed = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<Integer>> lines = new TreeMap<>();

    public LineCoverage(LvdSystem system) {
        for (LvdSystem.CodeAt at : system.code().values()) {
            SourcePos p = at.insn().pos();
            lines.computeIfAbsent(p.file(), f -> new java.util.TreeSet<>()).add(p.line());
        }
    }

    void record(SourcePos p) {
        executed.add(new SourcePos(p.file(), p.line(), 1));
    }

    public Map<String, FileCoverage> byFile() {
        Map<String, FileCoverage> out = new TreeMap<>();
        for (Map.Entry<String, Set<Integer>> e : lines.entrySet()) {
            int hit = 0;
            for (int line : e.getValue()) {
                if (executed.contains(new SourcePos(e.getKey(), line, 1))) {
                    hit++;
                }
            }
            out.put(e.getKey(), new FileCoverage(e.getKey(), hit, e.getValue().size()));
        }
        return out;
    }
}
