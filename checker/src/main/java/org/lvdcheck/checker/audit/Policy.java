package org.lvdcheck.checker.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * What an interface change may do (docs/IDL.md "Policy files"). One directive a line,
 * words separated by blanks, {@code #} starts a comment:
 * <pre>
 * sensitive function NAME         # any new call or callback involving NAME is an error
 * sensitive field STRUCT.FIELD    # any new driver read or write of it is an error
 * type field STRUCT.FIELD         # the kernel relies on it like a pointer: a new driver write is DINTEG
 * allow function NAME             # adding it is only a note
 * allow field STRUCT.FIELD read|write|any   # widening it that way is only a note
 * </pre>
 * The empty policy is the built-in one: DINTEG and CALL weakenings fail, DSAFE widenings warn.
 */
public final class Policy {
    private final Set<String> sensitiveFunctions = new HashSet<>();
    private final Set<String> sensitiveFields = new HashSet<>();
    private final Set<String> typeFields = new HashSet<>();
    private final Set<String> allowedFunctions = new HashSet<>();
    private final Map<String, Set<String>> allowedFields = new HashMap<>();

    private Policy() {}

    public static Policy builtIn() {
        return new Policy();
    }

    public static Policy parse(Path path) throws InputError {
        try {
            return parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InputError(new SourcePos(path.toString(), 1, 1), "cannot read policy: " + e.getMessage());
        }
    }

    public static Policy parse(String file, String text) throws InputError {
        Policy p = new Policy();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            p.directive(file, i + 1, lines[i]);
        }
        return p;
    }

    /** A word of a policy line with the column it starts at. */
    private record Word(String text, int column) {}

    private void directive(String file, int line, String raw) throws InputError {
        int hash = raw.indexOf('#');
        String text = hash >= 0 ? raw.substring(0, hash) : raw;
        java.util.List<Word> words = new java.util.ArrayList<>();
        for (int i = 0; i < text.length();) {
            if (Character.isWhitespace(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            words.add(new Word(text.substring(start, i), start + 1));
        }
        if (words.isEmpty()) {
            return;
        }
        int end = text.stripTrailing().length() + 1;
        String verb = words.get(0).text();
        if (!verb.equals("sensitive") && !verb.equals("type") && !verb.equals("allow")) {
            throw new InputError(new SourcePos(file, line, words.get(0).column()),
                    "unknown policy directive '" + verb + "'; expected sensitive, type or allow");
        }
        if (words.size() < 2) {
            throw new InputError(new SourcePos(file, line, end), "expected 'function' or 'field' after '" + verb + "'");
        }
        Word what = words.get(1);
        boolean function = what.text().equals("function");
        if (!function && !what.text().equals("field")) {
            throw new InputError(new SourcePos(file, line, what.column()),
                    "expected 'function' or 'field', found '" + what.text() + "'");
        }
        if (function && verb.equals("type")) {
            throw new InputError(new SourcePos(file, line, what.column()), "'type' applies to fields only");
        }
        if (words.size() < 3) {
            throw new InputError(new SourcePos(file, line, end), "expected a " + (function ? "function name" : "STRUCT.FIELD"));
        }
        Word name = words.get(2);
        if (!function && !name.text().matches("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*")) {
            throw new InputError(new SourcePos(file, line, name.column()),
                    "expected STRUCT.FIELD (e.g. net_device.netdev_ops), found '" + name.text() + "'");
        }
        if (function && !name.text().matches("[A-Za-z_][A-Za-z0-9_.]*")) {
            throw new InputError(new SourcePos(file, line, name.column()), "not a function name: '" + name.text() + "'");
        }
        int expectedWords = verb.equals("allow") && !function ? 4 : 3;
        if (words.size() < expectedWords) {
            throw new InputError(new SourcePos(file, line, end), "expected read, write or any");
        }
        if (words.size() > expectedWords) {
            Word extra = words.get(expectedWords);
            throw new InputError(new SourcePos(file, line, extra.column()), "unexpected '" + extra.text() + "'");
        }
        switch (verb) {
            case "sensitive" -> (function ? sensitiveFunctions : sensitiveFields).add(name.text());
            case "type" -> typeFields.add(name.text());
            default -> {
                if (function) {
                    allowedFunctions.add(name.text());
                } else {
                    Word how = words.get(3);
                    if (!how.text().equals("read") && !how.text().equals("write") && !how.text().equals("any")) {
                        throw new InputError(new SourcePos(file, line, how.column()),
                                "expected read, write or any, found '" + how.text() + "'");
                    }
                    Set<String> set = allowedFields.computeIfAbsent(name.text(), k -> new HashSet<>());
                    if (how.text().equals("any")) {
                        set.add("read");
                        set.add("write");
                    } else {
                        set.add(how.text());
                    }
                }
            }
        }
    }

    /** A scoped rpc_ptr name {@code outer.inner} also matches its last part. */
    private static boolean matches(Set<String> names, String function) {
        return names.contains(function) || names.contains(function.substring(function.lastIndexOf('.') + 1));
    }

    public boolean sensitiveFunction(String function) {
        return matches(sensitiveFunctions, function);
    }

    public boolean allowedFunction(String function) {
        return matches(allowedFunctions, function);
    }

    /** {@code field} is {@code STRUCT.FIELD} as the policy writes it. */
    public boolean sensitiveField(String field) {
        return sensitiveFields.contains(field);
    }

    public boolean typeField(String field) {
        return typeFields.contains(field) || sensitiveFields.contains(field);
    }

    public boolean allowedField(String field, String access) {
        return allowedFields.getOrDefault(field, Set.of()).contains(access);
    }
}
