package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.trace.CommittedTracesTest;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.checker.trace.TraceFile;
import org.lvdcheck.checker.trace.TraceJson;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.machine.Adversary;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The driver's registers (docs/MODEL.md): along a committed trace whose driver takes the CPU from
 * trusted code, every state in which the driver holds a CPU at ⊤ RIP holds that CPU's registers
 * as the driver's moves start from them, clobbered; the step into driver control is judged as the
 * machine took it, with the values trusted code left.
 */
class DriverRegistersTest {
    @Test
    void everyStateWhereTheDriverHoldsACpuHoldsItsRegistersTop() throws Exception {
        TraceFile t = TraceJson.read(CommittedTracesTest.root().resolve("faults/fault-fpu-save.json"));
        SpecLoader.Loaded loaded = SpecLoader.load(t.specPath(), SourceSet.inMemory(t.inputs()));
        LvdTransitionSystem sys = Replay.system(loaded, true);
        CheckState s = sys.initialState();
        int held = 0;
        int leftByTrustedCode = 0;
        int step = 0;
        for (int i : t.choices()) {
            step++;
            LvdTransitionSystem.Taken taken = sys.take(s, sys.choices(s).get(i));
            MachineState m = taken.target().machine();
            for (int c = 0; c < m.cpus().size(); c++) {
                CpuState cpu = m.cpu(c);
                if (cpu.regs().tainted(ArchRegs.T_RIP) && sys.machine().inDriverCode(m, c)) {
                    held++;
                    assertEquals(Adversary.clobber(cpu), cpu.regs(), "step " + step + ", cpu" + c);
                    CpuState raw = taken.step().state().cpu(c);
                    if (!Adversary.clobber(raw).equals(raw.regs())) {
                        leftByTrustedCode++;
                    }
                }
            }
            s = taken.target();
        }
        assertTrue(held > 0, "the trace's driver holds a CPU");
        assertTrue(leftByTrustedCode > 0, "a step into driver control left values of trusted code, which the state "
                + "it leads to holds as ⊤");
    }
}
