package org.lvdcheck.emulator.machine;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.irq.Lapic;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * One logical processor: its architectural registers, its VMCS (whose EPTP and EPTP index
 * VMFUNC changes, and whose CR3-target values the hypervisor rewrites), its LAPIC (TPR,
 * in-service vectors until EOI), what it is doing, and which thread runs on it.
 *
 * @param thread index of the running thread in {@link MachineState#threads()}, -1 when idle
 */
public record CpuState(ArchRegs regs, Vmcs vmcs, Lapic lapic, CpuMode mode, int thread) {
    public CpuState withRegs(ArchRegs r) {
        return new CpuState(r, vmcs, lapic, mode, thread);
    }

    public CpuState withVmcs(Vmcs v) {
        return new CpuState(regs, v, lapic, mode, thread);
    }

    public CpuState withLapic(Lapic l) {
        return new CpuState(regs, vmcs, l, mode, thread);
    }

    public CpuState withMode(CpuMode m) {
        return new CpuState(regs, vmcs, lapic, m, thread);
    }

    public CpuState withThread(int t) {
        return new CpuState(regs, vmcs, lapic, mode, t);
    }

    public long eptp() {
        return vmcs.eptp();
    }

    public int eptpIndex() {
        return vmcs.eptpIndex();
    }
}
