package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.spec.asm.LinkedImage;

/**
 * A driver executes WRMSR to IA32_LSTAR. As built, the hypervisor emulates it for the domain
 * (it only logs "wrmsr from LCD", LVD-AS-BUILT.md §3.4); hardened, the exit from the
 * domain's EPT is refused and the domain is killed, the CPU resuming the kernel at the gate's
 * error return.
 */
class DriverWrmsrTest {
    static final long LSTAR = 0xC0000082L;

    /** Runs CPU 0 until it executes driver code, then makes its next instruction a WRMSR. */
    static MachineState insideDriverAboutToWrmsr(Machine m) {
        MachineState s = m.initial();
        LinkedImage net = m.system().images().get("net");
        long lo = net.sectionStart(".text.dummy_net");
        long hi = net.sectionEnd(".text.dummy_net");
        int netView = m.system().views().indexOf("net");
        for (int i = 0; i < 10_000; i++) {
            long rip = s.cpu(0).regs().rip();
            if (m.viewOf(s, 0) == netView && rip >= lo && rip < hi) {
                long hpa = m.hostAddress(s, 0, rip);
                assertTrue(hpa >= 0);
                MachineState patched = s.withMem(s.mem().edit().write(hpa, 2, 0x300F).freeze()); // 0f 30 = wrmsr
                ArchRegs r = patched.cpu(0).regs().withGpr(ArchRegs.RCX, LSTAR).withGpr(ArchRegs.RAX, 0x41414141L)
                        .withGpr(ArchRegs.RDX, 0);
                return patched.withCpu(0, patched.cpu(0).withRegs(r));
            }
            s = m.next(s, new Action.Execute(0)).state();
        }
        throw new AssertionError("CPU 0 never reached the driver");
    }

    static Event.VmExit exitOf(List<Event> events) {
        return events.stream().filter(e -> e instanceof Event.VmExit).map(e -> (Event.VmExit) e).findFirst()
                .orElseThrow(() -> new AssertionError("no VM exit in " + events));
    }

    @Test
    void asBuiltEmulatesTheDriversWrmsr() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        MachineState s = insideDriverAboutToWrmsr(m);
        long rip = s.cpu(0).regs().rip();
        Step st = m.next(s, new Action.Execute(0));
        Event.VmExit x = exitOf(st.events());
        assertEquals(32, x.reason());
        assertEquals("domain", x.origin());
        assertEquals("log-emulate", x.decision());
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Primitive p && p.detail().contains("0xc0000082")),
                st.events().toString());
        assertEquals(rip + 2, st.state().cpu(0).regs().rip(), "the driver continues after its WRMSR");
        assertEquals(CpuMode.RUNNING, st.state().cpu(0).mode());
        assertEquals(0, st.state().killedDomains());
    }

    @Test
    void hardenedRefusesTheDriversWrmsrAndKillsTheDomain() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 1);
        MachineState s = insideDriverAboutToWrmsr(m);
        Step st = m.next(s, new Action.Execute(0));
        Event.VmExit x = exitOf(st.events());
        assertEquals(32, x.reason());
        assertEquals("domain", x.origin());
        assertEquals("kill", x.decision());
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Killed k && k.domain().equals("net")));
        assertTrue(st.events().stream().noneMatch(e -> e instanceof Event.Primitive p && p.name().equals("hv: wrmsr")),
                "the MSR is not written");
        long errorReturn = m.system().images().get("kernel").symbol("lvd_gate_error_return").orElseThrow();
        assertEquals(errorReturn, st.state().cpu(0).regs().rip());
        assertEquals(0, m.viewOf(st.state(), 0), "back in the kernel's view");
        int slot = m.system().viewSlots()[m.system().views().indexOf("net")];
        assertEquals(1L << slot, st.state().killedDomains());
        for (int c = 0; c < m.system().cpus(); c++) {
            assertEquals(0, st.state().mem().read(m.system().eptpLists()[c] + 8L * slot, 8),
                    "the domain's EPTP left cpu" + c + "'s EPTP list");
        }
    }
}
