package org.lvdcheck.emulator.machine;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * The whole dynamic state of the machine: physical memory (page tables, EPTs, EPTP lists,
 * stacks and data all live in it, so a write to a page table is a write to memory), the
 * CPUs, the threads, and which domains are alive. Immutable: a step builds a new state
 * that shares every frame and record it did not change. Statistics are not state.
 *
 * @param killedDomains bit d set when the domain in EPTP-list slot d was killed
 */
public record MachineState(PhysMem mem, List<CpuState> cpus, List<ThreadState> threads, long killedDomains) {
    public MachineState {
        cpus = List.copyOf(cpus);
        threads = List.copyOf(threads);
    }

    public CpuState cpu(int c) {
        return cpus.get(c);
    }

    public MachineState withCpu(int c, CpuState s) {
        List<CpuState> l = new ArrayList<>(cpus);
        l.set(c, s);
        return new MachineState(mem, l, threads, killedDomains);
    }

    public MachineState withThread(int t, ThreadState s) {
        List<ThreadState> l = new ArrayList<>(threads);
        l.set(t, s);
        return new MachineState(mem, cpus, l, killedDomains);
    }

    public MachineState withMem(PhysMem m) {
        return new MachineState(m, cpus, threads, killedDomains);
    }

    public MachineState withKilled(long mask) {
        return new MachineState(mem, cpus, threads, mask);
    }
}
