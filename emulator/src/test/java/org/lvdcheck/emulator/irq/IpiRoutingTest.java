package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** x2APIC ICR values (SDM Vol. 3A 10.12.9) decoded and routed: destination, shorthand, what the destination holds. */
class IpiRoutingTest {
    private static final List<Lapic> THREE = List.of(Lapic.reset(0), Lapic.reset(1), Lapic.reset(2));

    private static List<Integer> to(long icr, int sender) {
        IpiRequest r = Lapic.decodeIcrX2apic(icr);
        assertNull(IpiRouting.ignored(r), r.describe());
        return IpiRouting.destinations(r, sender, THREE);
    }

    @Test
    void physicalDestinationAndEachShorthand() {
        assertEquals(List.of(2), to(2L << 32 | 0x31, 0), "APIC ID 2");
        assertEquals(List.of(), to(7L << 32 | 0x31, 0), "no APIC has ID 7");
        assertEquals(List.of(1), to(1L << 18 | 0x31, 1), "self");
        assertEquals(List.of(0, 1, 2), to(2L << 18 | 0x31, 1), "all including self");
        assertEquals(List.of(0, 2), to(3L << 18 | 0x31, 1), "all excluding self");
        assertEquals(List.of(0, 1, 2), to(0xFFFF_FFFFL << 32 | 0x31, 1), "x2APIC broadcast ID");
        assertEquals(List.of(0), to(2L << 32 | 1L << 18 | 0x31, 0), "a shorthand ignores the destination field");
    }

    @Test
    void fixedSetsTheIrrAndNmiMakesAnNmiPending() {
        Lapic l = Lapic.reset(1);
        Lapic fixed = IpiRouting.accept(Lapic.decodeIcrX2apic(1L << 32 | 0x31), l);
        assertTrue(fixed.irr().contains(0x31));
        assertEquals(0x31, fixed.deliverable());
        assertFalse(fixed.nmiPending());
        Lapic nmi = IpiRouting.accept(Lapic.decodeIcrX2apic(1L << 32 | 4 << 8 | 2), l);
        assertTrue(nmi.nmiPending());
        assertTrue(nmi.irr().isEmpty(), "an NMI is not an IRR vector");
        assertEquals(nmi, nmi.withNmiPending(true), "NMIs do not count: one pending bit");
        assertFalse(nmi.equals(l), "the pending NMI is part of the LAPIC's value");
    }

    @Test
    void whatTheModelDoesNotDeliverIsSaidAndIgnored() {
        assertNotNull(IpiRouting.ignored(Lapic.decodeIcrX2apic(1L << 32 | 5 << 8)), "INIT");
        assertNotNull(IpiRouting.ignored(Lapic.decodeIcrX2apic(1L << 32 | 1 << 8 | 0x31)), "lowest priority");
        assertNotNull(IpiRouting.ignored(Lapic.decodeIcrX2apic(1L << 32 | 1 << 11 | 0x31)), "logical destination");
        assertNotNull(IpiRouting.ignored(Lapic.decodeIcrX2apic(1L << 32 | 14)), "fixed vector 14 is illegal");
        assertNull(IpiRouting.ignored(Lapic.decodeIcrX2apic(1L << 32 | 4 << 8 | 2)), "an NMI ignores the vector field");
    }
}
