package org.lvdcheck.emulator.exec;

import java.util.List;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.ExitReason;

/**
 * The answer of the {@link ExecContext} to one linear-memory access. The executor applies no
 * write itself: it returns the writes the context reports, in order, when the instruction
 * completes (see {@link ExecContext} for the overlay alternative).
 */
public sealed interface MemResult permits MemResult.Ok, MemResult.Fault, MemResult.EptExit {

    /**
     * The answer for an access made through {@link org.lvdcheck.emulator.paging.LinearMemory}:
     * its value with {@code writes} (what the access wrote, if the caller collects writes), or
     * its failure as a fault or an EPT exit.
     */
    static MemResult of(LinearResult r, List<MemWrite> writes) {
        if (r instanceof LinearResult.Value v) {
            return new Ok(v.value(), writes, v.tainted());
        }
        PagingResult.Failure f = ((LinearResult.Fault) r).failure();
        if (f instanceof PagingResult.PageFault pf) {
            return new Fault(14, pf.errorCode(), pf.cr2());
        }
        if (f instanceof PagingResult.GeneralProtection gp) {
            return new Fault(13, gp.errorCode(), 0);
        }
        if (f instanceof PagingResult.StackFault ss) {
            return new Fault(12, ss.errorCode(), 0);
        }
        PagingResult.EptExit e = (PagingResult.EptExit) f;
        if (e.ept() instanceof EptResult.Violation v) {
            return new EptExit(ExitReason.EPT_VIOLATION, v.exitQualification(), e.linear(), v.gpa());
        }
        EptResult.Misconfig m = (EptResult.Misconfig) e.ept();
        return new EptExit(ExitReason.EPT_MISCONFIGURATION, 0, e.linear(), m.gpa());
    }

    /**
     * The access succeeds.
     *
     * @param value for a read, the bytes read (little-endian, zero-extended); 0 for a write
     * @param writes the host-physical writes the access makes, in order: guest-paging
     *        accessed/dirty updates, EPT accessed/dirty updates, and for a write access the data
     *        itself (split into several writes when it crosses a page)
     * @param tainted for a read, the bytes hold ⊤ for this reader (DESIGN.md §3); the value is then 0
     */
    record Ok(long value, List<MemWrite> writes, boolean tainted) implements MemResult {
        public Ok {
            writes = List.copyOf(writes);
        }

        public Ok(long value, List<MemWrite> writes) {
            this(value, writes, false);
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
