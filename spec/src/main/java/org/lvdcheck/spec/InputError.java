package org.lvdcheck.spec;

/**
 * A mistake in a user's input (spec, assembly, IDL, trace). Always carries where it is;
 * the CLI prints {@code file:line:column: error: message} and exits 2, never a stack trace.
 */
public final class InputError extends Exception {
    private final SourcePos pos;
    private final String detail;

    public InputError(SourcePos pos, String detail) {
        super(pos + ": error: " + detail, null, false, false);
        this.pos = pos;
        this.detail = detail;
    }

    public SourcePos pos() {
        return pos;
    }

    /** The message without the location prefix. */
    public String detail() {
        return detail;
    }
}
