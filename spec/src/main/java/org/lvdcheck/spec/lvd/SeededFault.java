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
 *               ({@code --stop-at-first --max-depth 100 --time-limit 0})
 * @param caught the properties that run reports, space-separated in the order it prints them, or
 *               {@code none} when it reports no violation; when {@code breaks} is among them its
 *               trace is the committed one; the tests hold the catalogue to it
 * @param onBase the properties the same run reports on the base spec, or {@code none}: a
 *               violation the base spec has of its own, which the run may reach as well
 * @param says   one sentence: what the change does and which gap of docs/HARDENING.md it reopens
 * @param pos    where the entry starts in the catalogue
 */
public record SeededFault(String name, String base, Patch patch, String breaks, String check, String caught,
                          String onBase, String says, SourcePos pos) {
    /** The value of {@code caught} for a fault no check reports yet. */
    public static final String NONE = "none";

    public boolean isCaught() {
        return !caught.equals(NONE);
    }

    /** The properties of {@link #caught()}, in order; empty for {@code none}. */
    public java.util.List<String> caughtProperties() {
        return isCaught() ? java.util.List.of(caught.strip().split("\\s+")) : java.util.List.of();
    }

    /** Whether the run reports the property the change is designed to break. */
    public boolean caughtAsDesigned() {
        return caughtProperties().contains(breaks);
    }

    /** The property whose trace is committed: {@link #breaks()} when the run reports it, else the first of {@link #caught()}. */
    public String primary() {
        return caughtAsDesigned() ? breaks : caughtProperties().get(0);
    }

    /** The properties of {@link #onBase()}, in order; empty for {@code none}. */
    public java.util.List<String> onBaseProperties() {
        return onBase.equals(NONE) ? java.util.List.of() : java.util.List.of(onBase.strip().split("\\s+"));
    }

    /** {@link #check()} as command-line words. */
    public java.util.List<String> checkOptions() {
        return java.util.List.of(check.strip().split("\\s+"));
    }
}
