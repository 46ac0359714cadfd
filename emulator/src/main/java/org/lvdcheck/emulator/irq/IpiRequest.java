package org.lvdcheck.emulator.irq;

/**
 * An inter-processor interrupt requested by an ICR write (SDM Vol. 3A 10.6.1, Figure 10-12;
 * x2APIC 10.12.9): destination APIC ID (for {@link Shorthand#NONE}), vector, delivery mode,
 * destination shorthand and destination mode (bit 11: 0 physical, 1 logical).
 */
public record IpiRequest(int destination, int vector, DeliveryMode mode, Shorthand shorthand, boolean logical) {
    /** ICR bits 10:8; modes other than fixed and NMI are not modelled. */
    public enum DeliveryMode { FIXED, NMI, OTHER }

    /** ICR bits 19:18. */
    public enum Shorthand { NONE, SELF, ALL_INCLUDING_SELF, ALL_EXCLUDING_SELF }

    /** The x2APIC physical destination that addresses every APIC (10.12.9: broadcast). */
    public static final int X2APIC_BROADCAST = 0xFFFF_FFFF;

    /** The request in a trace's words, e.g. {@code NMI to APIC 1} or {@code fixed vector 0x31 to all excluding self}. */
    public String describe() {
        String what = switch (mode) {
            case FIXED -> "fixed vector 0x" + Integer.toHexString(vector);
            case NMI -> "NMI";
            case OTHER -> "a delivery mode other than fixed and NMI";
        };
        String to = switch (shorthand) {
            case NONE -> (logical ? "logical destination 0x" + Integer.toHexString(destination)
                    : destination == X2APIC_BROADCAST ? "all (broadcast)" : "APIC " + Integer.toUnsignedString(destination));
            case SELF -> "self";
            case ALL_INCLUDING_SELF -> "all including self";
            case ALL_EXCLUDING_SELF -> "all excluding self";
        };
        return what + " to " + to;
    }
}
