package org.lvdcheck.emulator.exec;

import java.util.List;
import java.util.OptionalLong;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.vmx.ExitReason;

/**
 * The result of executing one instruction. Only {@link Next}, {@link Trap},
 * {@link EptpSwitched}, {@link PrimitiveCall}, {@link Halted} and {@link IcrWritten} complete the instruction; for
 * {@link Fault}, {@link VmExit} and {@link TaintedUse} the registers and memory stay as they were
 * before it.
 */
public sealed interface ExecOutcome permits ExecOutcome.Next, ExecOutcome.Fault, ExecOutcome.Trap,
        ExecOutcome.VmExit, ExecOutcome.EptpSwitched, ExecOutcome.PrimitiveCall, ExecOutcome.Halted,
        ExecOutcome.TaintedUse, ExecOutcome.IcrWritten {

    /**
     * Normal completion: the new registers (RIP advanced or branched) and the writes to apply in
     * order. {@code topWrite}: confined code wrote through a ⊤ address, a write the model drops
     * (it lands where the domain can write anyway, DESIGN.md §3) and the machine accounts for.
     */
    record Next(ArchRegs regs, List<MemWrite> writes, boolean topWrite) implements ExecOutcome {
        public Next {
            writes = List.copyOf(writes);
        }

        public Next(ArchRegs regs, List<MemWrite> writes) {
            this(regs, writes, false);
        }
    }

    /** How a {@link TaintedUse} begins when the driver loaded a control register of its choice and nothing exited. */
    String UNEXITED_MOV_TO_CR = "MOV of ⊤ to CR";

    /** How a {@link TaintedUse} begins when the driver wrote an MSR of its choice and nothing exited. */
    String UNEXITED_WRMSR = "WRMSR of ⊤ to MSR";

    /**
     * The instruction would use ⊤, the attacker's value (DESIGN.md §3), as an address, stack
     * pointer, segment base or branch target outside confined code, or as a privileged operand
     * whose value decides what the instruction does (a CR, MSR, XCR0 or descriptor-table
     * operand, an MSR index, a VMFUNC or CPUID leaf). Nothing applies; the machine decides
     * whether this is evidence against trusted code or the end of a driver program's path.
     */
    record TaintedUse(String what) implements ExecOutcome {
    }

    /**
     * The instruction faults (SDM Vol. 3A 6.5): nothing is written and RIP stays at the
     * instruction. The integrator delivers exception {@code vector} (constants in
     * {@link org.lvdcheck.emulator.irq.Vectors}) with {@code errorCode} if it has one, from
     * {@code regs}: the registers before the instruction, except that a faulting IRETQ has
     * already unblocked NMIs (6.7.1) and a #PF has CR2 = {@code cr2} loaded.
     */
    record Fault(int vector, OptionalLong errorCode, long cr2, ArchRegs regs) implements ExecOutcome {
        /** A fault whose registers the executor fills in (those before the instruction). */
        static Fault of(int vector, OptionalLong errorCode, long cr2) {
            return new Fault(vector, errorCode, cr2, null);
        }

        static Fault withoutCode(int vector) {
            return of(vector, OptionalLong.empty(), 0);
        }

        static Fault withCode(int vector, long errorCode) {
            return of(vector, OptionalLong.of(errorCode), 0);
        }

        static Fault gp0() {
            return withCode(Vectors.GP, 0);
        }

        static Fault ud() {
            return withoutCode(Vectors.UD);
        }

        Fault from(ArchRegs before) {
            if (regs != null) {
                return this;
            }
            return new Fault(vector, errorCode, cr2, vector == Vectors.PF ? before.withCr2(cr2) : before);
        }
    }

    /**
     * A trap-class exception raised by a completed instruction (INT3 raises #BP): the writes
     * apply, and the exception is delivered with the saved RIP of {@code regs}, the next
     * instruction (SDM Vol. 3A 6.5).
     */
    record Trap(ArchRegs regs, List<MemWrite> writes, int vector) implements ExecOutcome {
        public Trap {
            writes = List.copyOf(writes);
        }
    }

    /**
     * The instruction causes a VM exit (SDM Vol. 3C 25.1, 27.2): guest state stays as before the
     * instruction (RIP at it). Fields as the VMCS exit-information fields take them.
     *
     * @param qualification the exit qualification (Table 27-3 CR access, 27-4 MOV DR, 27-5 I/O,
     *        27-7 EPT violation; the displacement for descriptor-table exits; otherwise 0)
     * @param instructionLength the VM-exit instruction length (0 for EPT violations and
     *        misconfigurations, which do not save it)
     * @param instructionInfo the VM-exit instruction-information field for descriptor-table
     *        exits (Tables 27-10, 27-11), otherwise 0
     * @param guestLinear guest-linear address of an EPT violation, otherwise 0
     * @param guestPhysical guest-physical address of an EPT violation or misconfiguration, otherwise 0
     * @param why what caused it, for traces
     */
    record VmExit(ExitReason reason, long qualification, int instructionLength, long instructionInfo,
            long guestLinear, long guestPhysical, String why) implements ExecOutcome {
    }

    /**
     * VMFUNC leaf 0 switched the EPTP (SDM Vol. 3C 25.5.5.3): the integrator loads
     * {@code newEptp} into the VMCS (and {@code index} as the EPTP index when #VE is in effect);
     * the next instruction, at the RIP of {@code regs} (+3), is fetched through the new EPT.
     */
    record EptpSwitched(ArchRegs regs, long newEptp, int index) implements ExecOutcome {
    }

    /**
     * A {@code call} to a kernel primitive: the return address is pushed ({@code writes}, RSP
     * lowered by 8) and RIP is the primitive's entry, as after a real call. The integrator runs
     * the primitive atomically and then returns as RET would, popping the return address.
     */
    record PrimitiveCall(ArchRegs regsAfterPush, List<MemWrite> writes, String name, long returnAddress)
            implements ExecOutcome {
        public PrimitiveCall {
            writes = List.copyOf(writes);
        }
    }

    /**
     * HLT without an exit: the registers with RIP at the next instruction and the activity state
     * HLT (SDM Vol. 2A HLT; an interrupt that wakes the CPU saves this RIP).
     */
    record Halted(ArchRegs regs) implements ExecOutcome {
    }

    /**
     * WRMSR to the x2APIC ICR (MSR 830H, SDM Vol. 3A 10.12.9) completed without a VM exit: the
     * registers after it, and the ICR value, whose IPI the integrator sends to the other CPUs'
     * LAPICs (10.6.1).
     */
    record IcrWritten(ArchRegs regs, long icr) implements ExecOutcome {
    }
}
