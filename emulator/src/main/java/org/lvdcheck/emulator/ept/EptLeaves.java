package org.lvdcheck.emulator.ept;

import java.util.function.Consumer;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * Every translation an EPT holds: a walk of all four levels from the EPTP's PML4 that reports
 * each present leaf (4 KiB, 2 MiB or 1 GiB) with its effective rights, the AND of the R, W
 * and X bits of every entry on its path (SDM Vol. 3C 28.2.2, 28.2.3.2). For whole-EPT questions
 * (which frames can a domain write?); translation proper goes through {@link EptWalk}.
 */
public final class EptLeaves {
    private EptLeaves() {
    }

    /** A present leaf: guest-physical [gpa, gpa + size) maps host-physical [hpa, hpa + size) with rights {@code rwx}. */
    public record Leaf(long gpa, long hpa, long size, int rwx) {
        /** Readable and writable: W without R is a misconfiguration, never a write (28.2.3.1). */
        public boolean writable() {
            return (rwx & EptEntry.R) != 0 && (rwx & EptEntry.W) != 0;
        }
    }

    /** Reports every present leaf of the EPT {@code eptp} in ascending guest-physical order. */
    public static void forEach(PhysReader mem, long eptp, int maxPhysAddr, Consumer<Leaf> sink) {
        walk(mem, Eptp.pml4Address(eptp, maxPhysAddr), 4, 0, EptEntry.RWX, maxPhysAddr, sink);
    }

    private static void walk(PhysReader mem, long table, int level, long gpaBase, int rights, int maxPhysAddr,
                             Consumer<Leaf> sink) {
        long addressMask = ((1L << maxPhysAddr) - 1) & ~0xFFFL;
        int shift = 12 + 9 * (level - 1);
        for (int i = 0; i < 512; i++) {
            long e = mem.read(table + 8L * i, 8);
            int rwx = EptEntry.rwx(e);
            if (rwx == 0) {
                continue;
            }
            long gpa = gpaBase | ((long) i << shift);
            int effective = rights & rwx;
            if (level == 1 || (level <= 3 && (e & EptEntry.LARGE) != 0)) {
                long size = 1L << shift;
                sink.accept(new Leaf(gpa, e & addressMask & ~(size - 1), size, effective));
            } else {
                walk(mem, e & addressMask, level - 1, gpa, effective, maxPhysAddr, sink);
            }
        }
    }
}
