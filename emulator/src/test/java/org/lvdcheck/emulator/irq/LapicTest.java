package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LapicTest {
    @Test
    void priorityClassAgainstTprAndInService() {
        Lapic l = Lapic.reset(1).request(0x31).request(0x52);
        assertEquals(0x52, l.deliverable());
        Lapic tpr = l.withTpr(0x50);
        assertEquals(-1, tpr.deliverable(), "class 5 is not above TPR class 5");
        assertEquals(0x52, l.withTpr(0x4F).deliverable());
        Lapic inService = l.acknowledge(0x52);
        assertEquals(0x50, inService.ppr(), "PPR follows the in-service class");
        assertEquals(-1, inService.request(0x55).deliverable(), "same class as in service waits");
        assertEquals(0x61, inService.request(0x61).deliverable());
        Lapic done = inService.eoi();
        assertEquals(0x31, done.deliverable());
        assertTrue(done.isr().isEmpty());
        assertEquals(l, Lapic.reset(1).request(0x52).request(0x31), "a value");
    }

    @Test
    void illegalVectorsAreIgnored() {
        assertEquals(-1, Lapic.reset(0).request(3).deliverable());
    }

    @Test
    void icrDecoding() {
        IpiRequest nmi = Lapic.decodeIcrX2apic((5L << 32) | (4 << 8) | 2);
        assertEquals(5, nmi.destination());
        assertEquals(IpiRequest.DeliveryMode.NMI, nmi.mode());
        IpiRequest fixed = Lapic.decodeIcrXapic(0xF3 | (3 << 18), 7 << 24);
        assertEquals(IpiRequest.DeliveryMode.FIXED, fixed.mode());
        assertEquals(0xF3, fixed.vector());
        assertEquals(IpiRequest.Shorthand.ALL_EXCLUDING_SELF, fixed.shorthand());
        assertEquals(7, fixed.destination());
        assertEquals(IpiRequest.DeliveryMode.OTHER, Lapic.decodeIcrX2apic(5 << 8).mode());
    }

    @Test
    void vectorSetHighest() {
        VectorSet s = VectorSet.EMPTY.with(3).with(200).with(64);
        assertEquals(200, s.highest());
        assertEquals(64, s.without(200).highest());
        assertEquals(-1, VectorSet.EMPTY.highest());
        assertTrue(s.contains(3));
    }
}
