package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Inconclusive;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Verdict;

/**
 * Which instructions are interrupt-transparent ({@code check --coarse-interrupts}, docs/MODEL.md
 * "Coarse interrupt points"), and what the option does to an exploration of irq.lvd: fewer
 * states, the same violations, and no property reported as holding.
 */
class InterruptTransparencyTest {
    @ParameterizedTest
    @ValueSource(strings = {"movq $1, (%rsp)", "movq $2, 8(%rsp)", "movq (%rsp), %rax", "addq 8(%rsp), %rax",
        "movq %rax, %rbx", "xorl %ecx, %ecx", "cmpq $0, %rdx", "testl %eax, %eax", "leaq 8(%rbx), %rax", "nop",
        "jmp 0x40", "jne 0x40", "incq 16(%rsp)"})
    void registersAndTheStackAboveRspAreTransparent(String line) throws Exception {
        assertTrue(InterruptTransparency.transparentInstruction(EntryPointsTest.parse(line)), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "pushq %rax",                 // moves RSP: the frame and the entry's copy of pt_regs move with it
        "popq %rbx",
        "subq $16, %rsp",
        "movq %rax, %rsp",
        "leaq 8(%rsp), %rsp",
        "movq $0, -8(%rsp)",          // below RSP: the handler's frames go there
        "movq (%rbx), %rax",          // memory another CPU or the handler may write
        "movq %rax, 8(%rdi)",
        "movq %gs:8, %rax",           // per-CPU data: after a migration it is another CPU's
        "call 0x40",
        "ret",
        "cli",
        "sti",
        "popfq",
        "pushfq",
        "cld",
        "swapgs",
        "vmfunc",
        "iretq",
        "jmp *%rax",
        "movq %rax, %cr3"})
    void everythingElseIsNot(String line) throws Exception {
        assertFalse(InterruptTransparency.transparentInstruction(EntryPointsTest.parse(line)), line);
    }

    @Test
    void aStepThatReportsItsStackReadIsStillTransparent() throws Exception {
        var sys = org.lvdcheck.checker.trace.Replay.system(SmallSpecs.load("irq.lvd"), true, true);
        var m = sys.machine();
        var before = m.initial();
        var pi = new org.lvdcheck.spec.asm.PlacedInstruction(0x1000, new byte[] {0x48, (byte) 0x8B, 0x44, 0x24, 0x08},
                EntryPointsTest.parse("movq 8(%rsp), %rax"), null);
        var executed = new org.lvdcheck.emulator.machine.Event.Executed(0x1000, 0x1000, "kernel", pi);
        var accessed = new org.lvdcheck.emulator.machine.Event.Accessed(new long[] {0x2000L << 4 | 7 << 1}, false);
        var t = new InterruptTransparency(m, sys.checks().transitionCode());
        var a = new org.lvdcheck.emulator.machine.Action.Execute(0);
        assertTrue(t.transparent(before, a, new org.lvdcheck.emulator.machine.Step(before, List.of(executed))));
        assertTrue(t.transparent(before, a, new org.lvdcheck.emulator.machine.Step(before, List.of(executed, accessed))),
                "the access the executor reports for frame ownership");
        var fault = new org.lvdcheck.emulator.machine.Event.Stopped("a third event");
        assertFalse(t.transparent(before, a, new org.lvdcheck.emulator.machine.Step(before, List.of(executed, accessed, fault))));
    }

    @Test
    void coarseInterruptPointsExploreLessFindTheSameAndNeverHold() throws Exception {
        var spec = SmallSpecs.load("irq.lvd");
        // TAINT is left out as in ReductionAgreementTest's irq case: its violation cuts, which would
        // leave the others inconclusive in both searches.
        List<String> props = SmallSpecs.CHECKED.stream().filter(p -> !p.equals("TAINT")).toList();
        ExplorationResult fine = explore(spec, false, props);
        ExplorationResult coarse = explore(spec, true, props);
        assertTrue(coarse.stats().distinctStates() < fine.stats().distinctStates(),
                coarse.stats().distinctStates() + " vs " + fine.stats().distinctStates());
        for (Verdict v : fine.verdicts()) {
            Verdict c = coarse.verdicts().stream().filter(x -> x.property().equals(v.property())).findFirst().orElseThrow();
            assertEquals(v.status(), c.status(), v.property() + " before the coarse verdicts are marked");
        }
        assertTrue(fine.verdicts().stream().allMatch(v -> v.status() == Status.HOLDS), fine.verdicts().toString());
        ExplorationResult marked = coarse.withoutHolds(Inconclusive.COARSE_INTERRUPTS);
        assertTrue(marked.verdicts().stream().noneMatch(v -> v.status() == Status.HOLDS));
        assertTrue(marked.verdicts().stream().allMatch(v -> v.reason() == Inconclusive.COARSE_INTERRUPTS),
                marked.verdicts().toString());
    }

    private static ExplorationResult explore(org.lvdcheck.spec.lvd.SpecLoader.Loaded spec, boolean coarse,
            List<String> props) throws Exception {
        LvdTransitionSystem sys = org.lvdcheck.checker.trace.Replay.system(spec, true, coarse);
        assertEquals(coarse, sys.coarseInterrupts());
        Explorer<CheckState> e = new Explorer<>(sys, Explorer.Options.defaults().withReduction(true).withWorkers(1)
                .withProperties(props.toArray(String[]::new)));
        return e.run().withCutSensitive(p -> true);
    }
}
