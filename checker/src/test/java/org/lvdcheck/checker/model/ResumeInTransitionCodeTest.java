package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.DriverMove;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * On lvd-hardened: t0 reaches net's driver, the driver sets AC, DF and TF and jumps into the entry
 * text with IF = 1, a
 * device interrupt arrives there (every register the driver's): its handler is marked as resuming
 * in transition code, runs, and its IRETQ leaves CPU 0 with exactly the driver's jumps with IF = 1
 * into transition code to choose from, each resuming with the frame's control flags
 * (docs/MODEL.md, "Resuming in transition code").
 */
class ResumeInTransitionCodeTest {
    private static final long ENTRY = 0xffffffff81000010L;
    private static final int NIC = 0x31;

    @Test
    void theIretqOfAnInterruptInTheDriversTransitionCodeResumesAtAJumpTargetOfItsChoice() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        var m = sys.machine();
        CheckState s = sys.initialState();
        for (int i = 0; i < 400 && !m.inDriverCode(s.machine(), 0); i++) {
            s = take(sys, s, "execute");
        }
        assertTrue(m.inDriverCode(s.machine(), 0), "t0 reached net's code");
        s = take(sys, s, "driver: popf IF=1 AC=1 DF=1 TF=1");
        s = take(sys, s, "driver: jump to 0x" + Long.toHexString(ENTRY) + " with IF=1");
        int handlers = s.crossing().handlers(0).length;
        s = take(sys, s, "interrupt 0x" + Integer.toHexString(NIC));
        assertEquals(handlers + 1, s.crossing().handlers(0).length);
        assertTrue(s.crossing().topHandler(0).resumesInTransitionCode());
        assertTrue(s.crossing().topHandler(0).ripTop(), "the frame saved RIP ⊤");

        CheckState beforeIret = s;
        for (int i = 0; i < 600 && s.crossing().handlers(0).length > handlers; i++) {
            assertFalse(s.resumesInTransitionCode(0));
            beforeIret = s;
            s = takeFirst(sys, s);
        }
        // The same IRETQ after a handler that left a kernel value in R12: IRQ names it.
        var cpu = beforeIret.machine().cpu(0);
        CheckState leaky = beforeIret.withMachine(beforeIret.machine().withCpu(0, cpu.withRegs(cpu.regs()
                .withGpr(org.lvdcheck.emulator.cpu.ArchRegs.R12, 0xffff888003100800L)
                .withTaint(org.lvdcheck.emulator.cpu.ArchRegs.tGpr(org.lvdcheck.emulator.cpu.ArchRegs.R12), false))));
        LvdTransitionSystem.Choice iret = sys.choices(leaky).stream().filter(c -> c.action().cpu() == 0
                && c.action() instanceof Action.Execute).findFirst().orElseThrow();
        List<org.lvdcheck.checker.explore.Violation> bad = sys.take(leaky, iret).violations();
        assertTrue(bad.stream().anyMatch(v -> v.property().equals("IRQ") && v.evidence().contains("R12")), bad.toString());
        assertEquals(handlers, s.crossing().handlers(0).length, "the handler returned");
        assertTrue(s.resumesInTransitionCode(0), "the IRETQ popped RIP ⊤");
        List<LvdTransitionSystem.Choice> mine = sys.choices(s).stream().filter(c -> c.action().cpu() == 0).toList();
        assertFalse(mine.isEmpty());
        for (LvdTransitionSystem.Choice c : mine) {
            assertTrue(c.action() instanceof Action.Driver d && d.move() instanceof DriverMove.Jump j && j.interruptsEnabled()
                    && m.transitionTarget(1, 0, j.target()), c.label());
        }
        assertTrue(mine.stream().anyMatch(c -> c.label().equals("driver: jump to 0x" + Long.toHexString(ENTRY) + " with IF=1")),
                "where the interrupt arrived is among them");
        // The handler restored every GPR it interrupted (the driver's): its IRETQ broke nothing. Had it
        // left a kernel value in one, IRQ would name it (CrossingChecks compares them).
        var restored = s.machine().cpu(0).regs();
        assertTrue(java.util.stream.IntStream.range(0, 16).filter(n -> n != org.lvdcheck.emulator.cpu.ArchRegs.RSP)
                .allMatch(restored::gprTainted));
        CheckState after = take(sys, s, "driver: jump to 0x" + Long.toHexString(ENTRY) + " with IF=1");
        assertFalse(after.resumesInTransitionCode(0), "the jump ends the resumption");
        long flags = after.machine().cpu(0).regs().rflags();
        long mask = Rflags.AC | Rflags.DF | Rflags.TF | Rflags.IF;
        assertEquals(mask, flags & mask, "the frame's control flags, not the handler's (its cld left DF 0): 0x"
                + Long.toHexString(flags));
        assertEquals(ENTRY, after.machine().cpu(0).regs().rip());
    }

    private static CheckState take(LvdTransitionSystem sys, CheckState s, String label) {
        for (LvdTransitionSystem.Choice c : sys.choices(s)) {
            if (c.action().cpu() == 0 && c.label().equals(label)) {
                LvdTransitionSystem.Taken t = sys.take(s, c);
                assertEquals(List.of(), t.violations(), label);
                return t.target();
            }
        }
        throw new AssertionError("no '" + label + "' for cpu0 among " + sys.choices(s).stream()
                .filter(c -> c.action().cpu() == 0).map(LvdTransitionSystem.Choice::label).limit(20).toList());
    }

    /** CPU 0's first choice that is its instruction (a branch on ⊤ flags: not taken). */
    private static CheckState takeFirst(LvdTransitionSystem sys, CheckState s) {
        for (LvdTransitionSystem.Choice c : sys.choices(s)) {
            if (c.action().cpu() == 0 && (c.action() instanceof Action.Execute || c.action() instanceof Action.Branch b
                    && !b.taken())) {
                LvdTransitionSystem.Taken t = sys.take(s, c);
                assertEquals(List.of(), t.violations(), c.label());
                return t.target();
            }
        }
        throw new AssertionError("cpu0 has no instruction to run among " + sys.choices(s).stream()
                .filter(c -> c.action().cpu() == 0).map(LvdTransitionSystem.Choice::label).limit(20).toList());
    }
}
