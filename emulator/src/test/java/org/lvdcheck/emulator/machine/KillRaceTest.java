package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * A kill on another CPU clears net's EPTP-list slot while CPU 0's thread is inside
 * {@code vmfunc_trampoline_entry}, past the liveness check, at the trampoline's {@code vmfunc}
 * (HARDENING.md S15-kill-race). The VMFUNC names an invalid slot, fails and exits (SDM Vol. 3C
 * 25.5.5.3: a list entry that is not a valid EPTP is a VM exit, reason VMFUNC), origin the kernel.
 * As built the hypervisor halts the vCPU (AVAIL); lvd-hardened kills the thread's domain and
 * resumes the thread at the gate's error return on the kernel stack the gate saved.
 */
class KillRaceTest {
    /** CPU 0 of {@code spec} at the trampoline's {@code vmfunc}, and net's slot cleared in every EPTP list. */
    private static Step raceAtTheTrampoline(Machine m) {
        LvdSystem sys = m.system();
        long trampoline = sys.images().get("kernel").symbol("vmfunc_trampoline").orElseThrow();
        MachineState s = m.initial();
        for (int i = 0; i < 5_000 && !(s.cpu(0).regs().rip() == trampoline && m.viewOf(s, 0) == 0); i++) {
            s = m.next(s, new Action.Execute(0)).state();
        }
        assertEquals(trampoline, s.cpu(0).regs().rip(), "cpu0 reaches the trampoline's vmfunc");
        int slot = sys.viewSlots()[sys.views().indexOf("net")];
        assertEquals(slot, s.cpu(0).regs().gpr(org.lvdcheck.emulator.cpu.ArchRegs.RCX) & 0xFFFF_FFFFL, "ECX names net");
        PhysMem.Editor e = s.mem().edit();
        for (int cpu = 0; cpu < sys.cpus(); cpu++) {
            e.write(sys.eptpLists()[cpu] + 8L * slot, 8, 0);
        }
        return m.next(s.withMem(e.freeze()), new Action.Execute(0));
    }

    private static Machine machine(String spec) throws Exception {
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load(spec), 1);
        return new Machine(b.system(), b.initial());
    }

    @Test
    void asBuiltTheFailedVmfuncHaltsTheCpu() throws Exception {
        Step st = raceAtTheTrampoline(machine("lvd-as-built"));
        assertEquals(CpuMode.STOPPED, st.state().cpu(0).mode(), st.events().toString());
        assertTrue(st.events().stream().anyMatch(x -> x instanceof Event.VmExit v && v.reasonName().equals("vmfunc")
                && v.origin().equals("kernel") && v.decision().equals("halt")), st.events().toString());
    }

    @Test
    void hardenedTheFailedVmfuncKillsTheDomainAndTheCallReturns() throws Exception {
        Machine m = machine("lvd-hardened");
        Step st = raceAtTheTrampoline(m);
        LvdSystem sys = m.system();
        List<Event> ev = st.events();
        assertTrue(ev.stream().anyMatch(x -> x instanceof Event.VmExit v && v.reasonName().equals("vmfunc")
                && v.origin().equals("kernel") && v.decision().equals("kill")), ev.toString());
        assertTrue(ev.stream().anyMatch(x -> x instanceof Event.Killed k && k.domain().equals("net")), ev.toString());
        CpuState cpu = st.state().cpu(0);
        assertEquals(CpuMode.RUNNING, cpu.mode());
        assertEquals(sys.images().get("kernel").symbol("lvd_gate_error_return").orElseThrow(), cpu.regs().rip());
        assertEquals(0, m.viewOf(st.state(), 0), "under the kernel's EPT");
        // Run on: the thread unwinds to its caller with -EIO and finishes its work.
        MachineState s = st.state();
        for (int i = 0; i < 2_000 && s.cpu(0).mode() == CpuMode.RUNNING; i++) {
            Step n = m.next(s, new Action.Execute(0));
            assertTrue(n.events().stream().noneMatch(x -> x instanceof Event.Stopped), n.events().toString());
            s = n.state();
        }
    }
}
