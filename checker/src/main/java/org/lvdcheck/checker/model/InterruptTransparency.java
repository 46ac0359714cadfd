package org.lvdcheck.checker.model;

import java.util.List;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.RegOp;
import org.lvdcheck.spec.asm.TargetOp;

/**
 * Which steps are <em>interrupt-transparent</em> for coarse interrupt points
 * ({@code check --coarse-interrupts}, docs/MODEL.md, "Coarse interrupt points"). A step of CPU c is transparent when it executes one instruction of plain
 * kernel code (the kernel's view, CPL 0, outside every transition-code range) that changes
 * nothing an interrupt's delivery, its handler, the scheduler or another CPU reads other than as
 * the interrupted context's saved copy: it reads and writes only general-purpose registers other
 * than RSP, the arithmetic flags, RIP, and the running thread's stack at or above RSP; and the
 * step has no event but the instruction's execution (no exception, exit, primitive, crossing)
 * and breaks no property.
 *
 * <p>An interrupt that arrives just after such a step is equivalent to the same interrupt
 * arriving just before it, with the step taken after the handler returns, as long as the handler
 * gives the interrupted registers and stack back exactly and does not branch on them. IRQ checks
 * the first where the interrupt does arrive, but a handler that writes a register or stack word
 * with the value it happened to hold there is not caught, which is why coarse interrupt points
 * never earn "holds".
 */
final class InterruptTransparency {
    private final Machine machine;
    private final TransitionCode transitionCode;

    InterruptTransparency(Machine machine, TransitionCode transitionCode) {
        this.machine = machine;
        this.transitionCode = transitionCode;
    }

    /** Whether {@code step}, taken by {@code a} in {@code before}, is interrupt-transparent. */
    boolean transparent(MachineState before, Action a, Step step) {
        if (!(a instanceof Action.Execute)) {
            return false;
        }
        int c = a.cpu();
        // The instruction's data accesses (Event.Accessed, for frame ownership) are its own: the
        // operand rule below decides which it may make.
        List<Event> events = step.events();
        boolean accessed = events.size() == 2 && events.get(1) instanceof Event.Accessed;
        if (machine.viewOf(before, c) != 0 || before.cpu(c).regs().cpl() != 0 || events.size() != 1 && !accessed
                || !(events.get(0) instanceof Event.Executed x) || x.insn() == null
                || transitionCode.contains(x.rip()) || machine.viewOf(step.state(), c) != 0) {
            return false;
        }
        return transparentInstruction(x.insn().insn());
    }

    /**
     * Whether an instruction reads and writes only GPRs other than RSP, the arithmetic flags,
     * RIP and stack memory at or above RSP.
     */
    static boolean transparentInstruction(Instruction in) {
        switch (in.mnemonic()) {
            case MOV, MOVZX, MOVSX, ADD, SUB, ADC, SBB, XOR, AND, OR, INC, DEC, NEG, NOT, SHL, SHR, SAR, BT, BTS,
                    BTR, CMP, TEST, LEA, NOP, PAUSE, JMP, JCC -> {
                for (Operand op : in.operands()) {
                    // LEA computes an address and reads no memory: its operand is arithmetic on GPRs.
                    boolean address = in.mnemonic() == org.lvdcheck.spec.asm.Mnemonic.LEA && op instanceof MemOp m
                            && m.segment() == null;
                    if (!address && !transparentOperand(op)) {
                        return false;
                    }
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static boolean transparentOperand(Operand op) {
        if (op instanceof ImmOp || op instanceof TargetOp) {
            return true;
        }
        if (op instanceof RegOp r) {
            return r.reg().gpr() >= 0 && r.reg().gpr() != ArchRegs.RSP;
        }
        if (op instanceof MemOp m) {
            return m.segment() == null && !m.ripRelative() && m.base() != null && m.base().gpr() == ArchRegs.RSP
                    && m.index() == null && m.disp() >= 0;
        }
        return false;
    }
}
