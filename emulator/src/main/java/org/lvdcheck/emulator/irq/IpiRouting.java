package org.lvdcheck.emulator.irq;

import java.util.ArrayList;
import java.util.List;

/**
 * Where an IPI requested through the ICR goes and what it does there (SDM Vol. 3A 10.6.1 ICR
 * fields; 10.12.9 x2APIC ICR, whose physical destination FFFF_FFFFH is a broadcast). Fixed
 * delivery sets the vector in the destination's IRR; NMI delivery makes an NMI pending there.
 * Not modelled, and so ignored (the caller says so in the trace): delivery modes other than
 * fixed and NMI (SMI, INIT, start-up, lowest priority) and logical destinations. A fixed vector
 * 0–15 is illegal: the APIC drops it (10.5.3, "send illegal vector").
 */
public final class IpiRouting {
    private IpiRouting() {
    }

    /** Why {@code r} delivers nothing anywhere, or null when it is delivered. */
    public static String ignored(IpiRequest r) {
        if (r.mode() == IpiRequest.DeliveryMode.OTHER) {
            return "delivery modes other than fixed and NMI are not modelled: ignored";
        }
        if (r.shorthand() == IpiRequest.Shorthand.NONE && r.logical()) {
            return "logical destination mode is not modelled: ignored";
        }
        if (r.mode() == IpiRequest.DeliveryMode.FIXED && r.vector() < 16) {
            return "vector " + r.vector() + " is illegal for fixed delivery: the APIC drops it";
        }
        return null;
    }

    /** The CPUs (indices into {@code lapics}, ascending) that {@code sender}'s request reaches. */
    public static List<Integer> destinations(IpiRequest r, int sender, List<Lapic> lapics) {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < lapics.size(); c++) {
            boolean to = switch (r.shorthand()) {
                case SELF -> c == sender;
                case ALL_INCLUDING_SELF -> true;
                case ALL_EXCLUDING_SELF -> c != sender;
                case NONE -> r.destination() == IpiRequest.X2APIC_BROADCAST || lapics.get(c).apicId() == r.destination();
            };
            if (to) {
                out.add(c);
            }
        }
        return out;
    }

    /** The destination's LAPIC once it accepted {@code r} (not {@link #ignored}). */
    public static Lapic accept(IpiRequest r, Lapic l) {
        return r.mode() == IpiRequest.DeliveryMode.NMI ? l.withNmiPending(true) : l.request(r.vector());
    }
}
