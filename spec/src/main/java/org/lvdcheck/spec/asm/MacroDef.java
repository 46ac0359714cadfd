package org.lvdcheck.spec.asm;

import java.util.List;
import org.lvdcheck.spec.SourcePos;

/** A {@code .macro}: parameters with defaults and the body lines, unexpanded. */
record MacroDef(String name, List<Param> params, List<SourceLine> body, SourcePos pos) {

    /** A parameter; {@code defaultText} null when none; {@code required} for ":req", {@code vararg} for ":vararg". */
    record Param(String name, String defaultText, boolean required, boolean vararg) {
    }

    MacroDef {
        params = List.copyOf(params);
        body = List.copyOf(body);
    }
}
