package org.lvdcheck.emulator.irq;

/**
 * A minimal local APIC (SDM Vol. 3A chapter 10): the task-priority register, the request (IRR)
 * and in-service (ISR) sets, EOI, a pending NMI, and the ICR through which software sends IPIs
 * and NMIs. CR8 is TPR[7:4] (10.8.6.1): a MOV to CR8 is {@code withTpr(cr8 << 4)}.
 *
 * @param nmiPending an NMI (an NMI IPI, 10.6.1 delivery mode 100B) was accepted and not yet taken
 */
public record Lapic(int apicId, int tpr, VectorSet irr, VectorSet isr, boolean nmiPending) {

    public static Lapic reset(int apicId) {
        return new Lapic(apicId, 0, VectorSet.EMPTY, VectorSet.EMPTY, false);
    }

    public Lapic withTpr(int v) {
        return new Lapic(apicId, v & 0xFF, irr, isr, nmiPending);
    }

    /** An NMI arrives (pending until the processor takes it), or the processor took it ({@code false}). */
    public Lapic withNmiPending(boolean pending) {
        return new Lapic(apicId, tpr, irr, isr, pending);
    }

    /**
     * Processor priority (10.8.3.1): TPR if TPR[7:4] &ge; ISRV[7:4], else ISRV[7:4]·16, where ISRV
     * is the highest in-service vector (0 if none).
     */
    public int ppr() {
        int isrv = Math.max(isr.highest(), 0);
        return (tpr >>> 4) >= (isrv >>> 4) ? tpr : isrv & 0xF0;
    }

    /** A fixed interrupt arrives: set its IRR bit (vectors 0..15 are illegal and ignored). */
    public Lapic request(int vector) {
        return vector < 16 ? this : new Lapic(apicId, tpr, irr.with(vector), isr, nmiPending);
    }

    /**
     * The vector the APIC presents to the processor: the highest IRR vector whose priority class
     * (bits 7:4) is above PPR[7:4], or -1 (10.8.3.1).
     */
    public int deliverable() {
        int v = irr.highest();
        return v >= 0 && (v >>> 4) > (ppr() >>> 4) ? v : -1;
    }

    /** The processor accepts {@code vector}: IRR to ISR (10.8.4). */
    public Lapic acknowledge(int vector) {
        return new Lapic(apicId, tpr, irr.without(vector), isr.with(vector), nmiPending);
    }

    /**
     * An interrupt source's own interrupt is requested and accepted in one step: {@code vector}
     * goes in service, and an IRR request of the same vector (an IPI) stays pending, to be taken
     * on its own later. Hardware may merge the two into one; keeping both is more behaviours,
     * never fewer, and keeps an arrival independent of another CPU's ICR write.
     */
    public Lapic accept(int vector) {
        return new Lapic(apicId, tpr, irr, isr.with(vector), nmiPending);
    }

    /** EOI clears the highest in-service vector (10.8.5). */
    public Lapic eoi() {
        int v = isr.highest();
        return v < 0 ? this : new Lapic(apicId, tpr, irr, isr.without(v), nmiPending);
    }

    /** Decodes a 64-bit x2APIC ICR write (MSR 830H): destination in bits 63:32. */
    public static IpiRequest decodeIcrX2apic(long icr) {
        return decode(icr, (int) (icr >>> 32));
    }

    /** Decodes an xAPIC ICR write (low dword at FEE00300H, high at FEE00310H): destination in bits 63:56. */
    public static IpiRequest decodeIcrXapic(int low, int high) {
        return decode(low & 0xFFFFFFFFL, (high >>> 24) & 0xFF);
    }

    private static IpiRequest decode(long icr, int destination) {
        int mode = (int) ((icr >>> 8) & 7);
        IpiRequest.DeliveryMode m = mode == 0 ? IpiRequest.DeliveryMode.FIXED
                : mode == 4 ? IpiRequest.DeliveryMode.NMI : IpiRequest.DeliveryMode.OTHER;
        IpiRequest.Shorthand s = IpiRequest.Shorthand.values()[(int) ((icr >>> 18) & 3)];
        return new IpiRequest(destination, (int) (icr & 0xFF), m, s, (icr & (1L << 11)) != 0);
    }
}
