package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.lvd.Patch;
import org.lvdcheck.spec.lvd.SpecLoader;

/** {@link VectorClasses}: the static comparison of two sources' gates and handler code. */
class VectorClassesTest {
    private static final String ENTRY = "asm/hardened/entry.s";
    private static final String ADD = "        addq $-0x80, (%rsp)             # vector to [-256, -1]";

    private static List<VectorClasses.Comparison> of(SpecLoader.Loaded loaded) throws Exception {
        LvdSystem system = Replay.system(loaded, true).machine().system();
        return VectorClasses.ofSources(system);
    }

    @Test
    void hardenedTimerAndNicShareGateAndCode() throws Exception {
        List<VectorClasses.Comparison> cs = of(SpecLoader.load("lvd-hardened"));
        assertEquals(1, cs.size(), "two sources, one pair");
        VectorClasses.Comparison c = cs.get(0);
        assertEquals("timer", c.a().name());
        assertEquals("nic", c.b().name());
        assertTrue(c.same(), c.why());
        // apic_timer_interrupt pushes ~0xef; device_interrupt pushes ~0x31 + 0x80 and common_interrupt adds -0x80.
        assertEquals(~0xefL, c.pushedA());
        assertEquals(~0x31L, c.pushedB());
        assertTrue(c.paired() >= 90, "the whole interrupt macro is walked: " + c.paired());
        assertTrue(c.why().contains("ret_from_intr") && c.why().contains("do_IRQ") && c.why().contains("sync_stacks"),
                c.why());
    }

    @Test
    void asBuiltTimerAndNicShareGateAndCode() throws Exception {
        VectorClasses.Comparison c = of(SpecLoader.load("lvd-as-built")).get(0);
        assertTrue(c.same(), c.why());
        assertEquals(~0xefL, c.pushedA());
        assertEquals(~0x31L, c.pushedB());
    }

    @Test
    void aTimerWithoutIstIsAnotherGate() throws Exception {
        VectorClasses.Comparison c = of(SpecLoader.load("fault-no-ist")).get(0);
        assertFalse(c.same());
        assertTrue(c.why().startsWith("the gates differ: timer interrupt, IST 0, DPL 0"), c.why());
        assertTrue(c.why().contains("lvd-hardened.lvd:204"), c.why());
    }

    @Test
    void oneMoreInstructionOnOnePathIsOtherCode() throws Exception {
        Patch p = Patch.replace(ENTRY, 187, ADD, ADD.replace("(%rsp)  ", "(%rsp); nop"));
        VectorClasses.Comparison c = of(SpecLoader.loadPatched("lvd-hardened", p, "nop")).get(0);
        assertFalse(c.same());
        // The timer's path is at the macro's first instruction (cld) where the device's has the NOP.
        assertTrue(c.why().startsWith("different instructions: "), c.why());
        assertTrue(c.why().endsWith("entry.s:187"), c.why());
    }

    @Test
    void aChangeInsideTheSharedMacroChangesBothPaths() throws Exception {
        // The macro body is expanded on both paths, so a change to it leaves them alike.
        Patch p = Patch.replace(ENTRY, 109, "        cld", "        cld; nop");
        VectorClasses.Comparison c = of(SpecLoader.loadPatched("lvd-hardened", p, "both")).get(0);
        assertTrue(c.same(), c.why());
    }

    @Test
    void aDifferentCalleeIsAnotherHandler() throws Exception {
        // The device's expansion calls sync_regs where the timer's calls do_IRQ: the two targets are a pair,
        // and a primitive has no instructions to compare.
        Patch p = Patch.replace(ENTRY, 188, "        interrupt do_IRQ", "        interrupt sync_regs");
        VectorClasses.Comparison c = of(SpecLoader.loadPatched("lvd-hardened", p, "callee")).get(0);
        assertFalse(c.same());
        assertEquals("one path reaches do_IRQ where the other reaches sync_regs", c.why());
    }

    @Test
    void aPathThatOnlyJumpsIsNotTheOthersCode() throws Exception {
        // The NIC's stub jumps to common_interrupt, which now jumps to itself: it never reaches the macro.
        Patch p = Patch.replace(ENTRY, 187, ADD, "1:      jmp 1b");
        VectorClasses.Comparison c = of(SpecLoader.loadPatched("lvd-hardened", p, "circle")).get(0);
        assertFalse(c.same());
        assertTrue(c.why().startsWith("one path jumps in a circle: ") && c.why().endsWith("entry.s:187"), c.why());
    }

    @Test
    void eachAddressOfTheTimersPathHasOnePartner() throws Exception {
        // The NIC's run stands where the timer's does, paired one to one: its address follows from the timer's.
        VectorClasses.Comparison c = of(SpecLoader.load("lvd-hardened")).get(0);
        java.util.Map<Long, Long> partner = new java.util.HashMap<>();
        for (List<Long> p : c.pairs()) {
            Long before = partner.put(p.get(0), p.get(1));
            assertTrue(before == null || before.equals(p.get(1)), "two partners of " + Long.toHexString(p.get(0)));
        }
        assertEquals(c.paired(), partner.size());
    }
}
