package org.lvdcheck.spec.lvd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.SourceSet;

/**
 * The seeded faults, read from {@code faults.txt} beside the built-in specs. An entry is a block
 * of {@code key value} lines, entries separated by blank lines, {@code #} lines are comments:
 *
 * <pre>
 * fault   NAME                    the faulty spec's name
 * base    lvd-hardened            the built-in spec it changes
 * file    asm/hardened/gate.s     the file, as the spec names it
 * line    33                      1-based
 * old     |TEXT                   the whole line before the change: everything after the '|'
 * new     |TEXT                   the whole line after it; or a line "delete" instead
 * breaks  ID                      the property the change is designed to break
 * check   OPTIONS                 the check run that decides 'caught' (--stop-at-first ...)
 * caught  ID...|none              what that run reports for it in this version
 * on-base ID...|none              what the same run reports on the base spec
 * says    SENTENCE                what it changes, and the gap it reopens
 * </pre>
 */
public final class FaultCatalogue {
    /** The catalogue's resource path among the built-in specs. */
    public static final String FILE = "faults.txt";

    private static final List<String> KEYS = List.of("fault", "base", "file", "line", "old", "new", "delete", "breaks",
            "check", "caught", "on-base", "says");

    private final Map<String, SeededFault> faults;

    private FaultCatalogue(Map<String, SeededFault> faults) {
        this.faults = faults;
    }

    private static volatile FaultCatalogue builtin;

    /** The shipped catalogue. A malformed shipped catalogue is a defect of lvdcheck, not of the user's input. */
    public static FaultCatalogue builtin() {
        FaultCatalogue c = builtin;
        if (c == null) {
            try {
                InputFile f = SourceSet.builtin().read("", FILE).orElseThrow(
                        () -> new IllegalStateException("the built-in " + FILE + " is missing"));
                c = parse(f);
            } catch (InputError e) {
                throw new IllegalStateException("the built-in fault catalogue is malformed: " + e.getMessage(), e);
            }
            builtin = c;
        }
        return c;
    }

    public List<SeededFault> all() {
        return List.copyOf(faults.values());
    }

    public Optional<SeededFault> find(String name) {
        return Optional.ofNullable(faults.get(name));
    }

    /** Parses a catalogue; every mistake is reported at its line. */
    public static FaultCatalogue parse(InputFile f) throws InputError {
        Map<String, SeededFault> out = new LinkedHashMap<>();
        List<String> lines = Patch.split(f.text());
        Map<String, String> entry = new HashMap<>();
        Map<String, SourcePos> at = new HashMap<>();
        for (int i = 0; i <= lines.size(); i++) {
            String raw = i < lines.size() ? lines.get(i).replaceAll("\r?\n$", "") : "";
            SourcePos pos = new SourcePos(f.name(), i + 1, 1);
            if (raw.isBlank()) {
                if (!entry.isEmpty()) {
                    SeededFault sf = build(entry, at);
                    if (out.putIfAbsent(sf.name(), sf) != null) {
                        throw new InputError(sf.pos(), "a second fault named '" + sf.name() + "'");
                    }
                    entry.clear();
                    at.clear();
                }
                continue;
            }
            if (raw.startsWith("#")) {
                continue;
            }
            int sp = indexOfSpace(raw);
            String key = sp < 0 ? raw : raw.substring(0, sp);
            String rest = sp < 0 ? "" : raw.substring(sp);
            if (!KEYS.contains(key)) {
                throw new InputError(pos, "unknown key '" + key + "' (keys: " + String.join(", ", KEYS) + ")");
            }
            if (entry.isEmpty() && !key.equals("fault")) {
                throw new InputError(pos, "an entry starts with 'fault NAME'");
            }
            if (entry.containsKey(key)) {
                throw new InputError(pos, "'" + key + "' given twice in one entry");
            }
            String value;
            int column = sp < 0 ? 1 : sp + 1;
            while (column <= raw.length() && Character.isWhitespace(raw.charAt(column - 1))) {
                column++;
            }
            if (key.equals("old") || key.equals("new")) {
                int bar = rest.indexOf('|');
                if (bar < 0 || !rest.substring(0, bar).isBlank()) {
                    throw new InputError(new SourcePos(f.name(), i + 1, key.length() + 1),
                            "'" + key + "' is followed by '|' and then the whole line, spaces included");
                }
                value = rest.substring(bar + 1);
            } else {
                value = rest.strip();
                if (key.equals("delete") ? !value.isEmpty() : value.isEmpty()) {
                    throw new InputError(pos, key.equals("delete") ? "'delete' takes no value" : "'" + key + "' needs a value");
                }
            }
            entry.put(key, value);
            at.put(key, new SourcePos(f.name(), i + 1, key.equals("fault") || column > raw.length() ? 1 : column));
        }
        return new FaultCatalogue(out);
    }

    private static SeededFault build(Map<String, String> e, Map<String, SourcePos> at) throws InputError {
        SourcePos start = at.get("fault");
        for (String k : List.of("base", "file", "line", "old", "breaks", "check", "caught", "on-base", "says")) {
            if (!e.containsKey(k)) {
                throw new InputError(start, "fault '" + e.get("fault") + "' has no '" + k + "'");
            }
        }
        if (e.containsKey("new") == e.containsKey("delete")) {
            throw new InputError(start, "fault '" + e.get("fault") + "' needs exactly one of 'new |TEXT' and 'delete'");
        }
        String name = e.get("fault");
        if (!name.matches("[a-z0-9][a-z0-9-]*") || Set.of("lvd-hardened", "lvd-as-built").contains(name)) {
            throw new InputError(start, "a fault's name is lower-case letters, digits and '-', and not a base spec's: '"
                    + name + "'");
        }
        int line;
        try {
            line = Integer.parseInt(e.get("line"));
        } catch (NumberFormatException x) {
            line = 0;
        }
        if (line < 1) {
            throw new InputError(at.get("line"), "a line number is a positive integer, not '" + e.get("line") + "'");
        }
        Patch p = new Patch(e.get("file"), line, e.get("old"), Optional.ofNullable(e.get("new")), at.get("old"));
        return new SeededFault(name, e.get("base"), p, e.get("breaks"), e.get("check"), e.get("caught"), e.get("on-base"),
                e.get("says"), start);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
