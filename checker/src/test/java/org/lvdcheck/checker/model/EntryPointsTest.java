package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.asm.AsmParser;
import org.lvdcheck.spec.asm.Assembler;
import org.lvdcheck.spec.asm.IncludeResolver;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;

/**
 * ENTRY over states of the built-in systems: where each domain's VMFUNC lands in the other views
 * of its CPU's EPTP list. As built every page a driver executes it can also write, so every byte
 * is a VMFUNC site, and the kernel view executes or faults where those land; hardened, the VMFUNCs
 * of the code a domain executes land on declared checks of ECX or in pages the other view does
 * not execute. A VMFUNC written in front of another instruction is found, once.
 */
class EntryPointsTest {
    static List<Violation> entry(List<Violation> l) {
        return l.stream().filter(v -> v.property().equals("ENTRY")).toList();
    }

    @Test
    void asBuiltEveryDriverPageIsASiteAndItsLandingsFaultOrExecuteKernelCode() throws Exception {
        CrossingChecksTest.Rig r = CrossingChecksTest.Rig.of("lvd-as-built");
        List<Violation> l = entry(r.checks().initial(r.machine().initial()));
        assertFalse(l.isEmpty());
        assertTrue(l.stream().anyMatch(v -> v.evidence().startsWith("domain net can execute VMFUNC at any of the 65536 bytes "
                + "0xffffffffa0000000..0xffffffffa000ffff and switch to view kernel")
                && v.evidence().contains("a guest #PF")), "the module's addresses are not mapped in the kernel's tables");
        assertTrue(l.stream().anyMatch(v -> v.evidence().contains("switch to view blk")
                && v.evidence().contains("`pushq %rbx  [null-block.s:")), "net lands in blk's code");
        assertTrue(l.stream().anyMatch(v -> v.evidence().contains("`cmpl $lcd_ept_id, %ecx  [gate.s:32]`, executable there: "
                + "in a frame a domain can write")), "a check a domain can rewrite declares nothing");
    }

    @Test
    void hardenedEveryLandingIsADeclaredCheckOrAnEptViolation() throws Exception {
        CrossingChecksTest.Rig r = CrossingChecksTest.Rig.of("lvd-hardened");
        assertEquals(List.of(), entry(r.checks().initial(r.machine().initial())));
    }

    /**
     * A compare nothing acts on checks nothing: the seeded fault that deletes the {@code jne} after
     * the trampoline's {@code cmpl $lcd_ept_id, %ecx} (every view links that page) leaves each
     * view's copy a bad landing for the other domains' VMFUNC at the page's first byte, at the
     * initial state.
     */
    @Test
    void aCompareNoBranchActsOnIsNotADeclaredLanding() throws Exception {
        CrossingChecksTest.Rig r = CrossingChecksTest.Rig.of("fault-no-ecx-check");
        List<Violation> l = entry(r.checks().initial(r.machine().initial()));
        assertEquals(4, l.size(), "net and blk, each into the two other views: " + l);
        for (Violation v : l) {
            assertTrue(v.evidence().contains("VMFUNC at 0xffffffff81004000 (`vmfunc  [gate.s:31]`) and switch to view ")
                    && v.evidence().endsWith("is `cmpl $lcd_ept_id, %ecx  [gate.s:32]`, executable there: a compare of ECX "
                    + "with an immediate that no je or jne acts on"), v.evidence());
        }
    }

    /** The bytes of {@code vmfunc} written in front of the hardened entry text's first TEST instruction. */
    static MachineState vmfuncBefore(CrossingChecksTest.Rig r, MachineState s) {
        var test = r.insn("kernel", pi -> pi.insn().mnemonic() == Mnemonic.TEST && pi.pos().file().endsWith("entry.s"));
        PhysMem.Editor e = s.mem().edit();
        long at = test.getKey() - 3;
        e.write(at, 1, 0x0F);
        e.write(at + 1, 1, 0x01);
        e.write(at + 2, 1, 0xD4);
        return s.withMem(e.freeze());
    }

    @Test
    void aVmfuncInFrontOfAnotherInstructionIsABadLandingReportedOnceByTheStepThatWroteIt() throws Exception {
        CrossingChecksTest.Rig r = CrossingChecksTest.Rig.of("lvd-hardened");
        MachineState s0 = r.machine().initial();
        MachineState s1 = vmfuncBefore(r, s0);
        Action a = new Action.Execute(0);
        List<Violation> l = entry(r.checks().step(s0, new int[2], a, new Step(s1, List.of())));
        assertEquals(4, l.size(), "net and blk, each into the two other views: " + l);
        assertTrue(l.get(0).evidence().contains("(the bytes 0f 01 d4 inside other code)"), l.get(0).evidence());
        assertTrue(l.get(0).evidence().contains("is `testl $1, %eax  [entry.s:"), l.get(0).evidence());
        assertTrue(l.get(0).evidence().endsWith("executable there: transition code that does not first compare ECX with an "
                + "immediate"), l.get(0).evidence());
        assertEquals(List.of(), entry(r.checks().step(s1, new int[2], a, new Step(s1, List.of()))), "nothing new");
        assertEquals(4, entry(r.checks().initial(s1)).size());
    }

    static Instruction parse(String line) throws Exception {
        var unit = AsmParser.parse("t.s", line + "\n", IncludeResolver.none());
        return Assembler.link(List.of(unit), java.util.Map.of(".text", 0L), java.util.Map.of()).instructions().get(0).insn();
    }

    @Test
    void aDeclaredLandingComparesEcxWithAnImmediate() throws Exception {
        assertTrue(EntryPoints.checksEcx(parse("cmpl $1, %ecx")));
        assertTrue(EntryPoints.checksEcx(parse("cmpq $0, %rcx")));
        assertFalse(EntryPoints.checksEcx(parse("cmpl %ebx, %ecx")), "a register the domain chose");
        assertFalse(EntryPoints.checksEcx(parse("cmpl $1, %eax")));
        assertFalse(EntryPoints.checksEcx(parse("testl %ecx, %ecx")));
    }
}
