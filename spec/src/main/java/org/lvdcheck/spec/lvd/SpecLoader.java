package org.lvdcheck.spec.lvd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.SourceSet;

/**
 * Loads a spec by file name or built-in name ({@code lvd-hardened}, {@code lvd-as-built},
 * or a shipped faulty variant) together with the assembly and IDL files it names.
 */
public final class SpecLoader {
    /** The built-in specs, in the order {@code lvdcheck} lists them. */
    public static final List<String> BUILTINS = List.of("lvd-hardened", "lvd-as-built");

    private SpecLoader() {}

    /** A loaded spec: the parsed facts, every input file read (for SHA-256 headers), and where to read more. */
    public record Loaded(SystemSpec spec, String specPath, Map<String, InputFile> files, SourceSet sources) {
        public InputFile specFile() {
            return files.get(specPath);
        }
    }

    public static Loaded load(String fileOrName) throws InputError {
        if (!fileOrName.endsWith(".lvd")) {
            Optional<SeededFault> fault = FaultCatalogue.builtin().find(fileOrName);
            if (fault.isPresent()) {
                return load(fault.get());
            }
        }
        SourceSet sources;
        String path;
        if (!fileOrName.endsWith(".lvd") && SourceSet.builtin().read("", fileOrName + ".lvd").isPresent()) {
            sources = SourceSet.builtin();
            path = fileOrName + ".lvd";
        } else {
            sources = SourceSet.directory();
            path = fileOrName;
        }
        InputFile f = sources.read("", path).orElseThrow(() -> new InputError(new SourcePos(fileOrName, 1, 1),
                fileOrName.endsWith(".lvd") ? "no such spec file"
                        : "no such spec file or built-in spec (built-in: " + String.join(", ", BUILTINS)
                        + ", and the seeded faults of docs/SEEDED-FAULTS.md)"));
        return load(path, f, sources);
    }

    /** Loads a seeded fault: its base spec with its one line changed, under the fault's name. */
    public static Loaded load(SeededFault fault) throws InputError {
        if (!BUILTINS.contains(fault.base())) {
            throw new InputError(fault.pos(), "fault " + fault.name() + ": its base '" + fault.base()
                    + "' is not a built-in spec (" + String.join(", ", BUILTINS) + ")");
        }
        return loadPatched(fault.base(), fault.patch(), fault.name());
    }

    /**
     * Loads {@code fileOrName} (a spec file or a built-in spec) with {@code patch} applied to the
     * file it names, under the spec name {@code name}. The loaded inputs hold the patched text,
     * so reports hash it and traces embed it, and {@code replay} rebuilds the patched system from
     * a trace alone. The patch must change a file of the spec: one it does not read is an error.
     */
    public static Loaded loadPatched(String fileOrName, Patch patch, String name) throws InputError {
        Loaded base = load(fileOrName);
        SourceSet unpatched = base.sources();
        InputFile target = unpatched.read("", patch.file()).orElseThrow(() -> new InputError(
                patch.origin() != null ? patch.origin() : new SourcePos(base.specFile().name(), 1, 1),
                "a patch of spec " + fileOrName + " names '" + patch.file() + "', which is not one of its files"));
        patch.apply(target);
        SourceSet patched = patch.over(unpatched, name);
        InputFile spec = patched.read("", base.specPath()).orElseThrow();
        Loaded l = load(base.specPath(), spec, patched);
        return new Loaded(l.spec().withName(name), l.specPath(), l.files(), l.sources());
    }

    /** Loads the spec at {@code path} from {@code sources} (e.g. the inputs a trace embeds). */
    public static Loaded load(String path, SourceSet sources) throws InputError {
        InputFile f = sources.read("", path).orElseThrow(() -> new InputError(new SourcePos(path, 1, 1),
                "no such spec file"));
        return load(path, f, sources);
    }

    private static Loaded load(String path, InputFile f, SourceSet sources) throws InputError {
        SystemSpec spec = SpecParser.parse(f.name(), f.text());
        Map<String, InputFile> files = new LinkedHashMap<>();
        files.put(path, f);
        for (Model.AsmUnits u : spec.asm()) {
            for (int i = 0; i < u.files().size(); i++) {
                String rel = u.files().get(i);
                String resolved = SourceSet.resolve(path, rel);
                if (!files.containsKey(resolved)) {
                    InputFile s = sources.read(path, rel).orElseThrow(
                            () -> new InputError(posOf(u, rel), "assembly file not found: " + rel));
                    files.put(resolved, s);
                }
            }
        }
        for (Model.Domain d : spec.domains()) {
            if (d.idl() != null) {
                String resolved = SourceSet.resolve(path, d.idl());
                if (!files.containsKey(resolved)) {
                    InputFile s = sources.read(path, d.idl()).orElseThrow(
                            () -> new InputError(d.pos(), "IDL file not found: " + d.idl()));
                    if (!d.idl().endsWith(".idl")) {
                        throw new InputError(d.pos(), "IDL files end in .idl: '" + d.idl() + "'");
                    }
                    files.put(resolved, s);
                }
            }
        }
        return new Loaded(spec, path, files, recording(sources, files));
    }

    /**
     * Sources that add every file read later (assembler includes) to {@code files}, so reports
     * hash and traces embed every input.
     */
    private static SourceSet recording(SourceSet sources, Map<String, InputFile> files) {
        return (from, relative) -> {
            Optional<InputFile> f = sources.read(from, relative);
            f.ifPresent(x -> {
                synchronized (files) {
                    files.putIfAbsent(SourceSet.resolve(from, relative), x);
                }
            });
            return f;
        };
    }

    private static SourcePos posOf(Model.AsmUnits u, String rel) {
        int i = u.files().indexOf(rel);
        return i < 0 ? u.pos() : u.filePos().get(i);
    }
}
