package org.lvdcheck.checker.trace;

import java.util.List;
import java.util.Map;
import org.lvdcheck.spec.InputFile;

/**
 * A counterexample as written to disk (docs/TRACE-FORMAT.md): every input it needs to be
 * re-executed anywhere (spec, {@code .s} and {@code .idl} files with their SHA-256), the
 * fingerprint seed, the property and the steps.
 *
 * @param specPath the spec's path among {@code inputs} (the key {@code SpecLoader} resolves from)
 * @param inputs every input file by its resolved path
 */
public record TraceFile(String tool, String sdm, String specName, String specPath, Map<String, InputFile> inputs,
                        long fingerprintSeed, String property, String propertyName, String evidence,
                        List<TraceStep> steps) {
    public TraceFile {
        inputs = Map.copyOf(inputs);
        steps = List.copyOf(steps);
    }

    public List<Integer> choices() {
        return steps.stream().map(TraceStep::choice).toList();
    }
}
