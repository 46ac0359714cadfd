package org.lvdcheck.emulator.irq;

/**
 * What a fault met while delivering an event turns into (SDM Vol. 3A 6.15, Interrupt 8, Tables
 * 6-4 and 6-5). A first event that is not a hardware exception (external interrupt, NMI,
 * software interrupt) is benign.
 */
public final class DoubleFaultRules {
    private DoubleFaultRules() {
    }

    /** Marker for "the processor shuts down": a triple fault. */
    public static final int TRIPLE_FAULT = -1;

    /**
     * The vector to deliver next when delivering {@code first} (of {@code firstKind}) raises
     * {@code second}: {@code second} itself (handled serially), {@link Vectors#DF}, or
     * {@link #TRIPLE_FAULT} when delivering a #DF faults.
     */
    public static int combine(int first, EventKind firstKind, int second) {
        if (firstKind != EventKind.EXCEPTION) {
            return second;
        }
        if (first == Vectors.DF) {
            return TRIPLE_FAULT;
        }
        boolean secondSerious = Vectors.contributory(second) || second == Vectors.PF;
        if (Vectors.contributory(first)) {
            return Vectors.contributory(second) ? Vectors.DF : second;
        }
        if (first == Vectors.PF) {
            return secondSerious ? Vectors.DF : second;
        }
        return second;
    }
}
