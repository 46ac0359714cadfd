package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.CpuState;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.TargetOp;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * INV5 and IRQ on hand-built steps of the built-in systems: a state is the initial one with CPU 0
 * running thread t0 where the test puts it, and a step is the registers the test writes after it
 * with the event the machine would report. Each rule is shown broken and kept.
 */
class CrossingChecksTest {
    static final long KERNEL_RSP = 0xffff888003107f00L;
    static final long CPU0_IST5 = 0xffff88800200f000L;
    static final long CPU1_IST5 = 0xffff88800202f000L;

    record Rig(Machine machine, StepChecks checks) {
        static Rig of(String spec) throws Exception {
            SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load(spec), 1);
            Machine m = new Machine(b.system(), b.initial(), Machine.Semantics.COMPROMISED_DRIVER);
            return new Rig(m, new StepChecks(m));
        }

        LvdSystem sys() {
            return machine.system();
        }

        long symbol(String view, String name) {
            return sys().images().get(view).symbol(name).orElseThrow();
        }

        /** The first instruction {@code view} linked that {@code p} accepts, with its host address. */
        Map.Entry<Long, LvdSystem.CodeAt> insn(String view, Predicate<PlacedInstruction> p) {
            return sys().code().entrySet().stream().filter(e -> e.getValue().view().equals(view)
                    && p.test(e.getValue().insn())).min(Map.Entry.comparingByKey()).orElseThrow();
        }

        Map.Entry<Long, LvdSystem.CodeAt> callOf(String view, String target) {
            long t = symbol(view, target);
            return insn(view, pi -> pi.insn().mnemonic() == Mnemonic.CALL && pi.insn().operand(0) instanceof TargetOp o
                    && o.address() == t);
        }

        Map.Entry<Long, LvdSystem.CodeAt> first(String view, Mnemonic m) {
            return insn(view, pi -> pi.insn().mnemonic() == m);
        }

        /** The initial state with CPU 0 running thread t0 in view {@code view} with {@code regs}. */
        MachineState running(ArchRegs regs, String view) {
            MachineState s = machine.initial();
            CpuState c = s.cpu(0);
            int v = sys().views().indexOf(view);
            return s.withCpu(0, new CpuState(regs, c.vmcs().withEptp(sys().eptps()[v][0]), c.lapic(), CpuMode.RUNNING, 0));
        }

        ArchRegs regs() {
            return machine.initial().cpu(0).regs().withRsp(KERNEL_RSP).withGpr(ArchRegs.RBX, 0x1111);
        }

        StepChecks.Checked step(MachineState before, CrossingGhost g, Action a, MachineState after, Event... events) {
            return checks.step(before, new int[sys().cpus()], g, a, new Step(after, List.of(events)));
        }

