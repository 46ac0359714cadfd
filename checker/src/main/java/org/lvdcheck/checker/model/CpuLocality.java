package org.lvdcheck.checker.model;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.Reg;

/**
 * Which steps are CPU-local for the partial-order reduction (DESIGN.md §5; the argument is in
 * docs/MODEL.md, "Partial-order reduction"). A step of CPU c is local when what it reads and
 * writes belongs to c alone at that moment: c's registers, VMCS and LAPIC; the stack RSP points
 * to (the running thread's kernel stack, c's IRQ or IST stacks); c's per-CPU area through GS.
 * Such a step commutes with every step of another CPU and no property other than the acting
 * CPU's own step checks can see it. An instruction whose operands are not of those forms is local
 * too when every frame its data accesses reached is its CPU's, its running thread's, or read-only
 * and only read ({@link FrameOwnership}, which checks that no other CPU reaches them). Everything
 * that may touch shared state is global: kernel
 * primitives (called C routines) other than the read of the CPU's in-service vector, a device
 * interrupt's {@code do_IRQ} and, once no thread can be switched in, the timer's {@code do_IRQ} and
 * a {@code __schedule} that keeps the current thread, VM exits
 * (the hypervisor may rewrite EPTs and EPTP lists), VMFUNC other than trusted code's switch back
 * to the kernel's view (any other slot is one a kill rewrites), the scheduler, a stopped or killed
 * CPU, any memory operand not based on RSP or the GS segment.
 */
final class CpuLocality {
    private CpuLocality() {
    }

    /**
     * Whether a step is CPU-local. {@code crossingsVisible}: the spec names crossings as a
     * witness, so no crossing is.
     */
    static boolean isLocal(Action a, Step step, MachineState pre, Machine machine, FrameOwnership own,
                           boolean crossingsVisible) {
        return whyGlobal(a, step, pre, machine, own, crossingsVisible) == null;
    }

    /** What makes a step global (`check --state-profile` counts them), each a fixed phrase. */
    enum Why {
        PRIMITIVE("a kernel primitive"),
        CROSSING("a crossing between views"),
        VM_EXIT("a VM exit"),
        DISPATCH("the kernel's dispatcher"),
        SWITCH("a thread switch"),
        STOP("a stop, kill or kill IPI"),
        NO_INSTRUCTION("bytes that decode to no instruction"),
        VMFUNC("a VMFUNC other than trusted code's switch back to the kernel's view"),
        EXCLUDED("an instruction that is never local (it may exit, or is an atomic)"),
        FRAMES("a data access beyond the CPU's own, its thread's and read-only frames"),
        NO_EXECUTION("a step that executes no instruction"),
        OTHER_ACTION("a move that is neither an instruction nor an interrupt (the driver's, a kill IPI, a dispatch)");

        final String phrase;

        Why(String phrase) {
            this.phrase = phrase;
        }
    }

    /** Null when the step is CPU-local ({@link #isLocal}); else the first thing that makes it global. */
    static Why whyGlobal(Action a, Step step, MachineState pre, Machine machine, FrameOwnership own,
                         boolean crossingsVisible) {
        boolean needFrames = false;
        boolean kernelSwitch = false; // this step's VMFUNC is trusted code's switch back to the kernel's view
        boolean executed = false;
        for (Event e : step.events()) {
            if (e instanceof Event.Primitive p && localPrimitive(p, pre)) {
                continue;
            }
            if (e instanceof Event.Crossing) {
                if (kernelSwitch) {
                    continue; // the VMFUNC's own crossing, which follows its Executed event
                }
                return Why.CROSSING;
            }
            Why w = e instanceof Event.VmExit ? Why.VM_EXIT
                    : e instanceof Event.Primitive ? Why.PRIMITIVE
                    : e instanceof Event.Dispatched ? Why.DISPATCH
                    : e instanceof Event.Switched ? Why.SWITCH
                    : e instanceof Event.Stopped || e instanceof Event.Killed || e instanceof Event.KillIpiTaken ? Why.STOP
                    : null;
            if (w != null) {
                return w;
            }
            if (e instanceof Event.Executed x) {
                if (x.insn() == null) {
                    return Why.NO_INSTRUCTION;
                }
                executed = true;
                Instruction in = x.insn().insn();
                if (in.mnemonic() == Mnemonic.VMFUNC) {
                    kernelSwitch = !crossingsVisible && toKernelView(a, step, pre, machine, own);
                    if (!kernelSwitch) {
                        return Why.VMFUNC;
                    }
                } else if (excluded(in)) {
                    return Why.EXCLUDED;
                } else {
                    needFrames |= !localInstruction(in);
                }
            }
        }
        if (needFrames && !localByFrames(a.cpu(), step, pre, own)) {
            return Why.FRAMES;
        }
        if (a instanceof Action.Execute || a instanceof Action.Branch) {
            // The step must have executed an instruction (the idle loop's scheduling is global). A
            // branch on ⊤ flags is one outcome of a jump: it reads and writes RIP alone.
            return executed ? null : Why.NO_EXECUTION;
        }
        return a instanceof Action.Interrupt ? null : Why.OTHER_ACTION;
    }

