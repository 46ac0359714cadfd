package org.lvdcheck.emulator.paging;

/**
 * Guest-linear memory: reads and writes of 1, 2, 4 or 8 bytes (little-endian, possibly crossing
 * a page) translated by guest paging through the current EPT. A write that crosses a page is
 * performed only if both pages translate. Used by event delivery for IDT, GDT, TSS and stack.
 */
public interface LinearMemory {
    LinearResult read(long linear, int size, LinearAccess access);

    LinearResult write(long linear, int size, long value, LinearAccess access);
}
