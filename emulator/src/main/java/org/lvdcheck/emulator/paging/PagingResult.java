package org.lvdcheck.emulator.paging;

import org.lvdcheck.emulator.ept.EptResult;

/** Outcome of translating a linear address and checking the access (SDM Vol. 3A 4.5-4.7, 3.3.7.1). */
public sealed interface PagingResult permits PagingResult.Ok, PagingResult.Failure {

    /** Anything but Ok: the access did not happen. */
    sealed interface Failure extends PagingResult
            permits PageFault, GeneralProtection, StackFault, EptExit {
    }

    /**
     * Translation succeeded and the EPT allows the final access.
     *
     * @param gpa guest-physical address
     * @param hpa host-physical address (after the EPT)
     * @param pageSizeLevel guest page size: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB (0 when CR0.PG = 0)
     */
    record Ok(long gpa, long hpa, int pageSizeLevel) implements PagingResult {
    }

    /** #PF (vector 14) with the error code of 4.7 and the faulting linear address for CR2. */
    record PageFault(long errorCode, long cr2) implements Failure {
        public static final long P = 1;
        public static final long W = 2;
        public static final long U = 4;
        public static final long RSVD = 8;
        public static final long I = 16;
    }

    /** #GP (vector 13): a non-canonical linear address of a non-SS access. */
    record GeneralProtection(long errorCode) implements Failure {
    }

    /** #SS (vector 12): a non-canonical address of an SS-based access. */
    record StackFault(long errorCode) implements Failure {
    }

    /**
     * A guest-physical access of the translation (a paging-structure read, an A/D update, or the
     * final access) caused an EPT violation or misconfiguration: a VM exit with reason 48 or 49.
     *
     * @param ept the {@link EptResult.Violation} or {@link EptResult.Misconfig}
     * @param linear the linear address being translated (the VMCS guest-linear address)
     */
    record EptExit(EptResult ept, long linear) implements Failure {
        public EptExit {
            if (ept instanceof EptResult.Ok) {
                throw new IllegalArgumentException("EptExit needs a violation or misconfiguration");
            }
        }
    }
}
