package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;

/**
 * The as-built hypervisor emulates every MSR access for every origin (LVD-AS-BUILT.md §3.3): an
 * MSR without a VMCS field is the processor's own, so one the processor does not have faults in
 * VMX root operation and the vCPU halts; one it has is read back as the model keeps it.
 */
class HypervisorMsrTest {
    static final long NO_SUCH_MSR = 0x1FFF;
    static final long STAR = 0xC0000081L;

    @Test
    void anMsrTheProcessorDoesNotHaveHaltsTheVcpu() throws Exception {
        Machine m = machine("lvd-as-built");
        for (DriverMove.Kind k : new DriverMove.Kind[] {DriverMove.Kind.WRMSR, DriverMove.Kind.RDMSR}) {
            Step st = move(m, inDriver(m), new DriverMove.Privileged(k, NO_SUCH_MSR));
            assertEquals("emulate", event(st.events(), Event.VmExit.class).decision().replace("log-", ""));
            Event.Stopped stop = event(st.events(), Event.Stopped.class);
            assertTrue(stop.why().contains("0x1fff") && stop.why().contains("VMX root"), stop.why());
            assertSame(CpuMode.STOPPED, st.state().cpu(0).mode(), k.toString());
        }
    }

    @Test
    void anMsrTheProcessorHasIsReadAsKept() throws Exception {
        Machine m = machine("lvd-as-built");
        MachineState s = inDriver(m);
        s = s.withCpu(0, s.cpu(0).withRegs(s.cpu(0).regs().withMsr(STAR, 0x0023_0010_0000_0000L)));
        Step st = move(m, s, new DriverMove.Privileged(DriverMove.Kind.RDMSR, STAR));
        ArchRegs r = st.state().cpu(0).regs();
        assertSame(CpuMode.RUNNING, st.state().cpu(0).mode());
        assertFalse(r.gprTainted(ArchRegs.RDX));
        assertEquals(0x0023_0010L, r.gpr(ArchRegs.RDX));
        assertEquals(0, r.gpr(ArchRegs.RAX));
    }
}
