package org.lvdcheck.emulator.mem;

/**
 * One host-physical memory write ({@code size} bytes, little-endian), as produced by walks that
 * set accessed/dirty flags and by event delivery; kept as a value so traces can show it.
 */
public record MemWrite(long hpa, int size, long value) {
    public MemWrite {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("size " + size);
        }
    }
}
