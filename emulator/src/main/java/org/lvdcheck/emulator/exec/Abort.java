package org.lvdcheck.emulator.exec;

/**
 * Ends one instruction early with a fault or VM exit found deep in operand evaluation. Thrown
 * and caught only inside {@link Executor}; it never escapes to callers.
 */
final class Abort extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ExecOutcome outcome;

    Abort(ExecOutcome outcome) {
        super(null, null, false, false);
        this.outcome = outcome;
    }

    ExecOutcome outcome() {
        return outcome;
    }
}
