package org.lvdcheck.checker.model;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.Strategy;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The small test specs under {@code src/test/resources/small/} (docs/TESTING.md): {@code tiny.lvd}
 * (one CPU) and {@code mini.lvd} (two CPUs), loaded from the test class path as {@code check}
 * loads a spec file, optionally with one line of the spec replaced (a seeded fault).
 */
final class SmallSpecs {
    /**
     * The properties the explorer checks in this version ({@link StepChecks#CHECKED}), in catalogue
     * order, but INV5 and DINTEG: the small specs' gate is a few instructions that switch no
     * register state, so the driver is entered with the kernel's per-CPU GS base ({@link #BREAKS_INV5})
     * and, in RDI (word 0 of a message), the address of the thread's work block that kthread_run
     * passed ({@link #BREAKS_DINTEG}); neither cuts, so leaving them out changes no count.
     */
    static final List<String> CHECKED = java.util.Arrays.stream(PropertyId.values())
            .filter(StepChecks.CHECKED::contains).filter(p -> p != PropertyId.INV5 && p != PropertyId.DINTEG)
            .map(PropertyId::name).toList();

    /** How the small specs break INV5: the evidence of their counterexample starts so. */
    static final String BREAKS_INV5 = "cpu0 enters net's driver code at 0xffffffffa0000000 with kernel values in "
            + "registers that are not message registers: gs.base = 0xffff888002002000 (the per-CPU area of cpu0)";

    /** How the small specs break DINTEG: the evidence of their counterexample. */
    static final String BREAKS_DINTEG = "cpu0 enters net's driver code at 0xffffffffa0000000 with no message (no RPC "
            + "of net's IDL named by word 0), and kernel pointers where the IDL passes values and references: word 0 "
            + "(rdi) = 0xffff888003100800 (thread t0's task_struct, work block, FPU area and kernel stack)";

    private SmallSpecs() {
    }

    /** The directory of the small specs on the test class path. */
    static Path dir() {
        try {
            return Path.of(SmallSpecs.class.getResource("/small").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text of spec {@code name} ({@code tiny.lvd}, {@code mini.lvd}). */
    static String text(String name) {
        try {
            return Files.readString(dir().resolve(name));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Spec {@code name} as {@code check --spec} loads it. */
    static SpecLoader.Loaded load(String name) throws InputError {
        return SpecLoader.load(dir().resolve(name).toString());
    }

    /**
     * Spec {@code name} with {@code text} in place of its own (the assembly beside it): how a
     * faulty variant is loaded. The path stays the spec's, so its {@code .s} files resolve.
     */
    static SpecLoader.Loaded load(String name, String text) throws InputError {
        String path = dir().resolve(name).toString();
        SourceSet disk = SourceSet.directory();
        SourceSet sources = (from, relative) -> SourceSet.resolve(from, relative).equals(path)
                ? Optional.of(InputFile.of(path, text)) : disk.read(from, relative);
        return SpecLoader.load(path, sources);
    }

    /**
     * Spec {@code name} with {@code text} in place of its input file {@code file} (a path beside
     * the spec, e.g. {@code asm/irq.s}): how a variant with changed assembly is loaded.
     */
    static SpecLoader.Loaded loadWithFile(String name, String file, String text) throws InputError {
        return loadWithFiles(name, java.util.Map.of(file, text));
    }

    /**
     * Spec {@code name} with each of its input files named in {@code texts} (paths beside the
     * spec, the spec itself included) read as the text given.
     */
    static SpecLoader.Loaded loadWithFiles(String name, java.util.Map<String, String> texts) throws InputError {
        String path = dir().resolve(name).toString();
        java.util.Map<String, String> changed = new java.util.HashMap<>();
        texts.forEach((file, text) -> changed.put(dir().resolve(file).normalize().toString(), text));
        SourceSet disk = SourceSet.directory();
        SourceSet sources = (from, relative) -> {
            String p = java.nio.file.Path.of(SourceSet.resolve(from, relative)).normalize().toString();
            return changed.containsKey(p) ? Optional.of(InputFile.of(p, changed.get(p))) : disk.read(from, relative);
        };
        return SpecLoader.load(path, sources);
    }

    /**
     * {@code text} with the one line that contains {@code fragment} changed to contain
     * {@code replacement} instead: a one-line diff, or an error if the fragment is not on
     * exactly one line.
     */
    static String oneLineDiff(String text, String fragment, String replacement) {
        String[] lines = text.split("\n", -1);
        int at = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(fragment)) {
                if (at >= 0) {
                    throw new IllegalArgumentException("'" + fragment + "' is on lines " + (at + 1) + " and " + (i + 1));
                }
                at = i;
            }
        }
        if (at < 0 || lines[at].indexOf(fragment) != lines[at].lastIndexOf(fragment)) {
            throw new IllegalArgumentException("'" + fragment + "' is not on exactly one line once");
        }
        lines[at] = lines[at].replace(fragment, replacement);
        return String.join("\n", lines);
    }

    /** The explored system of a loaded spec, built as {@code check} builds it. */
    static LvdTransitionSystem system(SpecLoader.Loaded loaded, boolean reduction) throws InputError {
        return Replay.system(loaded, reduction);
    }

    /** Explores as {@code check} does (a verdict that holds only beyond a cut is inconclusive). */
    static Explored explore(SpecLoader.Loaded loaded, boolean reduction, boolean exact, int workers,
                            List<String> properties) throws InputError {
        return explore(loaded, reduction, exact, workers, properties, false);
    }

    /** As above; with {@code symmetry} a state and its mirror image under the CPU symmetry are one state (the spec must have one). */
    static Explored explore(SpecLoader.Loaded loaded, boolean reduction, boolean exact, int workers,
                            List<String> properties, boolean symmetry) throws InputError {
        return explore(loaded, reduction, exact, workers, properties, symmetry, Strategy.BFS);
    }

    /** As above, with the search strategy given ({@code --strategy}; simulation is not a complete search). */
    static Explored explore(SpecLoader.Loaded loaded, boolean reduction, boolean exact, int workers,
                            List<String> properties, boolean symmetry, Strategy strategy) throws InputError {
        return explore(loaded, reduction, exact, workers, properties, symmetry, strategy, true);
    }

    /**
     * As above, with the proviso given: {@code waiting} true for the default (breadth-first: by reach;
     * depth-first: on the stack), false for {@code --proviso level}.
     */
    static Explored explore(SpecLoader.Loaded loaded, boolean reduction, boolean exact, int workers,
                            List<String> properties, boolean symmetry, Strategy strategy, boolean waiting)
            throws InputError {
        LvdTransitionSystem sys = system(loaded, reduction);
        if (symmetry) {
            String none = sys.useCpuSymmetry();
            if (none != null) {
                throw new IllegalArgumentException("no CPU symmetry: " + none);
            }
        }
        Explorer.Options options = Explorer.Options.defaults().withReduction(reduction).withExact(exact)
                .withWorkers(workers).withProperties(properties.toArray(String[]::new)).withStrategy(strategy)
                .withReachProviso(waiting);
        Explorer<CheckState> explorer = new Explorer<>(sys, options);
        ExplorationResult result = explorer.run().withCutSensitive(p -> true);
        return new Explored(explorer, result);
    }

    /** An exploration and the explorer that ran it (its traces). */
    record Explored(Explorer<CheckState> explorer, ExplorationResult result) {
        /** The action indices of the counterexample of {@code property}. */
        List<Integer> trace(String property) {
            return explorer.trace(result.counterexample(property).orElseThrow()).actionIndices();
        }
    }
}
