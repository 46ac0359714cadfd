package org.lvdcheck.checker.model;

import java.util.Arrays;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.machine.MachineState;

/**
 * One state of the explored system: the machine plus the environment's remaining budget, i.e.
 * how many more times each bounded interrupt source may still fire at each CPU (DESIGN.md §5:
 * an environment bound is written in the spec and printed in the verdict). Immutable.
 *
 * @param machine the machine state
 * @param firesLeft remaining firings, index {@code source * cpus + cpu}; -1 for an unbounded source
 * @param caller ghost field per CPU: the domain view the CPU last left for the kernel (0 before
 *               any), so CALL can name the domain a dispatched call came from
 * @param crossing ghost field per thread: its open gate calls and the events it is handling, with
 *                 the context each must restore (INV5, IRQ)
 * @param deferred one bit per CPU: the interrupt arrivals at this CPU are deferred here, because
 *                 they were explored at an earlier point of the same run of interrupt-transparent
 *                 instructions (docs/MODEL.md, "Coarse interrupt points"); always 0 unless
 *                 {@code check --coarse-interrupts}
 * @param resume one byte per CPU (CPU c at bits 8c..8c+7): bit 7 set while the CPU resumes in
 *               transition code ({@link #resumesInTransitionCode}), bits 0–3 the control flags
 *               AC, DF, TF, IF its interrupt frame held
 */
public record CheckState(MachineState machine, int[] firesLeft, int[] caller, CrossingGhost crossing, int deferred,
                         long resume, Image image) {
    public CheckState {
        firesLeft = firesLeft.clone();
        caller = caller.clone();
        java.util.Objects.requireNonNull(crossing, "crossing");
    }

    /**
     * The vector-class image (docs/MODEL.md, "Vector classes"): where CPU {@code cpu} took the
     * representative vector's arrival in place of the other vector's, {@code state} is the state the
     * other vector's run is in, kept beside this one's until the two are equal again.
     *
     * @param words the host addresses of the 8-byte words in which the image's memory differs from the
     *        state's (derived from the two: not part of equality)
     */
    public record Image(int cpu, CheckState state, long[] words) {
        public Image {
            words = words.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Image i && cpu == i.cpu && state.equals(i.state);
        }

        @Override
        public int hashCode() {
            return 31 * cpu + state.hashCode();
        }
    }

    public CheckState(MachineState machine, int[] firesLeft, int[] caller, CrossingGhost crossing, int deferred,
                      long resume) {
        this(machine, firesLeft, caller, crossing, deferred, resume, null);
    }

    /** This state with {@code i} as its vector-class image (null: none). */
    public CheckState withImage(Image i) {
        return i == image ? this : new CheckState(machine, firesLeft, caller, crossing, deferred, resume, i);
    }

    /** A state with nothing crossing. */
    public CheckState(MachineState machine, int[] firesLeft, int[] caller) {
        this(machine, firesLeft, caller, CrossingGhost.NONE, 0, 0L);
    }

    /** Whether the arrivals at {@code cpu} are deferred in this state. */
    public boolean arrivalsDeferred(int cpu) {
        return (deferred & (1 << cpu)) != 0;
    }

    public CheckState withDeferred(int mask) {
        return mask == deferred ? this : new CheckState(machine, firesLeft, caller, crossing, mask, resume, image);
    }

    /** The control flags a resumption keeps, in the order of their bits in {@link #resume}. */
    private static final long[] RESUMED = {Rflags.AC, Rflags.DF, Rflags.TF, Rflags.IF};

    /**
     * Whether {@code cpu} has just popped, with an IRETQ, the frame of an interrupt that found the
     * driver's registers in transition code, and resumes at a transition-code instruction of the
     * explorer's choice (docs/MODEL.md, "Resuming in transition code").
     */
    public boolean resumesInTransitionCode(int cpu) {
        return (resume >>> (8 * cpu) & 0x80) != 0;
    }

    /** The control flags (AC, DF, TF, IF) the frame {@code cpu} resumes from held, as RFLAGS bits. */
    public long resumedFlags(int cpu) {
        long out = 0;
        for (int i = 0; i < RESUMED.length; i++) {
            if ((resume >>> (8 * cpu + i) & 1) != 0) {
                out |= RESUMED[i];
            }
        }
        return out;
    }

    /** This state with {@code cpu} resuming from a frame whose RFLAGS is {@code rflags}, or not resuming (-1). */
    public CheckState withResume(int cpu, long rflags) {
        long b = 0;
        if (rflags != -1) {
            b = 0x80;
            for (int i = 0; i < RESUMED.length; i++) {
                if ((rflags & RESUMED[i]) != 0) {
                    b |= 1L << i;
                }
            }
        }
        long r = resume & ~(0xFFL << (8 * cpu)) | b << (8 * cpu);
        return r == resume ? this : new CheckState(machine, firesLeft, caller, crossing, deferred, r, image);
    }

    public int firesLeft(int source, int cpus, int cpu) {
        return firesLeft[source * cpus + cpu];
    }

    /** This state with one firing of {@code source} at {@code cpu} consumed (unbounded sources stay -1). */
    public CheckState fired(int source, int cpus, int cpu, MachineState next) {
        int[] f = firesLeft;
        int i = source * cpus + cpu;
        if (f[i] > 0) {
            f = f.clone();
            f[i]--;
        }
        return new CheckState(next, f, caller, crossing, deferred, resume, image);
    }

    public CheckState withMachine(MachineState next) {
        return new CheckState(next, firesLeft, caller, crossing, deferred, resume, image);
    }

    public CheckState withCrossing(CrossingGhost g) {
        return g == crossing ? this : new CheckState(machine, firesLeft, caller, g, deferred, resume, image);
    }

    public CheckState withCaller(int cpu, int view) {
        if (caller[cpu] == view) {
            return this;
        }
        int[] c = caller.clone();
        c[cpu] = view;
        return new CheckState(machine, firesLeft, c, crossing, deferred, resume, image);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckState c && machine.equals(c.machine) && Arrays.equals(firesLeft, c.firesLeft)
                && Arrays.equals(caller, c.caller) && crossing.equals(c.crossing) && deferred == c.deferred
                && resume == c.resume && java.util.Objects.equals(image, c.image);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * machine.hashCode() + Arrays.hashCode(firesLeft)) + Arrays.hashCode(caller))
                + crossing.hashCode() + 977 * deferred + Long.hashCode(resume) + java.util.Objects.hashCode(image);
    }

    @Override
    public String toString() {
        return "CheckState" + Arrays.toString(firesLeft) + Arrays.toString(caller) + crossing
                + (deferred == 0 ? "" : " deferred=" + Integer.toBinaryString(deferred))
                + (resume == 0 ? "" : " resume=" + Long.toHexString(resume))
                + (image == null ? "" : " image on cpu" + image.cpu());
    }
}
