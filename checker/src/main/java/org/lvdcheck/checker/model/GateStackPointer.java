package org.lvdcheck.checker.model;

import java.util.OptionalLong;

import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.asm.LinkedImage;

/**
 * The gate's saved stack pointer (docs/MODEL.md, "The gate's saved stack pointer"). The gate stores
 * the kernel's RSP in the CPU's state page ({@code VMFUNC_kernel_esp}) before it enters a domain, and
 * only code on the way out of a domain reads it (the springboard and the trampoline's return after
 * their VMFUNC to the kernel's view, the entry code of an interrupt or exception that found a domain
 * entered, the hypervisor's kill resuming the kernel at the gate's error return). After the crossing
 * returns, the word still points at the gate's frame on the thread's kernel stack, a frame below the
 * thread's RSP that nothing else points into: the dead-stack reduction took the stale word as a root
 * and kept the frame, and every way the crossing ended left its own frame there for the rest of the
 * run.
 *
 * <p>This reduction forgets the word ({@link PhysMem.Editor#forget}) in every state where the thread
 * running on that CPU has no gate call open ({@code TASK_nested_count} 0, a clean value) or no thread
 * runs there: the next crossing writes it before anything reads it. It is checked, not assumed: a
 * read of the forgotten word, or of the stack bytes it no longer keeps, is a read of a forgotten byte
 * and ends the exploration as inconclusive, as every read of one does.
 */
final class GateStackPointer {
    /** Per CPU: the host-physical address of its state page's saved-RSP word in the kernel's view. */
    private final long[] word;
    /** Per thread: the host-physical address of its task's gate nesting count. */
    private final long[] nesting;

    private GateStackPointer(long[] word, long[] nesting) {
        this.word = word;
        this.nesting = nesting;
    }

    /**
     * The reduction for {@code machine}'s system, or null when it has no state page, no saved-RSP word
     * or no gate nesting count, when a word does not lie in one host frame the kernel's view maps, or
     * when a domain can write a CPU's state page (a forgotten byte there would read as ⊤ for trusted
     * code instead of ending the exploration).
     */
    static GateStackPointer of(Machine machine) {
        var system = machine.system();
        LinkedImage kernel = system.images().get("kernel");
        if (kernel == null || system.layout().stateGva() == 0) {
            return null;
        }
        OptionalLong esp = kernel.symbol("VMFUNC_kernel_esp");
        OptionalLong nested = kernel.symbol("TASK_nested_count");
        if (esp.isEmpty() || nested.isEmpty()) {
            return null;
        }
        MachineState init = machine.initial();
        long[] word = new long[system.cpus()];
        for (int c = 0; c < word.length; c++) {
            word[c] = hostWord(machine, init, c, system.layout().stateGva() + esp.getAsLong(), 8);
            if (word[c] < 0 || system.domainWrites().domainWritable(word[c] >>> PhysMem.FRAME_SHIFT)) {
                return null; // a forgotten byte a domain can write reads as ⊤, not as an error
            }
        }
        long[] tasks = system.layout().taskGva();
        long[] counts = new long[init.threads().size()];
        for (int t = 0; t < counts.length; t++) {
            counts[t] = t < tasks.length ? hostWord(machine, init, 0, tasks[t] + nested.getAsLong(), 4) : -1;
            if (counts[t] < 0) {
                return null;
            }
        }
        return new GateStackPointer(word, counts);
    }

    /** Where CPU c's kernel view puts {@code size} bytes at {@code gva}, when they lie in one frame; else -1. */
    private static long hostWord(Machine machine, MachineState init, int c, long gva, int size) {
        long h = machine.hostAddress(init, c, gva); // the initial state runs the kernel's view
        return h >= 0 && (h >>> PhysMem.FRAME_SHIFT) == ((h + size - 1) >>> PhysMem.FRAME_SHIFT) ? h : -1;
    }

    /** The host-physical address of CPU c's saved-RSP word. */
    long word(int c) {
        return word[c];
    }

    /** {@code s} with the saved-RSP word of every CPU whose thread has no gate call open forgotten. */
    MachineState canonical(MachineState s) {
        PhysMem mem = s.mem();
        PhysMem.Editor e = null;
        for (int c = 0; c < word.length; c++) {
            if (mem.isAllDead(word[c], 8) || !outsideCrossings(s, c)) {
                continue;
            }
            if (e == null) {
                e = mem.edit();
            }
            e.forget(word[c], 8);
        }
        return e == null ? s : s.withMem(e.freeze());
    }

    /** Whether no thread runs on CPU c, or the one that does has a gate nesting count of 0 (live and clean). */
    private boolean outsideCrossings(MachineState s, int c) {
        int t = s.cpu(c).thread();
        if (t < 0) {
            return true;
        }
        long h = nesting[t];
        PhysMem mem = s.mem();
        return !mem.isDead(h, 4) && !mem.isTainted(h, 4) && mem.read(h, 4) == 0;
    }
}
