package org.lvdcheck.checker.explore;

import java.util.Objects;

/**
 * A property a step or state breaks (DESIGN.md §4), with the evidence a report shows.
 *
 * @param property the property's name as the explorer's options list it, e.g. {@code INV2}
 * @param evidence what broke, in words
 */
public record Violation(String property, String evidence) {
    public Violation {
        Objects.requireNonNull(property, "property");
        Objects.requireNonNull(evidence, "evidence");
    }
}
