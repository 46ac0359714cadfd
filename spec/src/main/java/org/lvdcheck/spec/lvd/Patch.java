package org.lvdcheck.spec.lvd;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.SourceSet;

/**
 * A one-line change of one input file of a spec (the {@code .lvd} or a {@code .s}, {@code .idl}
 * it names): the 1-based line, the text that line must have, and its replacement, or none to
 * delete it. A patch is data: the seeded faults are patches written in {@code faults.txt}, and a
 * mutation analysis generates them. Applying it to a text whose line differs fails with both
 * texts, so a patch never lands on a line it was not written for.
 *
 * @param file    the file's path among the spec's inputs, as a trace records it: resolved against
 *                the spec's directory ({@code asm/hardened/gate-kernel.s} of a built-in spec; the
 *                spec file itself by its own path, {@code lvd-hardened.lvd})
 * @param line    1-based line number
 * @param oldText the whole line as it must read before the change, without its line break
 * @param newText the whole new line, or empty to delete the line
 * @param origin  where the patch was written (a catalogue line), for messages; may be null
 */
public record Patch(String file, int line, String oldText, Optional<String> newText, SourcePos origin) {
    public Patch {
        if (line < 1) {
            throw new IllegalArgumentException("lines are 1-based: " + line);
        }
        if (oldText.contains("\n") || newText.map(t -> t.contains("\n")).orElse(false)) {
            throw new IllegalArgumentException("a patch changes one line: no line breaks in its texts");
        }
    }

    public static Patch replace(String file, int line, String oldText, String newText) {
        return new Patch(file, line, oldText, Optional.of(newText), null);
    }

    public static Patch delete(String file, int line, String oldText) {
        return new Patch(file, line, oldText, Optional.empty(), null);
    }

    public boolean deletes() {
        return newText.isEmpty();
    }

    /**
     * The text of {@code f} with this patch applied. Line breaks ({@code \n}) are kept as they
     * are; the file's last line needs none.
     *
     * @throws InputError at the patched line when it does not read {@link #oldText()}, or when
     *                    the file is shorter than {@link #line()}
     */
    public String apply(InputFile f) throws InputError {
        List<String> lines = split(f.text());
        if (line > lines.size()) {
            throw new InputError(new SourcePos(f.name(), Math.max(1, lines.size()), 1), "a patch" + from()
                    + " changes line " + line + ", but the file has " + lines.size() + " lines");
        }
        String body = stripBreak(lines.get(line - 1));
        if (!body.equals(oldText)) {
            throw new InputError(new SourcePos(f.name(), line, 1), "a patch" + from() + " expects this line to read '"
                    + oldText + "', but it reads '" + body + "'");
        }
        StringBuilder out = new StringBuilder(f.text().length() + 80);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (i == line - 1) {
                if (newText.isPresent()) {
                    out.append(newText.get()).append(l.substring(body.length()));
                }
            } else {
                out.append(l);
            }
        }
        return out.toString();
    }

    /**
     * The sources {@code base} with this patch applied to its file; every other file is read as
     * it is. The patched file's display name is {@code label:path}, so messages and reports say
     * which text they read.
     */
    public SourceSet over(SourceSet base, String label) {
        return (from, relative) -> {
            Optional<InputFile> f = base.read(from, relative);
            if (f.isEmpty() || !SourceSet.resolve(from, relative).equals(file)) {
                return f;
            }
            return Optional.of(InputFile.of(label + ":" + file, apply(f.get())));
        };
    }

    /** The change as a unified diff of one hunk, for docs and reports. */
    public String diff() {
        StringBuilder sb = new StringBuilder();
        sb.append("--- a/").append(file).append('\n');
        sb.append("+++ b/").append(file).append('\n');
        sb.append("@@ -").append(line).append(" +").append(deletes() ? (line - 1) + ",0" : line).append(" @@\n");
        sb.append('-').append(oldText).append('\n');
        newText.ifPresent(t -> sb.append('+').append(t).append('\n'));
        return sb.toString();
    }

    private String from() {
        return origin == null ? "" : " (" + origin + ")";
    }

    /** The lines of {@code text}, each with its line break; no empty last element after a final break. */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            out.add(text.substring(start, end));
            start = end;
        }
        return out;
    }

    private static String stripBreak(String l) {
        if (l.endsWith("\r\n")) {
            return l.substring(0, l.length() - 2);
        }
        return l.endsWith("\n") ? l.substring(0, l.length() - 1) : l;
    }
}
