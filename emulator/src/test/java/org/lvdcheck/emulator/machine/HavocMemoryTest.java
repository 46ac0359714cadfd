package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;
import static org.lvdcheck.emulator.machine.CompromisedRig.symbol;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.exec.AccessKind;
import org.lvdcheck.emulator.exec.MemResult;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Havoc memory and the tracked frames (DESIGN.md §3) on lvd-hardened: what trusted readers and
 * the driver see, and the driver's write move on a frame only one CPU's domain view maps.
 */
class HavocMemoryTest {
    private static final long LVD_STACK_GVA = 0xffffff80c0000100L;
    private static final int TIMER = 0xef;

    @Test
    void trustedReadsOfAFrameEveryCpusDomainWritesAreTop() throws Exception {
        Machine m = machine("lvd-hardened");
        LvdSystem sys = m.system();
        int net = sys.views().indexOf("net");
        PhysMem mem = m.initial().mem();
        CpuState cpu = m.initial().cpu(0).withVmcs(m.initial().cpu(0).vmcs().withEptp(sys.eptps()[net][0]));
        ArchRegs regs = cpu.regs();
        CpuContext trusted = new CpuContext(sys, mem, cpu, sys.domainWrites()::havoc, true);
        MemResult.Ok t = assertInstanceOf(MemResult.Ok.class,
                trusted.read(regs, ArchRegs.DS, LVD_STACK_GVA, 8, AccessKind.DATA_READ));
        assertTrue(t.tainted(), "another CPU's driver may have written it: ⊤");
        assertEquals(0, t.value());
        CpuState kernel = m.initial().cpu(0);
        long task = sys.layout().taskGva()[0];
        MemResult.Ok k = assertInstanceOf(MemResult.Ok.class, new CpuContext(sys, mem, kernel, sys.domainWrites()::havoc,
                false).read(kernel.regs(), ArchRegs.DS, task, 8, AccessKind.DATA_READ));
        assertFalse(k.tainted(), "kernel data no domain maps stays concrete");
    }

    @Test
    void aHavocFrameHoldsNothingUnderTheCompromisedDriverAndKeepsItsWritesInTheConcreteMachine() throws Exception {
        Machine m = machine("lvd-hardened");
        LvdSystem sys = m.system();
        long stackHpa = sys.spec().region("net.stack").orElseThrow().hpa();
        assertTrue(sys.domainWrites().havoc(stackHpa >>> 12), "every CPU's net view writes the LVD stacks");
        PhysMem written = m.initial().mem().edit().write(stackHpa + 0x100, 8, 0x1234).domainWrite(stackHpa >>> 12)
                .forget(stackHpa + 0x200, 16).allocateFrame((stackHpa >>> 12) + 1).freeze();
        assertEquals(m.initial().mem(), written, "every edit of a havoc frame is dropped");
        assertEquals(m.initial().mem().contentHash(7), written.contentHash(7));
        long task = sys.layout().taskGva()[0];
        long taskHpa = m.hostAddress(m.initial(), 0, task);
        PhysMem kernel = m.initial().mem().edit().write(taskHpa, 8, 0x1234).freeze();
        assertEquals(0x1234, kernel.read(taskHpa, 8), "kernel memory keeps its writes");
        Machine concrete = new Machine(sys, SystemBuilder.build(SpecLoader.load("lvd-hardened"), 1).initial());
        PhysMem kept = concrete.initial().mem().edit().write(stackHpa + 0x100, 8, 0x1234).freeze();
        assertEquals(0x1234, kept.read(stackHpa + 0x100, 8), "the concrete machine keeps the driver's stack");
    }

