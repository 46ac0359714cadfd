package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.exec.Machine.STACK;
import static org.lvdcheck.emulator.exec.Machine.kernel;
import static org.lvdcheck.emulator.exec.Machine.run;
import static org.lvdcheck.emulator.exec.Machine.step;
import static org.lvdcheck.emulator.exec.Machine.user;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;

class FlagControlTest {
    private final FakeContext ctx = new FakeContext();

    @Test
    void cliAndStiAtCplZero() {
        ArchRegs r = step(kernel(), "cli", ctx);
        assertEquals(0, r.rflags() & Rflags.IF);
        r = step(r.withRip(Machine.CODE), "sti", ctx);
        assertTrue((r.rflags() & Rflags.IF) != 0);
    }

    @Test
    void cliAndStiAtCplThreeNeedIopl() {
        Machine.assertGp0(run(user(), "cli", ctx));
        Machine.assertGp0(run(user(), "sti", ctx));
        ArchRegs iopl3 = user().withRflags(Rflags.FIXED1 | Rflags.IOPL);
        assertEquals(0, step(iopl3, "cli", ctx).rflags() & Rflags.IF);
    }

    @Test
    void stiOpensAShadowOnlyWhenIfWasClearAndItLastsOneInstruction() {
        ArchRegs off = kernel().withRflags(Rflags.FIXED1);
        ArchRegs r = step(off, "sti", ctx);
        assertTrue(r.blockingBySti(), "interrupts stay blocked for one more instruction");
        r = step(r, "nop", ctx);
        assertFalse(r.blockingBySti(), "the shadow ends after the next instruction");
        assertFalse(step(kernel(), "sti", ctx).blockingBySti(), "IF already 1: no shadow");
        ArchRegs twice = step(step(off, "sti", ctx), "sti", ctx);
        assertFalse(twice.blockingBySti(), "a second STI (IF now 1) does not extend the shadow");
    }

    @Test
    void movSsShadowAlsoEndsAfterOneInstruction() {
        assertFalse(step(kernel().withBlockingByMovSs(true), "nop", ctx).blockingByMovSs());
    }

    @Test
    void directionAndAlignmentFlags() {
        ArchRegs r = step(kernel(), "std", ctx);
        assertTrue((r.rflags() & Rflags.DF) != 0);
        assertEquals(0, step(r, "cld", ctx).rflags() & Rflags.DF);
        r = step(kernel(), "stac", ctx);
        assertTrue((r.rflags() & Rflags.AC) != 0);
        assertEquals(0, step(r, "clac", ctx).rflags() & Rflags.AC);
        Machine.assertUd(run(user(), "stac", ctx));
        Machine.assertUd(run(user(), "clac", ctx));
    }

    @Test
    void pushfClearsRfAndVm() {
        ArchRegs r = kernel().withRflags(Rflags.FIXED1 | Rflags.IF | Rflags.RF | Rflags.CF);
        r = step(r, "pushfq", ctx);
        assertEquals(Rflags.FIXED1 | Rflags.IF | Rflags.CF, ctx.peek(STACK - 8, 8));
        assertEquals(STACK - 8, r.rsp());
        assertEquals(0, r.rflags() & Rflags.RF, "RF clears as the instruction completes");
    }

    @Test
    void popfAtCplZeroChangesIfAndIoplButNotReservedBitsOrRf() {
        ctx.poke(STACK, 8, 0xFFFF_FFFF_FFFF_FFFFL);
        ArchRegs r = step(kernel().withRflags(Rflags.FIXED1), "popfq", ctx);
        long settable = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.TF | Rflags.IF
                | Rflags.DF | Rflags.OF | Rflags.IOPL | Rflags.NT | Rflags.AC | Rflags.ID;
        assertEquals(settable | Rflags.FIXED1, r.rflags());
        ctx.poke(STACK, 8, 0);
        r = step(kernel(), "popfq", ctx);
        assertEquals(Rflags.FIXED1, r.rflags(), "bit 1 always reads 1");
        assertEquals(STACK + 8, r.rsp());
    }

    @Test
    void popfAtCplThreeKeepsIfAndIopl() {
        ctx.poke(STACK, 8, Rflags.IOPL | Rflags.CF);
        ArchRegs r = step(user().withRflags(Rflags.FIXED1 | Rflags.IF), "popfq", ctx);
        assertEquals(Rflags.FIXED1 | Rflags.IF | Rflags.CF, r.rflags(), "IF kept (CPL > IOPL), IOPL kept");
        ctx.poke(STACK, 8, Rflags.CF);
        r = step(user().withRflags(Rflags.FIXED1 | Rflags.IF | Rflags.IOPL), "popfq", ctx);
        assertEquals(Rflags.FIXED1 | Rflags.IOPL | Rflags.CF, r.rflags(), "IF may change when CPL <= IOPL");
    }

    @Test
    void sixteenBitPopfChangesOnlyTheLowHalf() {
        ctx.poke(STACK, 2, 0xFFFF);
        // popfw (66 9D): built by hand, the assembler spells only the 64-bit form
        PlacedInstruction popfw = new PlacedInstruction(Machine.CODE, new byte[] {0x66, (byte) 0x9D},
                new Instruction(Mnemonic.POPF, null, 2, List.of(), false, null), null);
        ExecOutcome o = Executor.execute(kernel().withRflags(Rflags.FIXED1 | Rflags.AC), popfw, ctx);
        ArchRegs r = assertInstanceOf(ExecOutcome.Next.class, o).regs();
        assertEquals(STACK + 2, r.rsp());
        assertTrue((r.rflags() & Rflags.AC) != 0, "AC (bit 18) untouched");
        assertTrue((r.rflags() & Rflags.NT) != 0);
    }
}
