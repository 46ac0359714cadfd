package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;

/** A kernel primitive returns like a C function: result in RAX, callee-saved kept, caller-saved clobbered. */
class PrimitiveAbiTest {
    @Test
    void pickStackReturnsWithTheCallerSavedRegistersClobbered() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 1);
        MachineState s = m.initial();
        for (int i = 0; i < 5_000; i++) {
            ArchRegs before = s.cpu(0).regs();
            Step st = m.next(s, new Action.Execute(0));
            if (st.events().stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals("pick_stack"))) {
                ArchRegs after = st.state().cpu(0).regs();
                assertEquals(0, after.gpr(ArchRegs.RAX));
                for (int g : new int[] {ArchRegs.RCX, ArchRegs.RDX, ArchRegs.RSI, ArchRegs.RDI, ArchRegs.R8, ArchRegs.R11}) {
                    assertEquals(KernelPrimitives.CLOBBERED, after.gpr(g), "register " + g);
                }
                for (int g : new int[] {ArchRegs.RBX, ArchRegs.RBP, ArchRegs.R12, ArchRegs.R15}) {
                    assertEquals(before.gpr(g), after.gpr(g), "callee-saved register " + g);
                }
                assertEquals(before.rsp(), after.rsp(), "the call pushed the return address and the primitive popped it");
                assertEquals(before.rip() + 5, after.rip(), "execution continues after the 5-byte call");
                return;
            }
            s = st.state();
        }
        assertTrue(false, "pick_stack never ran");
    }
}
