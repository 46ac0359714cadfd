package org.lvdcheck.emulator.paging;

import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptAccess;

/**
 * Guest-physical memory as seen through the CURRENT EPT. Every guest-physical access of a
 * linear translation goes through {@link #translate} first, as on hardware (SDM Vol. 3C 28.2.1),
 * which is why the same CR3 GPA can reach a different page-table root under another EPT.
 * Implementations apply any EPT A/D-flag updates of a successful translation themselves.
 */
public interface GuestPhysical {
    /** Translates {@code gpa} for {@code access}; Ok carries the HPA. */
    EptResult translate(long gpa, EptAccess access);

    /** Reads host-physical memory (after a successful translate). */
    long readHost(long hpa, int size);

    /** Writes host-physical memory (after a successful translate). */
    default void writeHost(long hpa, int size, long value) {
        writeHost(hpa, size, value, false);
    }

    /** Writes host-physical memory, ⊤ when {@code tainted} (DESIGN.md §3). */
    void writeHost(long hpa, int size, long value, boolean tainted);

    /**
     * Whether a data read of these bytes yields ⊤ for the reader: a word holds ⊤, or the frame is
     * one the compromised driver may change at any time and the reader is trusted (havoc memory,
     * DESIGN.md §3). Paging-structure reads of a walk do not ask: they read the stored entries.
     */
    boolean readsTop(long hpa, int size);

    /** The CPU model: MAXPHYADDR and 1 GiB page support shape guest paging's reserved bits. */
    CpuCaps caps();

    /**
     * The translation a reader remembers for {@code linear} under {@code regs}, or null: a walk
     * done before over paging-structure frames this reader's memory still holds unchanged, that
     * set no accessed or dirty flag (docs/MODEL.md, "Paging-structure caches"). A reader
     * that remembers nothing returns null.
     */
    default PagingResult remembered(PagingRegs regs, long linear, LinearAccess access) {
        return null;
    }

    /** A linear walk starts: the reader may note the paging-structure frames it reads. */
    default void walkStarts() {
    }

    /** The walk begun by {@link #walkStarts} ended with {@code result}; the reader may remember it. */
    default void walkEnded(PagingRegs regs, long linear, LinearAccess access, PagingResult result) {
    }
}
