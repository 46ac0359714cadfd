package org.lvdcheck.properties.mapping;

import java.util.TreeSet;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.mem.PhysReader;

/** A physical-memory reader that remembers which frames were read: what a cached analysis must cover. */
final class RecordingReader implements PhysReader {
    private final PhysReader mem;
    final TreeSet<Long> frames = new TreeSet<>();

    RecordingReader(PhysReader mem) {
        this.mem = mem;
    }

    @Override
    public long read(long hpa, int size) {
        frames.add(hpa >>> PhysMem.FRAME_SHIFT);
        return mem.read(hpa, size);
    }

    @Override
    public int maxPhysAddrBits() {
        return mem.maxPhysAddrBits();
    }

    @Override
    public boolean isTainted(long hpa, int size) {
        return mem.isTainted(hpa, size);
    }
}
