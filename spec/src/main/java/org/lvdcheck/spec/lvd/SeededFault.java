package org.lvdcheck.spec.lvd;

import org.lvdcheck.spec.SourcePos;

/**
 * A shipped faulty spec: a built-in spec with one line changed (docs/SEEDED-FAULTS.md). Its
 * name is a built-in spec name ({@code lvdcheck check --spec NAME}).
 *
 * @param name   the faulty spec's name
 * @param base   the built-in spec it changes ({@code lvd-hardened})
 * @param patch  the one-line change
 * @param breaks the property the change is designed to break (DESIGN.md §4 id)
 * @param check  the options of the {@code lvdcheck check} run that decides {@code caught}
 *               ({@code --stop-at-first --max-depth 95 --time-limit 0}); the same run on the
 *               base spec reports no violation
 * @param caught the properties that run reports (space-separated, the one whose trace is committed
 *               first), or {@code none} when it reports no violation (the property the fault
 *               breaks may have no check in this version, or its violation may lie beyond the
 *               bound); the tests hold the catalogue to it
 * @param says   one sentence: what the change does and which gap of docs/HARDENING.md it reopens
 * @param pos    where the entry starts in the catalogue
 */
public record SeededFault(String name, String base, Patch patch, String breaks, String check, String caught, String says,
                          SourcePos pos) {
    /** The value of {@code caught} for a fault no check reports yet. */
    public static final String NONE = "none";

    public boolean isCaught() {
        return !caught.equals(NONE);
    }

    /** The properties of {@link #caught()}, in order; empty for {@code none}. */
    public java.util.List<String> caughtProperties() {
        return isCaught() ? java.util.List.of(caught.strip().split("\\s+")) : java.util.List.of();
    }

    /** The property whose trace is committed: the first of {@link #caught()}. */
    public String primary() {
        return caughtProperties().get(0);
    }

    /** {@link #check()} as command-line words. */
    public java.util.List<String> checkOptions() {
        return java.util.List.of(check.strip().split("\\s+"));
    }
}
