package org.lvdcheck.checker.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * What a trace step lists as changed (docs/TRACE-FORMAT.md, {@code steps[].changes}): a register
 * or memory word that holds a value the driver chose shows as ⊤, not as its canonical value 0,
 * and a word that only became ⊤ is a change.
 */
class TraceChangesTest {
    @Test
    void registersAndWordsTheDriverChoseShowAsTop() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        CpuState b = sys.initialState().machine().cpu(0);
        ArchRegs r = b.regs().withGpr(ArchRegs.RCX, 1);
        CpuState before = b.withRegs(r);
        CpuState after = b.withRegs(r.withTaint(ArchRegs.tGpr(ArchRegs.RCX) | ArchRegs.T_FLAGS, true)
                .withGpr(ArchRegs.RDX, 0x42));
        List<String> out = new ArrayList<>();
        TraceRecorder.cpuChanges(before, after, out);
        String flags = Long.toHexString(r.rflags() & ~ArchRegs.STATUS_FLAGS);
        assertEquals(List.of("rcx 1 -> ⊤", "rdx 0 -> 42", "rflags " + Long.toHexString(r.rflags()) + " -> " + flags
                + " (status flags ⊤)"), out);

        PhysMem m = PhysMem.empty(46).edit().write(0x5000, 8, 7).write(0x5008, 8, 0).freeze();
        PhysMem n = m.edit().write(0x5000, 8, 0, true).write(0x5008, 8, 0, true).freeze();
        List<String> words = new ArrayList<>();
        TraceRecorder.memoryChanges(m, n, words);
        assertEquals(List.of("mem[hpa 5000] 7 -> ⊤", "mem[hpa 5008] 0 -> ⊤"), words);
    }
}
