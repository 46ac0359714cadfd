package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * What a LAPIC holds pending and the hypervisor's kill IPI are choices that consume no firing
 * of the environment, in a fixed place of the order; the fingerprint tells them apart.
 */
class PendingChoicesTest {
    /** lvd-hardened with both CPUs scheduled and cpu0 running the kernel with IF = 1. */
    private static CheckState running(LvdTransitionSystem sys) {
        CheckState s = sys.initialState();
        for (int c = 1; c >= 0; c--) {
            final int cpu = c;
            LvdTransitionSystem.Choice ch = sys.choices(s).stream()
                    .filter(x -> x.action().equals(new Action.Execute(cpu))).findFirst().orElseThrow();
            s = sys.take(s, ch).target();
        }
        MachineState m = s.machine();
        ArchRegs r = m.cpu(0).regs();
        r = r.withRflags(r.rflags() | Rflags.IF).withBlockingBySti(false).withBlockingByMovSs(false);
        return s.withMachine(m.withCpu(0, m.cpu(0).withRegs(r)));
    }

    private static CheckState with(CheckState s, MachineState m) {
        return s.withMachine(m);
    }

    private static List<String> cpu0(LvdTransitionSystem sys, CheckState s) {
        return sys.choices(s).stream().filter(c -> c.action().cpu() == 0).map(c -> c.label() + "/" + c.source()).toList();
    }

    @Test
    void pendingArrivalsAndTheKillIpiConsumeNoFiring() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        CheckState s = running(sys);
        int nic = -1;
        for (int i = 0; i < sys.machine().system().spec().sources().size(); i++) {
            if (sys.machine().system().spec().sources().get(i).name().equals("nic")) {
                nic = i;
            }
        }
        assertEquals(List.of("execute/-1", "interrupt 0xef/0", "interrupt 0x31/" + nic), cpu0(sys, s), "nothing pending");
        MachineState m = s.machine();
        CheckState pending = with(s, m.withCpu(0, m.cpu(0).withLapic(m.cpu(0).lapic().request(0x31).withNmiPending(true)))
                .withKillIpi(0, true));
        assertEquals(List.of("execute/-1", "kill IPI/-1", "interrupt 0x2/-1", "interrupt 0x31/-1", "interrupt 0xef/0"),
                cpu0(sys, pending), "the kill IPI, then the pending NMI and vector; the nic source's own choice is the pending one");
        LvdTransitionSystem.Choice taken = sys.choices(pending).stream()
                .filter(c -> c.action().equals(new Action.Interrupt(0, 0x31))).findFirst().orElseThrow();
        CheckState after = sys.take(pending, taken).target();
        assertArrayEquals(pending.firesLeft(), after.firesLeft(), "no firing consumed");
    }

    @Test
    void theFingerprintSeesPendingNmisAndKillIpis() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        CheckState s = running(sys);
        MachineState m = s.machine();
        long base = StateFingerprint.of(s, 7);
        assertNotEquals(base, StateFingerprint.of(with(s, m.withCpu(1, m.cpu(1).withLapic(m.cpu(1).lapic().withNmiPending(true)))), 7));
        assertNotEquals(base, StateFingerprint.of(with(s, m.withKillIpi(1, true)), 7));
        assertEquals(base, StateFingerprint.of(with(s, m.withKillIpi(1, true).withKillIpi(1, false)), 7));
    }
}
