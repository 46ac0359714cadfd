package org.lvdcheck.emulator.irq;

/**
 * An inter-processor interrupt requested by an ICR write (SDM Vol. 3A 10.6.1, Figure 10-12;
 * x2APIC 10.12.9): destination APIC ID (for {@link Shorthand#NONE}), vector, delivery mode and
 * destination shorthand.
 */
public record IpiRequest(int destination, int vector, DeliveryMode mode, Shorthand shorthand) {
    /** ICR bits 10:8; modes other than fixed and NMI are not modelled. */
    public enum DeliveryMode { FIXED, NMI, OTHER }

    /** ICR bits 19:18. */
    public enum Shorthand { NONE, SELF, ALL_INCLUDING_SELF, ALL_EXCLUDING_SELF }
}
