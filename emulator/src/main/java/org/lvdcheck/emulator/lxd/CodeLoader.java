package org.lvdcheck.emulator.lxd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.asm.AsmParser;
import org.lvdcheck.spec.asm.AsmUnit;
import org.lvdcheck.spec.asm.Assembler;
import org.lvdcheck.spec.asm.IncludeResolver;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Parses the spec's assembly once per file and links it into each view, the way LVD loads
 * a driver: the kernel view gets the kernel's units, a domain's view its own units (the
 * gate pages relinked so that their calls resolve into the domain, module_create_lvd.c).
 */
public final class CodeLoader {
    private CodeLoader() {}

    /** Parses every {@code .s} file the spec names (each once), includes resolved beside it. */
    public static Map<String, AsmUnit> parse(SpecLoader.Loaded loaded) throws InputError {
        Map<String, AsmUnit> units = new LinkedHashMap<>();
        for (Model.AsmUnits u : loaded.spec().asm()) {
            for (String rel : u.files()) {
                String path = SourceSet.resolve(loaded.specPath(), rel);
                if (units.containsKey(path)) {
                    continue;
                }
                InputFile f = loaded.files().get(path);
                units.put(path, AsmParser.parse(f.name(), f.text(), includes(loaded.sources(), path)));
            }
        }
        return units;
    }

    /** Links the units of {@code view} with sections at the spec's addresses and the given externals. */
    public static LinkedImage link(SpecLoader.Loaded loaded, Map<String, AsmUnit> parsed, String view,
                                   Map<String, Long> externals) throws InputError {
        List<AsmUnit> units = new ArrayList<>();
        for (Model.AsmUnits u : loaded.spec().asm()) {
            if (u.view().equals(view)) {
                for (String rel : u.files()) {
                    units.add(parsed.get(SourceSet.resolve(loaded.specPath(), rel)));
                }
            }
        }
        Map<String, Long> bases = new HashMap<>();
        for (Model.Section s : loaded.spec().sections()) {
            if (s.view() == null) {
                bases.putIfAbsent(s.name(), s.gva());
            }
        }
        for (Model.Section s : loaded.spec().sections()) {
            if (view.equals(s.view())) {
                bases.put(s.name(), s.gva());
            }
        }
        Map<String, Long> used = new HashMap<>();
        for (AsmUnit u : units) {
            for (String sec : u.sectionNames()) {
                Long b = bases.get(sec);
                if (b == null) {
                    throw new InputError(firstAsmLine(loaded, view), "section '" + sec + "' of " + u.fileName()
                            + " has no address: add 'section " + sec + " gva=ADDRESS' to the spec");
                }
                used.put(sec, b);
            }
        }
        // The view's own definitions win over the kernel's exported symbols (a module's local copies).
        Map<String, Long> ext = new HashMap<>(externals);
        for (AsmUnit u : units) {
            ext.keySet().removeAll(u.definedSymbols());
        }
        return Assembler.link(units, used, ext);
    }

    private static org.lvdcheck.spec.SourcePos firstAsmLine(SpecLoader.Loaded loaded, String view) {
        return loaded.spec().asm().stream().filter(a -> a.view().equals(view)).findFirst().map(Model.AsmUnits::pos)
                .orElse(new org.lvdcheck.spec.SourcePos(loaded.specPath(), 1, 1));
    }

    private static IncludeResolver includes(SourceSet sources, String from) {
        return name -> {
            try {
                Optional<InputFile> f = sources.read(from, name);
                return f.map(x -> new IncludeResolver.Source(x.name(), x.text()));
            } catch (InputError e) {
                return Optional.empty();
            }
        };
    }
}
