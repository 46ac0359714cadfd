package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.asm.Decoder;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.TargetOp;

/**
 * A compromised driver may jump anywhere, so the executor meets whatever the decoder finds in
 * arbitrary bytes. Seeded random bytes, decoded and executed with random registers under two
 * VMCSs: the executor must always return an outcome (never throw), a fault must leave RIP at the
 * instruction, and a completed non-branch must leave RIP at the next instruction.
 */
class DecodedExecutionFuzzTest {
    private static final Set<Mnemonic> BRANCHES = EnumSet.of(Mnemonic.JMP, Mnemonic.JCC, Mnemonic.CALL,
            Mnemonic.RET, Mnemonic.IRETQ);

    /** An EPTP list whose slots 0 and 1 hold valid EPTPs, so that VMFUNC can switch. */
    private static final PhysMem EPTP_LIST = PhysMem.empty(46).edit()
            .write(0x7000, 8, Eptp.make(0x10000, true)).write(0x7008, 8, Eptp.make(0x20000, true)).freeze();

    @Test
    void arbitraryDecodedInstructionsNeverThrow() {
        long seed = 0xDEC0DEL;
        SplittableRandom rnd = new SplittableRandom(seed);
        int decoded = 0;
        Set<Mnemonic> seen = EnumSet.noneOf(Mnemonic.class);
        Set<Class<?>> outcomes = new java.util.HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            byte[] code = new byte[Decoder.MAX_LENGTH];
            rnd.nextBytes(code);
            int at = 0;
            switch (rnd.nextInt(7)) {
                case 0 -> code[0] = 0x0F; // the two-byte opcode map
                case 1 -> { // 0F 01: LGDT/LIDT/SGDT/SIDT, VMFUNC, SWAPGS, CLAC, STAC, XGETBV, XSETBV, PKRU, ...
                    code[0] = 0x0F;
                    code[1] = 0x01;
                    if (rnd.nextInt(8) == 0) {
                        code[2] = (byte) 0xD4;
                    }
                }
                case 2 -> { // F3 [REX.W] 0F AE /0-3: RD/WR FS/GS BASE
                    code[at++] = (byte) 0xF3;
                    if (rnd.nextBoolean()) {
                        code[at++] = 0x48;
                    }
                    code[at++] = 0x0F;
                    code[at++] = (byte) 0xAE;
                    code[at] = (byte) (0xC0 | rnd.nextInt(32));
                }
                case 3 -> { // [REX.W] 0F AE: XSAVE/XRSTOR(64), fences
                    if (rnd.nextBoolean()) {
                        code[at++] = 0x48;
                    }
                    code[at++] = 0x0F;
                    code[at++] = (byte) 0xAE;
                    if (rnd.nextBoolean()) {
                        code[at] = (byte) (0xE8 + 8 * rnd.nextInt(3));
                    }
                }
                case 4 -> {
                    code[0] = (byte) 0xF3;
                    code[1] = (byte) 0x90;
                }
                default -> { }
            }
            Optional<Decoder.Decoded> d = Decoder.decode(code, 0, Machine.CODE);
            if (d.isEmpty()) {
                continue;
            }
            decoded++;
            seen.add(d.get().insn().mnemonic());
            byte[] bytes = java.util.Arrays.copyOf(code, d.get().length());
            PlacedInstruction p = new PlacedInstruction(Machine.CODE, bytes, d.get().insn(), null);
            ArchRegs regs = randomRegs(rnd);
            FakeContext ctx = new FakeContext();
            ctx.phys = EPTP_LIST;
            ctx.vmcs = Vmcs.zero().withActivateSecondaryControls(true).withEnableVmFunctions(true)
                    .withVmFunctionControls(1).withEptpListAddress(0x7000);
            if (rnd.nextBoolean()) {
                ctx.vmcs = ctx.vmcs.withHltExiting(true).withCr3LoadExiting(true).withMovDrExiting(true)
                        .withUnconditionalIoExiting(true).withDescriptorTableExiting(true);
            }
            if (p.insn().mnemonic() == Mnemonic.CALL && p.insn().operand(0) instanceof TargetOp t && rnd.nextBoolean()) {
                ctx.primitive(t.address(), "primitive");
            }
            String msg = "seed " + seed + " iteration " + i + ": " + p;
            ExecOutcome o;
            try {
                o = Executor.execute(regs, p, ctx);
            } catch (RuntimeException e) {
                throw new AssertionError(msg, e);
            }
            assertNotNull(o, msg);
            outcomes.add(o.getClass());
            if (o instanceof ExecOutcome.Fault f) {
                assertEquals(Machine.CODE, f.regs().rip(), msg);
            } else if (o instanceof ExecOutcome.Next n && !BRANCHES.contains(p.insn().mnemonic())) {
                assertEquals(p.end(), n.regs().rip(), msg);
                assertTrue((n.regs().rflags() & Rflags.FIXED1) != 0, msg);
            }
        }
        assertTrue(decoded > 3_000, "decoded only " + decoded);
        assertTrue(seen.size() >= 70, "mnemonics never decoded: " + EnumSet.complementOf(EnumSet.copyOf(seen)));
        assertEquals(7, outcomes.size(), "every kind of outcome occurs: " + outcomes);
    }

    private static ArchRegs randomRegs(SplittableRandom rnd) {
        ArchRegs r = rnd.nextBoolean() ? Machine.kernel() : Machine.user();
        for (int g = 0; g < 16; g++) {
            long v = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextInt(256);
                case 2 -> Machine.DATA + rnd.nextInt(4096);
                default -> 0;
            };
            if (g != ArchRegs.RSP) {
                r = r.withGpr(g, v);
            }
        }
        return r.withRflags(Rflags.FIXED1 | (rnd.nextLong() & 0x3F_7FD5L & ~Rflags.VM));
    }
}
