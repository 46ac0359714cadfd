package org.lvdcheck.emulator.machine;

import org.lvdcheck.emulator.cpu.ArchRegs;

/**
 * One logical processor: its architectural registers, the EPTP the VMCS holds now (and
 * its EPTP-list index), what it is doing, which thread runs on it, and its LAPIC's
 * in-service vectors (cleared by EOI).
 *
 * @param thread index of the running thread in {@link MachineState#threads()}, -1 when idle
 */
public record CpuState(ArchRegs regs, long eptp, int eptpIndex, CpuMode mode, int thread, VectorSet inService) {
    public CpuState withRegs(ArchRegs r) {
        return new CpuState(r, eptp, eptpIndex, mode, thread, inService);
    }

    public CpuState withEptp(long e, int index) {
        return new CpuState(regs, e, index, mode, thread, inService);
    }

    public CpuState withMode(CpuMode m) {
        return new CpuState(regs, eptp, eptpIndex, m, thread, inService);
    }

    public CpuState withThread(int t) {
        return new CpuState(regs, eptp, eptpIndex, mode, t, inService);
    }

    public CpuState withInService(VectorSet s) {
        return new CpuState(regs, eptp, eptpIndex, mode, thread, s);
    }
}
