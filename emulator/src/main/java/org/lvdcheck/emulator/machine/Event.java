package org.lvdcheck.emulator.machine;

/**
 * What a step did that a reader of a trace wants to see, beyond the state change itself:
 * the instruction, crossings between views, VM exits and the hypervisor's decision,
 * interrupt deliveries, kernel primitives, faults, halts.
 */
public sealed interface Event {
    /**
     * An instruction executed at {@code rip} (fetched from host-physical {@code hpa}) under view
     * {@code view}; {@code insn} null when the bytes decode to nothing.
     */
    record Executed(long rip, long hpa, String view, org.lvdcheck.spec.asm.PlacedInstruction insn) implements Event {}

    /**
     * A dispatcher ({@code __vmfunc_dispatch} in view {@code view}) ran {@code function} for
     * RPC id {@code rpcId}: the kernel's copy for a domain's call, a domain's copy for the kernel's.
     */
    record Dispatched(String view, long rpcId, String function) implements Event {}

    /** VMFUNC switched the EPTP from one view to another. */
    record Crossing(String from, String to) implements Event {}

    /** A VM exit and what the hypervisor did about it. */
    record VmExit(int reason, String reasonName, String origin, String decision, String detail) implements Event {}

    /**
     * An interrupt or exception delivered through the guest IDT; exitless when no VM exit was
     * involved. {@code interrupted}: the registers the delivery started from, whose RIP, CS,
     * RFLAGS, RSP and SS (with their labels) are the context the hardware saved in the frame.
     */
    /**
     * An interrupt arrived while trusted code ran under a domain's EPT at transition-code
     * instruction {@code rip} with every register the driver sets ⊤: it is delivered as one in
     * driver control (the frame saves RIP ⊤), and its IRETQ resumes at a transition-code
     * instruction the explorer chooses (docs/MODEL.md, "Resuming in transition code").
     */
    record TransitionCodeInterrupted(long rip) implements Event {}

    record Delivered(int vector, String view, boolean exitless, boolean fromDomain,
                     org.lvdcheck.emulator.cpu.ArchRegs interrupted) implements Event {}

    /**
     * Trusted code ({@code by}: the hypervisor's handler or a kernel primitive) removed or
     * downgraded the translation of guest-physical page {@code gpa} in the EPT {@code ept} and no
     * INVEPT followed in the same step: a processor may keep using the old translation
     * ({@code before}; {@code after} is the new one, each a host-physical page with R/W/X in
     * bits 2:0, 0 for none) from its caches, which the model, keeping none, does not explore
     * (docs/MODEL.md, "Paging-structure caches").
     */
    record StaleTranslation(String by, String ept, long gpa, long before, long after) implements Event {}

    /**
     * A kernel primitive ran atomically. {@code readsThreads}: it asked the scheduler's run queue
     * (whether another thread is runnable), which other CPUs' scheduling changes.
     */
    record Primitive(String name, String detail, boolean readsThreads) implements Event {
        public Primitive(String name, String detail) {
            this(name, detail, false);
        }
    }

    /** A fault raised by an instruction (delivered next). */
    record Fault(int vector, long errorCode, String why) implements Event {}

    /** The CPU stopped: the vCPU was halted by the hypervisor, or a triple fault. */
    record Stopped(String why) implements Event {}

    /** A thread switch at a scheduling point. */
    record Switched(String from, String to) implements Event {}

    /** A domain was killed (hardened policy). */
    record Killed(String domain, String why) implements Event {}

    /**
     * The hypervisor's kill IPI reached this CPU: {@code resumed} when the CPU was still under
     * the EPT of killed domain {@code domain} and now resumes the kernel at the gate's error
     * return; otherwise ({@code domain} the view it is in) nothing changed.
     */
    record KillIpiTaken(String domain, boolean resumed) implements Event {}

    /**
     * TAINT evidence (DESIGN.md §3, §4): trusted code, the hypervisor or the hardware used ⊤, a
     * value the compromised driver chose, as an address, stack pointer, segment base, branch
     * target, frame field or privileged operand, at {@code rip}. The step ends there: its state
     * is the one before it, and the explorer does not expand past it.
     */
    record TaintUse(String what, long rip) implements Event {}

    /**
     * The CPU continues under the driver's control (DESIGN.md §3): the driver's program used ⊤
     * (its path ends), or trusted code under the domain's EPT went where the driver's values say.
     * RIP is ⊤ from here; the driver's moves apply.
     */
    record DriverControl(String why, long rip) implements Event {
        /** The driver changed a control register without a VM exit (INV4's evidence). */
        public boolean unexitedControlRegisterWrite() {
            return why.startsWith(org.lvdcheck.emulator.exec.ExecOutcome.UNEXITED_MOV_TO_CR);
        }

        /** The driver wrote an MSR without a VM exit (INV4's evidence). */
        public boolean unexitedMsrWrite() {
            return why.startsWith(org.lvdcheck.emulator.exec.ExecOutcome.UNEXITED_WRMSR);
        }
    }

    /**
     * Where the instruction of this step reached memory with its data accesses (operands and
     * implicit stack accesses; not its instruction fetch or paging-structure accesses), for the
     * explorer's partial-order reduction: each element is {@code hpa << 4 | (size - 1) << 1 | w},
     * the host-physical address and size (1 to 8 bytes, within one frame) of one access, w 1 for a
     * write. {@code topWrite}: trusted code under a domain's EPT wrote through a ⊤
     * address (dropped; the tracked frames its view writes on this CPU became domain-written).
     * Not shown in traces.
     */
    record Accessed(long[] accesses, boolean topWrite) implements Event {
        public static long hpa(long access) {
            return access >>> 4;
        }

        public static int size(long access) {
            return (int) (access >>> 1 & 7) + 1;
        }

        public static boolean write(long access) {
            return (access & 1) != 0;
        }
    }

    /** The compromised driver made a move of its repertoire (DESIGN.md §3). */
    record DriverMoved(String move) implements Event {}
}