        static Event.Executed executed(Map.Entry<Long, LvdSystem.CodeAt> at, String view) {
            return new Event.Executed(at.getValue().insn().address(), at.getKey(), view, at.getValue().insn());
        }
    }

    static Rig asBuilt;
    static Rig hardened;

    @BeforeAll
    static void build() throws Exception {
        asBuilt = Rig.of("lvd-as-built");
        hardened = Rig.of("lvd-hardened");
    }

    static List<Violation> of(StepChecks.Checked c, String property) {
        return c.violations().stream().filter(v -> v.property().equals(property)).toList();
    }

    static final Action EXEC0 = new Action.Execute(0);

    // ---- INV5, kernel side ----------------------------------------------------------------------

    /** t0 calls vmfunc_klcd_wrapper from kthread.s; the ghost copies its registers. */
    static CrossingGhost callWrapper(Rig r) {
        var call = r.callOf("kernel", "vmfunc_klcd_wrapper");
        ArchRegs at = r.regs().withRip(call.getValue().insn().address());
        MachineState s0 = r.running(at, "kernel");
        MachineState s1 = r.running(at.withRip(r.symbol("kernel", "vmfunc_klcd_wrapper")).withRsp(KERNEL_RSP - 8),
                "kernel");
        StepChecks.Checked c = r.step(s0, CrossingGhost.NONE, EXEC0, s1, Rig.executed(call, "kernel"));
        assertEquals(List.of(), of(c, "INV5"));
        assertNotNull(c.crossing().topCall(0), "the call opened a crossing of t0");
        assertEquals("vmfunc_klcd_wrapper", c.crossing().topCall(0).gate());
        return c.crossing();
    }

    /** The wrapper's RET, executed with RSP at the return address, resuming with {@code after}. */
    static StepChecks.Checked ret(Rig r, CrossingGhost g, ArchRegs after) {
        var ret = r.first("kernel", Mnemonic.RET);
        MachineState s = r.running(r.regs().withRip(ret.getValue().insn().address()).withRsp(KERNEL_RSP - 8), "kernel");
        return r.step(s, g, EXEC0, r.running(after, "kernel"), Rig.executed(ret, "kernel"));
    }

    @Test
    void aGateReturnThatRestoresTheKernelsRegistersKeepsInv5AndClosesTheCrossing() {
        CrossingGhost g = callWrapper(hardened);
        long back = hardened.callOf("kernel", "vmfunc_klcd_wrapper").getValue().insn().end();
        StepChecks.Checked c = ret(hardened, g, hardened.regs().withRip(back).withGpr(ArchRegs.RAX, 0));
        assertEquals(List.of(), of(c, "INV5"));
        assertSame(CrossingGhost.NONE, c.crossing());
    }

    @Test
    void aGateReturnWithAnUnrestoredOrTopRegisterBreaksInv5() {
        CrossingGhost g = callWrapper(hardened);
        long back = hardened.callOf("kernel", "vmfunc_klcd_wrapper").getValue().insn().end();
        List<Violation> l = of(ret(hardened, g, hardened.regs().withRip(back).withTaint(ArchRegs.tGpr(ArchRegs.RBX), true)),
                "INV5");
        assertEquals(1, l.size());
        assertTrue(l.get(0).evidence().contains("the return from vmfunc_klcd_wrapper"), l.get(0).evidence());
        assertTrue(l.get(0).evidence().contains("rbx 0x1111 at the call, ⊤ (a value the driver chose) now"),
                l.get(0).evidence());
        l = of(ret(hardened, g, hardened.regs().withRip(back).withRflags(hardened.regs().rflags() | 1L << 10)), "INV5");
        assertTrue(l.get(0).evidence().contains("rflags (DF, AC, TF, IF, IOPL)"), l.get(0).evidence());
        l = of(ret(hardened, g, hardened.regs().withRip(back + 1)), "INV5");
        assertTrue(l.get(0).evidence().contains("not at its return address"), l.get(0).evidence());
    }

    @Test
    void aReturnThatDoesNotPopTheCallsReturnAddressIsNotItsReturn() {
        CrossingGhost g = callWrapper(hardened);
        var ret = hardened.first("kernel", Mnemonic.RET);
        MachineState s = hardened.running(hardened.regs().withRip(ret.getValue().insn().address())
                .withRsp(KERNEL_RSP - 0x40), "kernel");
        StepChecks.Checked c = hardened.step(s, g, EXEC0, hardened.running(hardened.regs().withGpr(ArchRegs.RBX, 0),
                "kernel"), Rig.executed(ret, "kernel"));
        assertEquals(List.of(), of(c, "INV5"), "a RET of a deeper frame");
        assertSame(g, c.crossing());
    }

    // ---- a kill abandons the handlers opened inside the crossing ---------------------------------

    /**
     * t0 inside its crossing into net, a #UD of the driver's open (its handler never returns), and a
     * step that ends with cpu0 at {@code lvd_gate_error_return} after {@code events}.
     */
    static StepChecks.Checked killStep(Rig r, Event... events) {
        CrossingGhost g = callWrapper(r).withHandler(0, CrossingGhost.Handler.of(6, r.sys().views().indexOf("net"),
                r.regs().withRip(r.symbol("net", "ndo_start_xmit"))));
        assertTrue(g.handling(0));
        var cpuid = r.first("kernel", Mnemonic.CPUID);
        MachineState s = r.running(r.regs().withRip(cpuid.getValue().insn().address()), "net");
        MachineState after = r.running(r.regs().withRip(r.symbol("kernel", "lvd_gate_error_return")), "kernel");
        Event[] all = new Event[events.length + 1];
        all[0] = Rig.executed(cpuid, "net");
        System.arraycopy(events, 0, all, 1, events.length);
        return r.step(s, g, EXEC0, after, all);
    }

    @Test
    void aKillThatResumesTheThreadAtTheErrorReturnEndsItsHandlersAndKeepsItsCalls() {
        // Kernel addresses are negative as Java longs: the kill path's address must not be taken for "absent".
        assertTrue(hardened.symbol("kernel", "lvd_gate_error_return") < 0);
        StepChecks.Checked c = killStep(hardened, new Event.Killed("net", "cpuid abort"));
        assertFalse(c.crossing().handling(0), "the #UD's frame was abandoned by the kill");
        assertEquals("vmfunc_klcd_wrapper", c.crossing().topCall(0).gate(), "the gate call returns -EIO later");
        c = killStep(hardened, new Event.KillIpiTaken("net", true));
        assertFalse(c.crossing().handling(0), "a kill IPI that resumes the thread does the same");
    }

    @Test
    void aKillIpiThatFindsTheThreadOutsideTheDomainKeepsItsHandlers() {
        StepChecks.Checked c = killStep(hardened, new Event.KillIpiTaken("net", false));
        assertTrue(c.crossing().handling(0));
        c = killStep(hardened);
        assertTrue(c.crossing().handling(0), "no kill, no end");
    }

    // ---- INV5, domain side ----------------------------------------------------------------------

    /** cpu0 goes from the kernel's trampoline VMFUNC into net's driver code with {@code regs}. */
    static List<Violation> enterNet(Rig r, ArchRegs regs) {
        var vmfunc = r.first("kernel", Mnemonic.VMFUNC);
        MachineState s0 = r.running(r.regs().withRip(vmfunc.getValue().insn().address()), "kernel");
        MachineState s1 = r.running(regs.withRip(r.symbol("net", "ndo_start_xmit")), "net");
        return of(r.step(s0, CrossingGhost.NONE, EXEC0, s1, Rig.executed(vmfunc, "kernel")), "INV5");
    }

    @Test
    void enteringDriverCodeWithTheKernelsPerCpuBaseOrStackBreaksInv5() {
        long percpu = hardened.sys().layout().percpu()[0];
        List<Violation> l = enterNet(hardened, hardened.regs().withGpr(ArchRegs.RBX, 0).withRsp(0xffffff80c0001ff8L)
                .withGsBase(percpu));
        assertEquals(1, l.size());
        assertTrue(l.get(0).evidence().contains("enters net's driver code"), l.get(0).evidence());
        assertTrue(l.get(0).evidence().contains("gs.base = 0x" + Long.toHexString(percpu) + " (the per-CPU area of cpu0)"),
                l.get(0).evidence());
        long kernelStack = hardened.sys().layout().stackTop()[0] - 0x100;
        l = enterNet(hardened, hardened.regs().withGpr(ArchRegs.RBX, 0).withGsBase(0).withRsp(kernelStack));
        assertTrue(l.get(0).evidence().contains("rsp = 0x" + Long.toHexString(kernelStack) + " (thread t0's"),
                l.get(0).evidence());
    }

    @Test
    void enteringDriverCodeWithDomainValuesOrKernelValuesInMessageRegistersKeepsInv5() {
        long task = hardened.sys().layout().taskGva()[0];
        assertEquals(List.of(), enterNet(hardened, hardened.regs().withGpr(ArchRegs.RBX, 0).withGsBase(0)
                .withRsp(0xffffff80c0001ff8L).withGpr(ArchRegs.RDI, task).withGpr(ArchRegs.R12, task)
                .withTaint(ArchRegs.T_FS_BASE, true)), "REG0-REG7 are declared arguments; ⊤ is the driver's own");
    }

    @Test
    void enteringDriverCodeWithAKernelThreadsFpuContentsBreaksInv5() {
        ArchRegs clean = hardened.regs().withGpr(ArchRegs.RBX, 0).withGsBase(0).withRsp(0xffffff80c0001ff8L);
        assertEquals(List.of(), enterNet(hardened, clean), "the reset state's tokens: what a domain's saved state starts as");
        long t1Sse = org.lvdcheck.emulator.lxd.SystemBuilder.fpuToken(1, ArchRegs.XSTATE_SSE);
        List<Violation> l = enterNet(hardened, clean.withSseState(t1Sse));
        assertEquals(1, l.size());
        assertTrue(l.get(0).evidence().contains("sse = token 0x" + Long.toHexString(t1Sse) + " (thread t1's FPU contents)"),
                l.get(0).evidence());
        assertEquals(List.of(), enterNet(hardened, clean.withSseState(t1Sse).withTaint(ArchRegs.T_SSE, true)),
                "⊤ is the driver's own");
        assertEquals(List.of(), enterNet(hardened, clean.withAvxState(t1Sse)), "t1's SSE token is no thread's AVX contents");
    }

    @Test
    void kernelOnlyValuesAreThePerCpuAreasThreadStacksAndKernelOnlySections() {
        KernelValues kv = asBuilt.checks().kernelValues();
        LvdSystem sys = asBuilt.sys();
        assertEquals("the per-CPU area of cpu1", kv.kernelOnly(sys.layout().percpu()[1] + 8));
        assertTrue(kv.kernelOnly(sys.layout().stackTop()[1] - 8).startsWith("thread t1's"));
        assertEquals("the kernel's .text.kthread", kv.kernelOnly(asBuilt.symbol("kernel", "net_xmit_thread")));
        assertNull(kv.kernelOnly(asBuilt.symbol("kernel", "apic_timer_interrupt")), "the entry text is mapped in every LVD");
        assertNull(kv.kernelOnly(asBuilt.symbol("kernel", "vmfunc_trampoline")), "a gate page: every view links it");
        assertNull(kv.kernelOnly(0x1000), "the skb handle of the message");
        assertNull(kv.kernelOnly(0));
    }

    // ---- IRQ ----------------------------------------------------------------------------------------

    /** The timer arrives at cpu0 running t0 in view {@code view} with {@code interrupted}; the handler starts. */
    static StepChecks.Checked deliver(Rig r, ArchRegs interrupted, String view) {
        MachineState s0 = r.running(interrupted, view);
        ArchRegs handler = interrupted.withRip(r.symbol("kernel", "apic_timer_interrupt")).withRsp(CPU0_IST5);
        return r.step(s0, CrossingGhost.NONE, new Action.Interrupt(0, 0xef), r.running(handler, view),
                new Event.Delivered(0xef, view, true, !view.equals("kernel"), interrupted));
    }

    /** The entry text's IRETQ, executed in view {@code view}, resuming {@code after} in view {@code to}. */
    static StepChecks.Checked iret(Rig r, CrossingGhost g, String view, ArchRegs after, String to, Event... more) {
        var iret = r.first("kernel", Mnemonic.IRETQ);
        MachineState s = r.running(r.regs().withRip(iret.getValue().insn().address()).withRsp(CPU0_IST5), view);
        Event[] events = new Event[more.length + 1];
        events[0] = Rig.executed(iret, view);
        System.arraycopy(more, 0, events, 1, more.length);
        return r.step(s, g, EXEC0, r.running(after, to), events);
    }

    @Test
    void anIretThatResumesTheInterruptedContextKeepsIrqAndClosesTheHandler() {
        ArchRegs at = hardened.regs().withRip(hardened.symbol("kernel", "net_xmit_thread") + 4);
        StepChecks.Checked d = deliver(hardened, at, "kernel");
        assertTrue(d.crossing().handling(0));
        StepChecks.Checked c = iret(hardened, d.crossing(), "kernel", at, "kernel");
        assertEquals(List.of(), of(c, "IRQ"));
        assertSame(CrossingGhost.NONE, c.crossing());
    }

    @Test
    void anIretThatResumesAnotherStackPlaceOrViewBreaksIrq() {
        ArchRegs at = hardened.regs().withRip(hardened.symbol("kernel", "net_xmit_thread") + 4);
        CrossingGhost g = deliver(hardened, at, "kernel").crossing();
        List<Violation> l = of(iret(hardened, g, "kernel", at.withRsp(KERNEL_RSP + 8), "kernel"), "IRQ");
        assertTrue(l.get(0).evidence().contains("RSP 0x" + Long.toHexString(KERNEL_RSP + 8) + ", where RSP 0x"
                + Long.toHexString(KERNEL_RSP) + " was interrupted"), l.get(0).evidence());
        l = of(iret(hardened, g, "kernel", at, "blk"), "IRQ");
        assertTrue(l.get(0).evidence().contains("the blk EPT, where the kernel EPT was interrupted"), l.get(0).evidence());
        l = of(iret(hardened, g, "net", at.withTaint(ArchRegs.T_RIP, true), "kernel",
                new Event.DriverControl("a ⊤ frame", 0)), "IRQ");
        assertFalse(l.isEmpty(), "the IRET hands the CPU to the driver where trusted code was interrupted");
    }

    @Test
    void anIretThatLeavesAGeneralPurposeRegisterChangedOrTopBreaksIrq() {
        ArchRegs at = hardened.regs().withRip(hardened.symbol("kernel", "net_xmit_thread") + 4)
                .withGpr(ArchRegs.RAX, 5).withGpr(ArchRegs.R12, 7);
        CrossingGhost g = deliver(hardened, at, "kernel").crossing();
        assertEquals(List.of(), of(iret(hardened, g, "kernel", at, "kernel"), "IRQ"), "everything given back");
        List<Violation> l = of(iret(hardened, g, "kernel", at.withGpr(ArchRegs.RAX, 6), "kernel"), "IRQ");
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).evidence().contains("RAX 0x6, where RAX 0x5 was interrupted"), l.get(0).evidence());
        l = of(iret(hardened, g, "kernel", at.withTaint(ArchRegs.tGpr(ArchRegs.R12), true), "kernel"), "IRQ");
        assertTrue(l.get(0).evidence().contains("R12 ⊤, where R12 0x7 was interrupted"), l.get(0).evidence());
    }

    @Test
    void anIretBackIntoTheDriverResumesTheDriversContext() {
        ArchRegs driver = hardened.regs().withTaint(ArchRegs.tGpr(ArchRegs.RSP) | ArchRegs.T_RIP, true);
        CrossingGhost g = deliver(hardened, driver, "net").crossing();
        StepChecks.Checked c = iret(hardened, g, "net", driver, "net", new Event.DriverControl("a ⊤ frame", 0));
        assertEquals(List.of(), of(c, "IRQ"));
        assertFalse(c.crossing().handling(0));
    }

    /** While t0 handles the timer, cpu0 calls the primitive sync_stacks in view {@code view} with RSP {@code rsp}. */
    static List<Violation> syncStacks(Rig r, String view, long rsp) {
        ArchRegs at = r.regs().withRip(r.symbol("kernel", "net_xmit_thread") + 4);
        CrossingGhost g = deliver(r, at, "kernel").crossing();
        var call = r.callOf("kernel", "sync_stacks");
        MachineState s = r.running(r.regs().withRip(call.getValue().insn().address()).withRsp(rsp), view);
        return of(r.step(s, g, EXEC0, s, Rig.executed(call, view)), "IRQ");
    }

    @Test
    void kernelCodeWhileHandlingRunsUnderTheKernelEptOnAStackNoOtherCpusDomainWrites() {
        assertEquals(List.of(), syncStacks(hardened, "kernel", CPU0_IST5), "cpu0's IST: only cpu0's domain view writes it");
        List<Violation> l = syncStacks(hardened, "kernel", CPU1_IST5);
        assertEquals(1, l.size());
        assertTrue(l.get(0).evidence().contains("the kernel primitive sync_stacks on a stack at 0x"
                + Long.toHexString(CPU1_IST5) + " that a domain view of another CPU can write"), l.get(0).evidence());
        l = syncStacks(hardened, "net", CPU0_IST5);
        assertTrue(l.get(0).evidence().contains("runs the kernel primitive sync_stacks under the net EPT"),
                l.get(0).evidence());
        assertFalse(syncStacks(asBuilt, "kernel", CPU0_IST5).isEmpty(), "as built every CPU's IST is in every LVD EPT");
    }

    @Test
    void driverCodeWhileHandlingBreaksIrq() {
        ArchRegs at = hardened.regs().withRip(hardened.symbol("kernel", "net_xmit_thread") + 4);
        CrossingGhost g = deliver(hardened, at, "kernel").crossing();
        MachineState s = hardened.running(hardened.regs().withTaint(ArchRegs.T_RIP, true), "net");
        StepChecks.Checked c = hardened.step(s, g, new Action.Driver(0, new org.lvdcheck.emulator.machine.DriverMove.Popf(
                false, false, false, false)), s);
        assertTrue(of(c, "IRQ").get(0).evidence().contains("runs code a domain can write"), c.violations().toString());
    }

    @Test
    void aDeliveryThatReadsWhatADomainCanWriteBreaksIrq() {
        // As built the IDT is in every LVD EPT with write permission: the gate is ⊤ (FINDINGS.md F5).
        Rig r = asBuilt;
        MachineState s = r.running(r.regs().withRip(r.symbol("kernel", "net_xmit_thread") + 4), "kernel");
        Action a = new Action.Interrupt(0, 0xef);
        StepChecks.Checked c = r.checks().step(s, new int[2], CrossingGhost.NONE, a, r.machine().next(s, a));
        List<Violation> l = of(c, "IRQ");
        assertEquals(1, l.size(), c.violations().toString());
        assertTrue(l.get(0).evidence().contains("the delivery of vector 0xef consumes what a domain can write: a ⊤ IDT gate"),
                l.get(0).evidence());
        assertFalse(c.crossing().handling(0), "nothing was delivered");
        s = hardened.running(hardened.regs().withRip(hardened.symbol("kernel", "net_xmit_thread") + 4), "kernel");
        c = hardened.checks().step(s, new int[2], CrossingGhost.NONE, a, hardened.machine().next(s, a));
        assertEquals(List.of(), of(c, "IRQ"));
        assertTrue(c.crossing().handling(0), "hardened: delivered, the handler runs");
    }
}
