package org.lvdcheck.checker.cli;

/**
 * Exit codes of every subcommand (DESIGN.md §8). When several apply the most severe
 * wins: 2 (bad input) over 1 (violated) over 3 (inconclusive) over 0 (holds).
 */
public enum ExitCode {
    HOLDS(0), VIOLATED(1), BAD_INPUT(2), INCONCLUSIVE(3);

    public final int code;

    ExitCode(int code) {
        this.code = code;
    }

    private int severity() {
        return switch (this) {
            case BAD_INPUT -> 3;
            case VIOLATED -> 2;
            case INCONCLUSIVE -> 1;
            case HOLDS -> 0;
        };
    }

    /** The combined code of two results: the more severe one. */
    public ExitCode and(ExitCode other) {
        return other.severity() > severity() ? other : this;
    }
}
