package org.lvdcheck.checker.model;

import org.lvdcheck.emulator.irq.Lapic;
import org.lvdcheck.emulator.irq.VectorSet;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.ThreadState;
import org.lvdcheck.emulator.mem.Hash64;

/**
 * The 64-bit fingerprint of a state (DESIGN.md §5): a seeded hash over a canonical
 * serialization of everything the state holds — memory (frame numbers and contents, each
 * frame's hash cached in the frame), every register of every CPU, its VMCS and LAPIC, what
 * it runs, every thread's saved context, the killed domains, the kill IPIs in flight and the environment's remaining
 * firings and the ghost fields (the caller of each CPU, the crossings and handlers of each thread).
 * Never {@code hashCode}. Statistics are not part of the state, so they are not here.
 */
public final class StateFingerprint {
    private StateFingerprint() {
    }

    public static long of(CheckState s, long seed) {
        return of(s, s.machine().mem().contentHash(seed), seed);
    }

    /** As {@link #of(CheckState, long)}, with the memory's hash given (the CPU symmetry's mirror image). */
    static long of(CheckState s, long memoryHash, long seed) {
        MachineState m = s.machine();
        long h = Hash64.mix(seed ^ 0x6C7664636865636BL);
        h = Hash64.combine(h, memoryHash);
        for (CpuState c : m.cpus()) {
            h = Hash64.combine(h, c.regs().contentHash(seed));
            h = Hash64.combine(h, c.vmcs().contentHash(seed));
            h = lapic(h, c.lapic());
            h = Hash64.combine(h, c.mode().ordinal());
            h = Hash64.combine(h, c.thread() * 2L + (c.driverEntered() ? 1 : 0));
        }
        for (ThreadState t : m.threads()) {
            h = Hash64.combine(h, t.status().ordinal());
            h = Hash64.combine(h, t.lastCpu());
            h = Hash64.combine(h, t.saved().contentHash(seed));
        }
        h = Hash64.combine(h, m.killedDomains());
        h = Hash64.combine(h, m.killIpis());
        for (int f : s.firesLeft()) {
            h = Hash64.combine(h, f);
        }
        for (int v : s.caller()) {
            h = Hash64.combine(h, v);
        }
        h = s.crossing().hash(h, seed);
        if (s.resume() != 0) {
            h = Hash64.combine(h, 0x726573756d65L ^ s.resume());
        }
        if (s.deferred() != 0) {
            h = Hash64.combine(h, 0x6465666572726564L ^ s.deferred());
        }
        return Hash64.mix(h);
    }

    private static long lapic(long h, Lapic l) {
        h = Hash64.combine(h, l.apicId());
        h = Hash64.combine(h, l.tpr());
        h = vectors(h, l.irr());
        h = vectors(h, l.isr());
        return Hash64.combine(h, l.nmiPending() ? 1 : 0);
    }

    private static long vectors(long h, VectorSet v) {
        h = Hash64.combine(h, v.w0());
        h = Hash64.combine(h, v.w1());
        h = Hash64.combine(h, v.w2());
        return Hash64.combine(h, v.w3());
    }
}
