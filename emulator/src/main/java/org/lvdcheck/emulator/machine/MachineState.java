package org.lvdcheck.emulator.machine;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * The whole dynamic state of the machine: physical memory (page tables, EPTs, EPTP lists,
 * stacks and data all live in it, so a write to a page table is a write to memory), the
 * CPUs, the threads, which domains are alive, and which CPUs the hypervisor's kill IPI has
 * not reached yet. Immutable: a step builds a new state that shares every frame and record it
 * did not change. Statistics are not state.
 *
 * @param killedDomains bit d set when the domain in EPTP-list slot d was killed
 * @param killIpis bit c set when the hypervisor sent CPU c its kill IPI and it has not arrived
 */
public record MachineState(PhysMem mem, List<CpuState> cpus, List<ThreadState> threads, long killedDomains,
                           long killIpis) {
    public MachineState {
        cpus = List.copyOf(cpus);
        threads = List.copyOf(threads);
    }

    /** A state with no kill IPI in flight. */
    public MachineState(PhysMem mem, List<CpuState> cpus, List<ThreadState> threads, long killedDomains) {
        this(mem, cpus, threads, killedDomains, 0);
    }

    public CpuState cpu(int c) {
        return cpus.get(c);
    }

    public MachineState withCpu(int c, CpuState s) {
        List<CpuState> l = new ArrayList<>(cpus);
        l.set(c, s);
        return new MachineState(mem, l, threads, killedDomains, killIpis);
    }

    public MachineState withThread(int t, ThreadState s) {
        List<ThreadState> l = new ArrayList<>(threads);
        l.set(t, s);
        return new MachineState(mem, cpus, l, killedDomains, killIpis);
    }

    public MachineState withMem(PhysMem m) {
        return new MachineState(m, cpus, threads, killedDomains, killIpis);
    }

    public MachineState withKilled(long mask) {
        return new MachineState(mem, cpus, threads, mask, killIpis);
    }

    /** Whether CPU c has the hypervisor's kill IPI pending. */
    public boolean killIpiPending(int c) {
        return (killIpis & 1L << c) != 0;
    }

    /** CPU c's kill IPI pending ({@code true}: sent) or not ({@code false}: arrived). */
    public MachineState withKillIpi(int c, boolean pending) {
        long m = pending ? killIpis | 1L << c : killIpis & ~(1L << c);
        return new MachineState(mem, cpus, threads, killedDomains, m);
    }
}
