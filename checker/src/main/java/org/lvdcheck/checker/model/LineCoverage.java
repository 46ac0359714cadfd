package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.asm.PlacedInstruction;

/**
 * Line coverage of every {@code .s} file over an exploration (DESIGN.md §5): which source
 * lines that hold an instruction were executed in some explored step, and in which context
 * (a macro invocation's line counts as executed where an instruction it expanded was)
 * ({@link Context}): under the kernel's view, as trusted code under a domain's view that the
 * kernel's own path entered, as trusted code a driver's jump (or its VMFUNC within its view)
 * entered, or as the driver's own code. Recording is the CPU's context, one identity lookup and a
 * flag write or two per step (the explorer's step is hot); workers may set flags concurrently,
 * and only ever set them (one array per context, so no write of one context can undo another's),
 * so the results are read after the exploration.
 */
public final class LineCoverage {
    /** Where an executed instruction ran. */
    public enum Context {
        /** Under the kernel's view (view 0: EPTP-list slot 0). */
        KERNEL("kernel"),
        /**
         * Trusted code under any other view, not entered by a driver's jump or its VMFUNC within its
         * view (the gate's own path into a domain).
         */
        DOMAIN("domain"),
        /**
         * Trusted transition code under a domain's view in a run a driver's jump, or its VMFUNC within
         * its view, entered ({@code CpuState.driverEntered}).
         */
        DRIVER_JUMP("driver-jump"),
        /** The compromised driver's own code (docs/MODEL.md, "Driver code, transition code, trusted readers"). */
        DRIVER("driver");

        private final String label;

        Context(String label) {
            this.label = label;
        }

        /** The name reports use. */
        public String label() {
            return label;
        }
    }

    /** Executed and total instruction lines of one file, and how many lines ran in each context. */
    public record FileCoverage(String file, int executed, int lines, Map<Context, Integer> byContext) {
        public double percent() {
            return lines == 0 ? 100.0 : 100.0 * executed / lines;
        }
    }

    /** One source line that holds a linked instruction and the contexts it ran in (empty: never). */
    public record LineContexts(String file, int line, Set<Context> contexts) {}

    /** Each source line that holds a linked instruction or invokes a macro that expands to one, numbered. */
    private record Line(String file, int line) {}

    /** Per instruction, its line's id and, for one a macro expanded, the ids of the invocations' lines too. */
    private final Map<PlacedInstruction, int[]> lineOf = new IdentityHashMap<>();
    private final List<Line> lines = new ArrayList<>();
    private final boolean[][] executedIn;

    public LineCoverage(LvdSystem system) {
        Map<Line, Integer> ids = new java.util.HashMap<>();
        for (LvdSystem.CodeAt at : system.code().values()) {
            java.util.Set<Integer> mine = new java.util.TreeSet<>();
            mine.add(id(ids, new Line(at.insn().pos().file(), at.insn().pos().line())));
            for (var site : at.insn().sites()) {
                mine.add(id(ids, new Line(site.file(), site.line())));
            }
            lineOf.put(at.insn(), mine.stream().mapToInt(Integer::intValue).toArray());
        }
        executedIn = new boolean[Context.values().length][lines.size()];
    }

    private int id(Map<Line, Integer> ids, Line l) {
        Integer id = ids.get(l);
        if (id == null) {
            id = lines.size();
            ids.put(l, id);
            lines.add(l);
        }
        return id;
    }

    void record(PlacedInstruction pi, Context where) {
        int[] ids = lineOf.get(pi);
        if (ids != null) {
            for (int id : ids) {
                executedIn[where.ordinal()][id] = true;
            }
        }
    }

    private boolean executed(int id) {
        for (boolean[] in : executedIn) {
            if (in[id]) {
                return true;
            }
        }
        return false;
    }

    public Map<String, FileCoverage> byFile() {
        int n = Context.values().length;
        Map<String, int[]> counts = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int[] c = counts.computeIfAbsent(lines.get(i).file(), f -> new int[2 + n]);
            c[1]++;
            if (executed(i)) {
                c[0]++;
            }
            for (int k = 0; k < n; k++) {
                if (executedIn[k][i]) {
                    c[2 + k]++;
                }
            }
        }
        Map<String, FileCoverage> out = new TreeMap<>();
        counts.forEach((f, c) -> {
            Map<Context, Integer> by = new java.util.EnumMap<>(Context.class);
            for (Context k : Context.values()) {
                by.put(k, c[2 + k.ordinal()]);
            }
            out.put(f, new FileCoverage(f, c[0], c[1], by));
        });
        return out;
    }

    /** Every instruction line of {@code file} in line order, with the contexts it ran in. */
    public List<LineContexts> lines(String file) {
        Map<Integer, LineContexts> out = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            if (!l.file().equals(file)) {
                continue;
            }
            EnumSet<Context> in = EnumSet.noneOf(Context.class);
            for (Context k : Context.values()) {
                if (executedIn[k.ordinal()][i]) {
                    in.add(k);
                }
            }
            out.put(l.line(), new LineContexts(l.file(), l.line(), in));
        }
        return new ArrayList<>(out.values());
    }
}
