package org.lvdcheck.checker.audit;

/** How much a finding matters: an ERROR fails the audit (exit 1), the others are reported. */
public enum Severity {
    ERROR, WARNING, NOTE;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
