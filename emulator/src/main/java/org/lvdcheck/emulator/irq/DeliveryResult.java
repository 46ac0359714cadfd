package org.lvdcheck.emulator.irq;

import java.util.List;
import java.util.OptionalLong;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.paging.PagingResult;

/** Outcome of delivering one event through the 64-bit IDT (SDM Vol. 3A 6.14). */
public sealed interface DeliveryResult permits DeliveryResult.Delivered, DeliveryResult.Fault,
        DeliveryResult.TripleFault, DeliveryResult.EptExit, DeliveryResult.TaintedUse {

    /**
     * The handler is entered with {@code regs}. The memory effects (pushes, the accessed bit, and
     * the A/D flags of the walks) are already in the {@code LinearMemory}'s overlay; {@code writes}
     * lists the architectural ones for traces. {@code topWrite}: under a domain's EPT the frame
     * was pushed through the domain's ⊤ stack pointer, writes the model drops (DESIGN.md §3).
     */
    record Delivered(ArchRegs regs, int vector, List<LinearWrite> writes, boolean topWrite) implements DeliveryResult {
        public Delivered(ArchRegs regs, int vector, List<LinearWrite> writes) {
            this(regs, vector, writes, false);
        }
    }

    /**
     * The delivery would use ⊤, the attacker's value (DESIGN.md §3): an IDT gate, GDT descriptor
     * or TSS stack slot a domain can change, or a push through the domain's stack pointer
     * outside the domain's own EPT. Nothing is delivered.
     */
    record TaintedUse(String what) implements DeliveryResult {
    }

    /**
     * Delivery faulted; deliver this exception next (after Table 6-5: it may already be #DF).
     * The caller discards the memory overlay of the failed delivery, decides whether the VMCS
     * exception bitmap turns it into a VM exit, and otherwise calls
     * {@link InterruptDelivery#deliver} with {@code regs} ({@code cr2} already loaded for a #PF).
     */
    record Fault(int vector, long errorCode, ArchRegs regs) implements DeliveryResult {
    }

    /** Delivering a #DF faulted: shutdown (in VMX non-root, a VM exit with reason 2). */
    record TripleFault() implements DeliveryResult {
    }

    /**
     * A guest-physical access of the delivery was refused by the EPT: a VM exit (48 or 49) whose
     * IDT-vectoring information describes the event being delivered ({@code vector}, {@code kind},
     * {@code errorCode}).
     */
    record EptExit(PagingResult.EptExit exit, int vector, EventKind kind, OptionalLong errorCode) implements DeliveryResult {
    }
}
