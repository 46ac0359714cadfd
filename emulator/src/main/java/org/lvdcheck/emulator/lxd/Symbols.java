package org.lvdcheck.emulator.lxd;

import java.util.Map;
import java.util.OptionalLong;
import org.lvdcheck.spec.asm.LinkedImage;

/**
 * Symbol lookups over a linked image. Constants from an included {@code asm-offsets.s} are
 * defined once per file that includes it, and the linker then shows them qualified as
 * {@code file:name}; such a name has one value when every definition agrees.
 */
public final class Symbols {
    private Symbols() {}

    public static OptionalLong constant(LinkedImage img, String name) {
        OptionalLong exact = img.symbol(name);
        if (exact.isPresent()) {
            return exact;
        }
        Long value = null;
        for (Map.Entry<String, Long> e : img.symbols().entrySet()) {
            if (e.getKey().endsWith(":" + name)) {
                if (value != null && !value.equals(e.getValue())) {
                    return OptionalLong.empty();
                }
                value = e.getValue();
            }
        }
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }
}
