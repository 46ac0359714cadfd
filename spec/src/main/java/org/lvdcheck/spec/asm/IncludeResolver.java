package org.lvdcheck.spec.asm;

import java.util.Map;
import java.util.Optional;

/**
 * Finds the file a {@code .include "name"} names. Returning empty makes the directive an
 * InputError at its own position.
 */
@FunctionalInterface
public interface IncludeResolver {

    /** The text of an included file and the name errors inside it will carry. */
    record Source(String fileName, String text) {
    }

    Optional<Source> resolve(String name);

    /** A resolver that finds nothing: every .include is an error. */
    static IncludeResolver none() {
        return name -> Optional.empty();
    }

    /** A resolver over fixed files, keyed by the name written in the directive. */
    static IncludeResolver of(Map<String, String> files) {
        Map<String, String> copy = Map.copyOf(files);
        return name -> Optional.ofNullable(copy.get(name)).map(text -> new Source(name, text));
    }
}
