package org.lvdcheck.emulator.machine;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * One logical processor: its architectural registers, its VMCS (whose EPTP and EPTP index
 * VMFUNC changes, and whose CR3-target values the hypervisor rewrites), what it is doing,
 * which thread runs on it, and its LAPIC's in-service vectors (cleared by EOI).
 *
 * @param thread index of the running thread in {@link MachineState#threads()}, -1 when idle
 */
public record CpuState(ArchRegs regs, Vmcs vmcs, CpuMode mode, int thread, VectorSet inService) {
    public CpuState withRegs(ArchRegs r) {
        return new CpuState(r, vmcs, mode, thread, inService);
    }

    public CpuState withVmcs(Vmcs v) {
        return new CpuState(regs, v, mode, thread, inService);
    }

    public CpuState withMode(CpuMode m) {
        return new CpuState(regs, vmcs, m, thread, inService);
    }

    public CpuState withThread(int t) {
        return new CpuState(regs, vmcs, mode, t, inService);
    }

    public CpuState withInService(VectorSet s) {
        return new CpuState(regs, vmcs, mode, thread, s);
    }

    public long eptp() {
        return vmcs.eptp();
    }

    public int eptpIndex() {
        return vmcs.eptpIndex();
    }
}