    @Test
    void theDriversOwnDispatcherReadsTopIdsForksPerExportedFunctionAndItsProgramEndsInDriverControl() throws Exception {
        // The LVD-side vmfunc_dispatch pushes the message words onto the LVD stack (dropped) and
        // calls its __vmfunc_dispatch, which reads ⊤ ids: one class per function net's IDL
        // exports (ndo_start_xmit), then every other id. dummy-net's program then returns through
        // a return address it reads back as ⊤: the driver has the CPU.
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        assertEquals(symbol(m, "net", "vmfunc_dispatch"), s.cpu(0).regs().rip());
        MachineState call = CompromisedRig.runUntil(m, s,
                x -> m.actions(x).stream().anyMatch(a -> a instanceof Action.Dispatch));
        List<Action> actions = m.actions(call);
        assertTrue(actions.contains(new Action.Dispatch(0, 0)));
        assertTrue(actions.contains(new Action.Dispatch(0, 1)));
        assertFalse(actions.contains(new Action.Dispatch(0, 2)), "ndo_start_xmit, then every other id");
        assertEquals(symbol(m, "net", "ndo_start_xmit"), m.next(call, new Action.Dispatch(0, 0)).state().cpu(0).regs().rip());
        MachineState after = CompromisedRig.runUntil(m, call, x -> x.cpu(0).regs().tainted(ArchRegs.T_RIP));
        assertTrue(m.inDriverCode(after, 0), "driver control");
        for (long f : s.mem().frameNumbers()) {
            if (m.system().domainWrites().havoc(f)) {
                assertEquals(m.initial().mem().frameHash(f), after.mem().frameHash(f), "the pushes left it as built");
            }
        }
    }

    @Test
    void theWriteMoveTaintsEveryTrackedFrameOfItsCpuAndSetsTheirDomainWroteBits() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        DriverMove.Write w = writeMove(m, s, 0);
        // cpu0's IST stacks: 0x2004000 up to 0x2010000 (the spec's "ept net cpu=0 gpa=0x2004000 size=48K").
        List<Long> frames = new java.util.ArrayList<>();
        for (long f = 0x2004000L >>> 12; f < 0x2010000L >>> 12; f++) {
            frames.add(f);
        }
        assertEquals(frames, w.frames(), "one move, every frame cpu0's domain view writes, ascending");
        assertFalse(w.frames().contains(0x2024000L >>> 12), "cpu1's IST stacks are not in cpu0's domain view");
        assertEquals(1, m.actions(s).stream().filter(a -> a instanceof Action.Driver d && d.move() instanceof DriverMove.Write)
                .count(), "no move per frame");
        Step st = move(m, s, w);
        for (long f : frames) {
            assertTrue(st.state().mem().domainWrote(f));
            assertTrue(st.state().mem().isTainted(f << 12, 8));
            assertTrue(st.state().mem().isTainted((f << 12) + 0xFF8, 8));
            assertFalse(s.mem().domainWrote(f));
        }
        assertFalse(st.state().mem().domainWrote(0x2024000L >>> 12));
        assertFalse(st.state().mem().isTainted(0x2024000L, 8), "cpu1's IST stacks stay as they were");
        assertEquals(s.cpu(0), st.state().cpu(0), "a write leaves the CPU as it was: the program may go on");
        assertEquals("write 12 tracked frames 0x2004000-0x200ffff", w.toString());
    }

    private static DriverMove.Write writeMove(Machine m, MachineState s, int cpu) {
        return m.actions(s).stream().filter(a -> a.cpu() == cpu && a instanceof Action.Driver d
                && d.move() instanceof DriverMove.Write).map(a -> (DriverMove.Write) ((Action.Driver) a).move())
                .findFirst().orElseThrow();
    }

    @Test
    void theHardwarePushOverATrackedFrameCleansTheWordsItWritesOnly() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        long top = 0x2010000L; // cpu0's IST 5 (16 KiB from 0x200c000)
        long frame = (top - 0x1000) >>> 12;
        s = move(m, s, writeMove(m, s, 0)).state();
        long benignRip = s.cpu(0).regs().rip();
        Action timer = new Action.Interrupt(0, TIMER);
        assertTrue(m.enabled(s, timer), "the driver runs with interrupts on");
        PhysMem mem = m.next(s, timer).state().mem();
        assertFalse(mem.isTainted(top - 8, 8), "SS: the hardware's clean value");
        assertTrue(mem.isTainted(top - 16, 8), "RSP: the driver's, clobbered");
        assertFalse(mem.isTainted(top - 24, 8), "RFLAGS: the control flags are concrete");
        assertTrue(Rflags.statusTop(mem.read(top - 24, 8)), "and the image marks the driver's status flags");
        assertFalse(mem.isTainted(top - 32, 8), "CS");
        assertFalse(mem.isTainted(top - 40, 8), "RIP: where the driver's program was");
        assertEquals(benignRip, mem.read(top - 40, 8));
        assertTrue(mem.isTainted(top - 0x1000, 8), "words the push did not write stay ⊤");
        assertTrue(mem.domainWrote(frame), "the bit records the driver's write since");
    }
}