    /**
     * Whether a step of {@code a} is global whatever it turns out to do, judged before it is
     * taken ({@code next}: the instruction the CPU's fetch decodes, null when it has none to
     * execute). {@link #whyGlobal} gives every action other than an instruction, a branch outcome
     * or an interrupt {@link Why#OTHER_ACTION}. An {@link Action.Execute} is local only if it
     * executes an instruction, so one with none (an idle CPU's scheduler, a halted or stopped CPU,
     * a fetch that faults or decodes nothing) is {@link Why#NO_EXECUTION} or
     * {@link Why#NO_INSTRUCTION}, or a global event; and one of an instruction that is never local
     * (other than VMFUNC, which may be trusted code's switch back to the kernel's view) is
     * {@link Why#EXCLUDED} or a global event before it. The reduction asks this first, so that it
     * does not take the steps of a CPU that cannot be an ample set.
     */
    static boolean globalBeforeTaken(Action a, PlacedInstruction next) {
        if (!(a instanceof Action.Execute || a instanceof Action.Branch || a instanceof Action.Interrupt)) {
            return true;
        }
        return a instanceof Action.Execute
                && (next == null || next.insn().mnemonic() != Mnemonic.VMFUNC && excluded(next.insn()));
    }

    /** The name of the first kernel primitive of {@code step} a local step may not run, or null. */
    static String globalPrimitive(Step step, MachineState pre) {
        for (Event e : step.events()) {
            if (e instanceof Event.Primitive p && !localPrimitive(p, pre)) {
                return p.name();
            }
        }
        return null;
    }

    /**
     * The primitives a local step may run: the read of this CPU's in-service vector; {@code do_IRQ}
     * for any vector but the timer's (it EOIs this CPU's local APIC and reads the frame at RDI, on this
     * CPU's stacks); and, once no thread can ever be switched in ({@link #noThreadCanBeSwitchedIn}), the
     * timer's {@code do_IRQ} (it also asks whether another thread is runnable, to set this CPU's
     * need_resched: {@link Event.Primitive#readsThreads}) and {@code __schedule} without a switch (it
     * finds no other thread runnable; a switch is an {@link Event.Switched}, global).
     */
    private static boolean localPrimitive(Event.Primitive p, MachineState pre) {
        return switch (p.name()) {
            case IN_SERVICE -> true;
            case "do_IRQ" -> !p.readsThreads() || noThreadCanBeSwitchedIn(pre);
            case "__schedule" -> noThreadCanBeSwitchedIn(pre);
            default -> false;
        };
    }

    /**
     * Whether no thread is runnable (NEW or RUNNABLE) in {@code pre}, which then holds in every state
     * reachable from it: a thread becomes RUNNABLE only when a CPU's {@code __schedule} switches it out
     * for another runnable thread, and NEW only at the build. What the timer's {@code do_IRQ} and
     * {@code __schedule} read of the thread table is then the same whatever other CPUs do.
     */
    static boolean noThreadCanBeSwitchedIn(MachineState pre) {
        for (ThreadState t : pre.threads()) {
            if (t.status() == ThreadStatus.RUNNABLE || t.status() == ThreadStatus.NEW) {
                return false;
            }
        }
        return true;
    }

    /** The primitive that reads this CPU's local APIC in-service register and nothing else (HARDENING.md G26). */
    private static final String IN_SERVICE = "lvd_irq_in_service";

    /**
     * Whether the step, whose instruction is a VMFUNC, is trusted code's switch to the kernel's view (slot
     * 0) through the EPTP list the hypervisor built for this CPU, without a VM exit: it reads that list's entry 0, which no step
     * changes ({@link FrameOwnership#observe} checks it), and writes only this CPU's EPTP.
     */
    private static boolean toKernelView(Action a, Step step, MachineState pre, Machine machine, FrameOwnership own) {
        if (own == null || !(a instanceof Action.Execute) || !own.ownEptpList(pre, a.cpu())
                || machine.viewOf(step.state(), a.cpu()) != 0) {
            return false;
        }
        for (Event e : step.events()) {
            if (e instanceof Event.VmExit) {
                return false;
            }
        }
        return true;
    }

    /** Whether every data access the step's instruction made reaches what its CPU owns ({@link FrameOwnership}). */
    private static boolean localByFrames(int cpu, Step step, MachineState pre, FrameOwnership own) {
        if (own == null) {
            return false;
        }
        for (Event e : step.events()) {
            if (e instanceof Event.Accessed acc && !own.local(pre, cpu, acc)) {
                return false;
            }
        }
        return true;
    }

    /** Instructions that are never local, whatever they reach: they exit, or they are the kernel's atomics. */
    private static boolean excluded(Instruction in) {
        return switch (in.mnemonic()) {
            case VMFUNC, CPUID, VMCALL, RDMSR, WRMSR, LGDT, LIDT, LLDT, LTR, SGDT, SIDT, XSETBV, IN, OUT, HLT,
                    XSAVE, XRSTOR, XSAVEOPT, XSAVE64, XRSTOR64, CMPXCHG, XCHG -> true;
            default -> false;
        };
    }

    /** Whether an instruction is local by the form of its operands alone: every memory operand RSP-based or GS-relative. */
    static boolean localInstruction(Instruction in) {
        if (excluded(in)) {
            return false;
        }
        for (Operand op : in.operands()) {
            if (op instanceof MemOp m && !stackOrPerCpu(m)) {
                return false;
            }
        }
        return true;
    }

    private static boolean stackOrPerCpu(MemOp m) {
        if (m.segment() != null && m.segment() == Reg.GS) {
            return m.base() == null && m.index() == null && !m.ripRelative();
        }
        return m.segment() == null && !m.ripRelative() && m.base() != null && m.base().gpr() == ArchRegs.RSP
                && m.index() == null;
    }
}
