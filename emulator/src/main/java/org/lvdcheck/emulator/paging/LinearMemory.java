package org.lvdcheck.emulator.paging;

/**
 * Guest-linear memory: reads and writes of 1, 2, 4 or 8 bytes (little-endian, possibly crossing
 * a page) translated by guest paging through the current EPT. A write that crosses a page is
 * performed only if both pages translate. Used by event delivery for IDT, GDT, TSS and stack.
 */
public interface LinearMemory {
    /** Reads; the value says whether the bytes hold ⊤ for this reader (DESIGN.md §3). */
    LinearResult read(long linear, int size, LinearAccess access);

    /** Writes {@code value}, ⊤ when {@code tainted}. */
    LinearResult write(long linear, int size, long value, boolean tainted, LinearAccess access);

    /** Writes a clean value. */
    default LinearResult write(long linear, int size, long value, LinearAccess access) {
        return write(linear, size, value, false, access);
    }
}
