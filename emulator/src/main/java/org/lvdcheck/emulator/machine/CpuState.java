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
 * @param driverEntered the CPU runs trusted transition code under a domain's EPT that the compromised
 *                      driver's jump entered (never set under the concrete semantics): an interrupt there
 *                      finds registers the driver could have given that code itself (docs/MODEL.md,
 *                      "Resuming in transition code")
 */
public record CpuState(ArchRegs regs, Vmcs vmcs, Lapic lapic, CpuMode mode, int thread, boolean driverEntered) {
    public CpuState(ArchRegs regs, Vmcs vmcs, Lapic lapic, CpuMode mode, int thread) {
        this(regs, vmcs, lapic, mode, thread, false);
    }

    public CpuState withRegs(ArchRegs r) {
        return new CpuState(r, vmcs, lapic, mode, thread, driverEntered);
    }

    public CpuState withVmcs(Vmcs v) {
        return new CpuState(regs, v, lapic, mode, thread, driverEntered);
    }

    public CpuState withLapic(Lapic l) {
        return new CpuState(regs, vmcs, l, mode, thread, driverEntered);
    }

    public CpuState withMode(CpuMode m) {
        return new CpuState(regs, vmcs, lapic, m, thread, driverEntered);
    }

    public CpuState withThread(int t) {
        return new CpuState(regs, vmcs, lapic, mode, t, driverEntered);
    }

    public CpuState withDriverEntered(boolean entered) {
        return entered == driverEntered ? this : new CpuState(regs, vmcs, lapic, mode, thread, entered);
    }

    public long eptp() {
        return vmcs.eptp();
    }

    public int eptpIndex() {
        return vmcs.eptpIndex();
    }
}
