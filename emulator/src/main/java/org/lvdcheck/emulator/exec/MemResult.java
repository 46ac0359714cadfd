package org.lvdcheck.emulator.exec;

import java.util.List;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.vmx.ExitReason;

/**
 * The answer of the {@link ExecContext} to one linear-memory access. The context never changes
 * memory: it reports the host-physical writes the access would make, and the executor applies
 * none of them itself but returns all of them, in order, when the instruction completes.
 */
public sealed interface MemResult permits MemResult.Ok, MemResult.Fault, MemResult.EptExit {

    /**
     * The access succeeds.
     *
     * @param value for a read, the bytes read (little-endian, zero-extended); 0 for a write
     * @param writes the host-physical writes the access makes, in order: guest-paging
     *        accessed/dirty updates, EPT accessed/dirty updates, and for a write access the data
     *        itself (split into several writes when it crosses a page)
     */
    record Ok(long value, List<MemWrite> writes) implements MemResult {
        public Ok {
            writes = List.copyOf(writes);
        }

        /** A read with no side effects. */
        public static Ok of(long value) {
            return new Ok(value, List.of());
        }
    }

    /**
     * The access faults in the guest: #PF (vector 14) with its error code and the linear address
     * for CR2; #GP(0) (13) or #SS(0) (12) for a non-canonical address ({@code cr2} unused, 0).
     */
    record Fault(int vector, long errorCode, long cr2) implements MemResult {
    }

    /**
     * The access causes an EPT violation (48) or misconfiguration (49), during the guest-paging
     * walk or the final access: a VM exit with the SDM's exit qualification (Vol. 3C 27.2.1,
     * Table 27-7) and the guest-linear and guest-physical addresses.
     */
    record EptExit(ExitReason reason, long qualification, long guestLinear, long guestPhysical)
            implements MemResult {
    }
}
