package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.RegKind;
import org.lvdcheck.spec.asm.RegOp;

/**
 * Executes one instruction of the subset in 64-bit mode, VMX non-root operation: a pure
 * function of the registers, the instruction (fetched by the caller at RIP through paging and
 * the EPT) and what the {@link ExecContext} answers. Nothing is changed in place: the outcome
 * carries the new registers and the memory writes to apply. Per-mnemonic semantics, faults,
 * exits and simplifications: docs/INSTRUCTIONS.md.
 */
public final class Executor {
    private Executor() {
    }

    public static ExecOutcome execute(ArchRegs regs, PlacedInstruction placed, ExecContext ctx) {
        return run(new Step(regs, placed, ctx, null));
    }

    /**
     * Executes a conditional jump whose flags are ⊤ (DESIGN.md §3): the comparison that set them
     * had every outcome, so the jump has two, and the caller picks one. The flags stay ⊤.
     */
    public static ExecOutcome executeBranch(ArchRegs regs, PlacedInstruction placed, ExecContext ctx, boolean taken) {
        if (!branchesOnTop(regs, placed)) {
            throw new IllegalArgumentException("not a conditional jump on ⊤ flags: " + placed);
        }
        return run(new Step(regs, placed, ctx, taken));
    }

    /** Whether {@code placed}, from {@code regs}, is a conditional jump on ⊤ flags: it has two outcomes. */
    public static boolean branchesOnTop(ArchRegs regs, PlacedInstruction placed) {
        return placed.insn().mnemonic() == Mnemonic.JCC && regs.tainted(ArchRegs.T_FLAGS);
    }

    private static ExecOutcome run(Step s) {
        try {
            return dispatch(s);
        } catch (Abort a) {
            return a.outcome() instanceof ExecOutcome.Fault f ? f.from(s.start) : a.outcome();
        }
    }

    private static ExecOutcome dispatch(Step s) {
        Instruction in = s.insn;
        switch (in.mnemonic()) {
            case MOV -> {
                if (isSpecialRegisterMove(in)) {
                    ControlRegisters.mov(s);
                } else {
                    DataTransfer.mov(s);
                }
            }
            case MOVZX -> DataTransfer.extend(s, false);
            case MOVSX -> DataTransfer.extend(s, true);
            case LEA -> DataTransfer.lea(s);
            case PUSH -> DataTransfer.push(s);
            case POP -> DataTransfer.pop(s);
            case ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, TEST -> Arithmetic.binary(s);
            case INC, DEC, NEG, NOT -> Arithmetic.unary(s);
            case SHL, SHR, SAR -> Arithmetic.shift(s);
            case BT, BTS, BTR -> Arithmetic.bitTest(s);
            case XCHG -> Arithmetic.exchange(s);
            case CMPXCHG -> Arithmetic.compareExchange(s);
            case JMP -> ControlTransfer.jmp(s);
            case JCC -> ControlTransfer.jcc(s);
            case CALL -> {
                return ControlTransfer.call(s);
            }
            case RET -> ControlTransfer.ret(s);
            case IRETQ -> ControlTransfer.iretq(s);
            case NOP, LFENCE, MFENCE, SFENCE -> {
                // no architectural effect in a sequentially consistent, one-instruction-per-step model
            }
            case PAUSE -> SystemInstructions.pause(s);
            case UD2 -> throw Step.ud();
            case INT3 -> {
                // #BP is a trap: delivered after the instruction, with RIP past it (Vol. 3A 6.5).
                return new ExecOutcome.Trap(s.completedRegs(), s.writes(), Vectors.BP);
            }
            case CLI -> FlagControl.cli(s);
            case STI -> FlagControl.sti(s);
            case CLD -> FlagControl.cld(s);
            case STD -> FlagControl.std(s);
            case CLAC -> FlagControl.clac(s);
            case STAC -> FlagControl.stac(s);
            case PUSHF -> FlagControl.pushf(s);
            case POPF -> FlagControl.popf(s);
            case CPUID -> {
                return SystemInstructions.cpuid(s);
            }
            case VMCALL -> {
                return SystemInstructions.vmcall(s);
            }
            case VMFUNC -> {
                return SystemInstructions.vmfunc(s);
            }
            case HLT -> {
                return SystemInstructions.hlt(s);
            }
            case RDMSR -> Msrs.rdmsr(s);
            case WRMSR -> {
                return Msrs.wrmsr(s);
            }
            case LGDT, LIDT, SGDT, SIDT, LLDT, LTR -> DescriptorTables.execute(s);
            case SWAPGS -> SystemInstructions.swapgs(s);
            case RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE -> SystemInstructions.fsGsBase(s);
            case XSAVE, XSAVEOPT, XSAVE64, XRSTOR, XRSTOR64 -> Xsave.execute(s);
            case XSETBV -> {
                return SystemInstructions.xsetbv(s);
            }
            case XGETBV -> SystemInstructions.xgetbv(s);
            case WRPKRU -> SystemInstructions.wrpkru(s);
            case RDPKRU -> SystemInstructions.rdpkru(s);
            case IN, OUT -> SystemInstructions.io(s);
            default -> throw new IllegalArgumentException("not in the instruction subset: " + in.mnemonic());
        }
        return s.next();
    }

    private static boolean isSpecialRegisterMove(Instruction in) {
        for (var op : in.operands()) {
            if (op instanceof RegOp r && (r.reg().kind() == RegKind.CONTROL || r.reg().kind() == RegKind.DEBUG)) {
                return true;
            }
        }
        return false;
    }
}
