package org.lvdcheck.properties.mapping;

import org.lvdcheck.emulator.ept.EptEntry;

/**
 * A run of guest-physical pages that one EPT maps to a run of host-physical pages with the same
 * effective rights (the AND of R/W/X over every entry walked, SDM Vol. 3C 28.2.2) and the same
 * leaf memory type: {@code [gpa, gpa + size) → [hpa, hpa + size)}.
 */
public record EptRange(long gpa, long hpa, long size, int rwx, int memoryType) {

    /** One past the last guest-physical byte (GPAs are below 2^48, so this never wraps). */
    public long gpaEnd() {
        return gpa + size;
    }

    public boolean containsGpa(long a) {
        return a >= gpa && a < gpa + size;
    }

    /** The host-physical address of {@code a}, which must lie in the range. */
    public long hpaOf(long a) {
        return hpa + (a - gpa);
    }

    public boolean writable() {
        return (rwx & EptEntry.W) != 0;
    }

    @Override
    public String toString() {
        return "GPA " + Hex.of(gpa) + "+" + Hex.of(size) + " -> HPA " + Hex.of(hpa) + " " + EptEntry.rightsString(rwx);
    }
}
