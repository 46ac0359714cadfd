package org.lvdcheck.emulator.ept;

import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.testutil.Frames;

/** An EPT with one mapping built by hand-writable steps, plus access to raw entries. */
final class EptTestRig {
    final CpuCaps caps;
    final PhysMem.Editor mem;
    final EptBuilder ept;

    EptTestRig(CpuCaps caps) {
        this.caps = caps;
        this.mem = PhysMem.empty(caps.maxPhysAddr()).edit();
        this.ept = EptBuilder.create(mem, new Frames(0x100_0000L), caps);
    }

    /** Address of the level-{@code level} entry for gpa (the path must exist). */
    long entryAddr(long gpa, int level) {
        long table = ept.root();
        for (int l = 4; l > level; l--) {
            long e = mem.read(table + 8L * ((gpa >>> (12 + 9 * (l - 1))) & 0x1FF), 8);
            table = e & EptEntry.ADDRESS_MASK;
        }
        return table + 8L * ((gpa >>> (12 + 9 * (level - 1))) & 0x1FF);
    }

    long entry(long gpa, int level) {
        return mem.read(entryAddr(gpa, level), 8);
    }

    void setEntry(long gpa, int level, long value) {
        mem.write(entryAddr(gpa, level), 8, value);
    }

    EptResult translate(long gpa, EptAccess access, boolean ad) {
        return EptWalk.translate(mem, ept.eptp(ad), gpa, access, caps);
    }

    EptTestRig map4k(long gpa, long hpa, int rwx) {
        ept.map(gpa, hpa, 0x1000, rwx, PageSize.SIZE_4K);
        return this;
    }
}
