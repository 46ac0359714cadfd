package org.lvdcheck.emulator.exec;

import java.util.Optional;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.PhysReader;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * What the executor needs from the machine around one CPU: memory through the guest's segments,
 * paging and EPT, the VMCS that decides VM exits, and the table of kernel primitives. Every
 * method is a query: the context changes nothing, so one instruction is a pure function of the
 * registers and the memory the context reads.
 *
 * <p>Writes: the context either reports the host-physical writes of an access in
 * {@link MemResult.Ok#writes()}, which the executor collects in order into the outcome, or
 * keeps them in an overlay of its own (returning no writes), which it must then drop when the
 * outcome is {@link ExecOutcome.Fault} or {@link ExecOutcome.VmExit} and commit otherwise.
 * The executor never relies on reading its own writes within one instruction: it reads first
 * wherever an instruction both reads and writes.
 */
public interface ExecContext {
    /** The segment argument of an access to a system table (GDT, LDT, TSS) by linear address. */
    int NO_SEGMENT = -1;

    /**
     * Reads {@code size} (1, 2, 4 or 8) bytes at {@code offset} in segment {@code segment}
     * ({@link ArchRegs#ES} .. {@link ArchRegs#GS}, or {@link #NO_SEGMENT}). The context adds the
     * segment base (in 64-bit mode FS.base and GS.base, 0 for the others), checks the linear
     * address is canonical (else #SS(0) for {@link AccessKind#isStack() stack} accesses, #GP(0)
     * otherwise), translates it through guest paging with the paging state of {@code regs} (CR0,
     * CR3, CR4, EFER, CPL, RFLAGS.AC) and the current EPT.
     *
     * @param regs the registers at the start of the instruction
     */
    MemResult read(ArchRegs regs, int segment, long offset, int size, AccessKind kind);

    /**
     * Checks a write of {@code size} bytes of {@code value} (⊤ when {@code tainted}) as {@link #read}
     * does and reports its writes. A read answers whether the bytes hold ⊤ for this instruction
     * ({@link MemResult.Ok#tainted()}).
     */
    MemResult write(ArchRegs regs, int segment, long offset, int size, long value, boolean tainted, AccessKind kind);

    /**
     * Whether this instruction is trusted code running under a domain's EPT (DESIGN.md §3): any
     * access it makes through a ⊤ address, stack pointer or segment base is one the domain could
     * make itself, so it proceeds (a read yields ⊤, a write is dropped) and a ⊤ branch target
     * leaves RIP ⊤. Otherwise such a use ends the instruction with {@link ExecOutcome.TaintedUse}.
     */
    boolean confined();

    /** The current VMCS of this CPU (the guest runs in VMX non-root operation). */
    Vmcs vmcs();

    /** The processor's capabilities (the spec's cpu block). */
    CpuCaps caps();

    /** Host-physical memory, for the EPTP list VMFUNC reads (SDM Vol. 3C 25.5.5.3). */
    PhysReader physMem();

    /**
     * The kernel primitive (a C routine modelled in Java) whose entry point is the linear address
     * {@code address}, if any: a {@code call} there yields {@link ExecOutcome.PrimitiveCall}.
     */
    Optional<String> primitiveAt(long address);
}
