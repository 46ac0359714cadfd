package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.asm.AsmParser;
import org.lvdcheck.spec.asm.AsmUnit;
import org.lvdcheck.spec.asm.Assembler;
import org.lvdcheck.spec.asm.IncludeResolver;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.PlacedInstruction;

/** Test helpers: registers in 64-bit kernel or user mode, assembling one line, running it. */
final class Machine {
    private Machine() {
    }

    static final long CODE = 0xFFFF_FFFF_8100_0000L;
    static final long STACK = 0xFFFF_C900_0000_8000L;
    static final long DATA = 0xFFFF_8880_0001_0000L;
    static final long GDT = 0xFFFF_FE00_0000_0000L;
    static final int KERNEL_CS = 0x10;
    static final int KERNEL_SS = 0x18;
    static final int USER_SS = 0x2B;
    static final int USER_CS = 0x33;

    /** CPL 0, IF = 1, paging and long mode on, GDT at {@link #GDT}. */
    static ArchRegs kernel() {
        return ArchRegs.builder()
                .rip(CODE)
                .gpr(ArchRegs.RSP, STACK)
                .rflags(Rflags.FIXED1 | Rflags.IF)
                .cs(Segment.code64(KERNEL_CS))
                .ss(Segment.flatData(KERNEL_SS))
                .ds(Segment.nullSelector(0))
                .es(Segment.nullSelector(0))
                .cr0(Cr0.PE | Cr0.MP | Cr0.ET | Cr0.NE | Cr0.WP | Cr0.AM | Cr0.PG)
                .cr3(0x1000)
                .cr4(Cr4.PAE | Cr4.PGE | Cr4.OSFXSR | Cr4.OSXMMEXCPT | Cr4.VMXE | Cr4.FSGSBASE | Cr4.OSXSAVE
                        | Cr4.PKE)
                .efer(Efer.SCE | Efer.LME | Efer.LMA | Efer.NXE)
                .gdtr(new DescriptorTableReg(GDT, 0x7F))
                .xcr0(7)
                .build();
    }

    /** CPL 3 with IOPL 0. */
    static ArchRegs user() {
        return kernel().toBuilder().cs(Segment.code64(USER_CS)).ss(Segment.flatData(USER_SS)).build();
    }

    static PlacedInstruction assemble(String source, long address) {
        return assemble(source, address, Map.of());
    }

    /** Assembles {@code source} (one or more lines) at {@code address}; returns its first instruction. */
    static PlacedInstruction assemble(String source, long address, Map<String, Long> externals) {
        try {
            AsmUnit u = AsmParser.parse("t.s", source + "\n", IncludeResolver.none());
            LinkedImage img = Assembler.link(List.of(u), Map.of(".text", address), externals);
            return img.instructions().get(0);
        } catch (InputError e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    static ExecOutcome run(ArchRegs regs, String source, FakeContext ctx) {
        return Executor.execute(regs, assemble(source, regs.rip()), ctx);
    }

    static ExecOutcome run(ArchRegs regs, String source, FakeContext ctx, Map<String, Long> externals) {
        return Executor.execute(regs, assemble(source, regs.rip(), externals), ctx);
    }

    /** Runs one instruction that must complete normally, applies its writes, returns the registers. */
    static ArchRegs step(ArchRegs regs, String source, FakeContext ctx) {
        ExecOutcome o = run(regs, source, ctx);
        ExecOutcome.Next n = assertInstanceOf(ExecOutcome.Next.class, o, source);
        ctx.apply(n.writes());
        return n.regs();
    }

    static ExecOutcome.Fault assertFault(ExecOutcome o, int vector) {
        ExecOutcome.Fault f = assertInstanceOf(ExecOutcome.Fault.class, o);
        assertEquals(vector, f.vector(), "vector");
        return f;
    }

    static void assertGp0(ExecOutcome o) {
        ExecOutcome.Fault f = assertFault(o, Vectors.GP);
        assertEquals(0, f.errorCode().orElseThrow(), "#GP error code");
    }

    static void assertUd(ExecOutcome o) {
        ExecOutcome.Fault f = assertFault(o, Vectors.UD);
        assertTrue(f.errorCode().isEmpty(), "#UD has no error code");
    }

    static ExecOutcome.VmExit assertExit(ExecOutcome o, ExitReason reason) {
        ExecOutcome.VmExit e = assertInstanceOf(ExecOutcome.VmExit.class, o);
        assertEquals(reason, e.reason());
        return e;
    }
}
