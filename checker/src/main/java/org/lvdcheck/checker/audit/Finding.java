package org.lvdcheck.checker.audit;

import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.SourcePos;

/**
 * One semantic change between two interfaces: which enforcement property it bears on
 * (CALL, DSAFE or DINTEG), how much it matters, a stable kind (e.g. {@code call-added}),
 * where it is (head file for an addition, base file for a removal) and what changed.
 */
public record Finding(PropertyId property, Severity severity, String kind, SourcePos pos, String message) {
    /** {@code file:line: SEVERITY PROPERTY: message}, the text report's line. */
    public String line() {
        return pos.file() + ":" + pos.line() + ": " + severity.name() + " " + property.name() + ": " + message;
    }
}
