package org.lvdcheck.checker.cli;

/** A usage mistake not tied to a file position (bad flag combination, missing file): exit 2. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message, null, false, false);
    }
}
