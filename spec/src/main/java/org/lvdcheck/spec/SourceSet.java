package org.lvdcheck.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a spec's companion files (.s, .idl) come from: a directory on disk, or the
 * built-in specs on the class path. Paths are relative to the spec file, '/'-separated.
 */
public interface SourceSet {
    /** Reads {@code relative} (resolved against {@code from}, the path of the file that names it). */
    Optional<InputFile> read(String from, String relative) throws InputError;

    /** Resolves {@code relative} against the directory of {@code from}, '/'-separated, normalised. */
    static String resolve(String from, String relative) {
        if (relative.startsWith("/")) {
            return relative;
        }
        int slash = from.lastIndexOf('/');
        String dir = slash < 0 ? "" : from.substring(0, slash + 1);
        Path p = Path.of(dir + relative).normalize();
        return p.toString().replace('\\', '/');
    }

    /** Files held in memory, by their resolved path (the inputs a trace embeds). */
    static SourceSet inMemory(java.util.Map<String, InputFile> files) {
        java.util.Map<String, InputFile> copy = java.util.Map.copyOf(files);
        return (from, relative) -> Optional.ofNullable(copy.get(resolve(from, relative)));
    }

    /** Files on disk. */
    static SourceSet directory() {
        return (from, relative) -> {
            String name = resolve(from, relative);
            Path p = Path.of(name);
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            try {
                return Optional.of(InputFile.of(name, decode(Files.readAllBytes(p), name)));
            } catch (IOException e) {
                throw new InputError(new SourcePos(name, 1, 1), "cannot read: " + e.getMessage());
            }
        };
    }

    /** The built-in specs, packaged under {@code org/lvdcheck/spec/builtin/}. */
    static SourceSet builtin() {
        return (from, relative) -> {
            String name = resolve(from, relative);
            try (InputStream in = SourceSet.class.getResourceAsStream("/org/lvdcheck/spec/builtin/" + name)) {
                if (in == null) {
                    return Optional.empty();
                }
                return Optional.of(InputFile.of("builtin:" + name, decode(in.readAllBytes(), name)));
            } catch (IOException e) {
                throw new InputError(new SourcePos(name, 1, 1), "cannot read built-in file: " + e.getMessage());
            }
        };
    }

    private static String decode(byte[] bytes, String name) throws InputError {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InputError(new SourcePos(name, 1, 1), "not UTF-8 text");
        }
    }
}
