package org.lvdcheck.emulator.mem;

/**
 * Read access to host-physical memory: implemented by the immutable {@link PhysMem} and by its
 * {@link PhysMem.Editor}, so a walk can run over either (an editor sees its own A/D writes).
 */
public interface PhysReader {
    /** Reads {@code size} (1, 2, 4 or 8) bytes little-endian at {@code hpa}; absent frames read 0. */
    long read(long hpa, int size);

    /** MAXPHYADDR of the memory: host-physical addresses are below 2^maxPhysAddrBits. */
    int maxPhysAddrBits();

    /** Whether any aligned 8-byte word the {@code size} bytes at {@code hpa} touch holds ⊤ (DESIGN.md §3). */
    boolean isTainted(long hpa, int size);
}
