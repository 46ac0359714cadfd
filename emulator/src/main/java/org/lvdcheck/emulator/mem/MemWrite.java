package org.lvdcheck.emulator.mem;

/**
 * One host-physical memory write ({@code size} bytes, little-endian), as produced by walks that
 * set accessed/dirty flags and by event delivery; kept as a value so traces can show it.
 *
 * @param tainted the value is ⊤, the attacker's (DESIGN.md §3): it taints the words it touches
 */
public record MemWrite(long hpa, int size, long value, boolean tainted) {
    public MemWrite {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("size " + size);
        }
    }

    /** A write of a clean (concrete) value. */
    public MemWrite(long hpa, int size, long value) {
        this(hpa, size, value, false);
    }
}
