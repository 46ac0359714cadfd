package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lvdcheck.emulator.machine.CompromisedRig.event;
import static org.lvdcheck.emulator.machine.CompromisedRig.inDriver;
import static org.lvdcheck.emulator.machine.CompromisedRig.machine;
import static org.lvdcheck.emulator.machine.CompromisedRig.move;
import static org.lvdcheck.emulator.machine.CompromisedRig.symbol;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;

/**
 * Each class of driver move on lvd-as-built and lvd-hardened, run through the real executor,
 * hypervisor policy and gate code: what each spec does with it.
 */
class DriverMovesTest {
    private static final long LSTAR = 0xC0000082L;

    /** Runs CPU 0's program until a step reports one of the outcomes below, or a ⊤ dispatch is to be chosen. */
    record Outcome(MachineState state, List<Event> events, String what) {}

    static Outcome runOn(Machine m, MachineState s) {
        for (int i = 0; i < 2_000; i++) {
            if (m.actions(s).stream().anyMatch(a -> a.cpu() == 0 && a instanceof Action.Dispatch)) {
                return new Outcome(s, List.of(), "dispatch of ⊤ ids");
            }
            Action a = CompromisedRig.programAction(m, s);
            if (a == null) {
                return new Outcome(s, List.of(), s.cpu(0).regs().tainted(ArchRegs.T_RIP) ? "driver control" : "no action");
            }
            Step st = m.next(s, a);
            for (Event e : st.events()) {
                if (e instanceof Event.TaintUse || e instanceof Event.Killed || e instanceof Event.Stopped) {
                    return new Outcome(st.state(), st.events(), e.getClass().getSimpleName());
                }
            }
            s = st.state();
        }
        throw new AssertionError("no outcome");
    }

    private static long pageOf(Machine m, String section) {
        return m.system().images().get("net").sectionStart(section) & ~0xFFFL;
    }

    /** The ECX values of the driver's VMFUNC moves on CPU 0 in s. */
    private static java.util.Set<Long> vmfuncSlots(Machine m, MachineState s) {
        java.util.Set<Long> out = new java.util.TreeSet<>();
        for (Action a : m.driverMoves(s, 0)) {
            if (a instanceof Action.Driver d && d.move() instanceof DriverMove.Vmfunc v && v.eax() == 0) {
                out.add(v.ecx());
            }
        }
        return out;
    }

    @Test
    void theMoveListIsGivenAgainWhileItsEptpListFrameIsTheSameAndBuiltAfreshWhenItChanges() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        List<Action> first = m.driverMoves(s, 0);
        assertSame(first, m.driverMoves(s, 0), "the same state: the remembered list");
        assertEquals(first, m.actions(s).stream().filter(a -> a.cpu() == 0 && a instanceof Action.Driver).toList());
        assertEquals(java.util.Set.of(0L, 1L, 2L, 3L, 512L), vmfuncSlots(m, s),
                "slots 0-2 valid, the lowest invalid one, 512");
        // Slot 2's entry made invalid (memory type 1, WC, is not a valid EPTP for VMFUNC, SDM 25.5.5.3):
        // slot 2 becomes the lowest invalid slot and slot 3 no class of its own.
        long list = s.cpu(0).vmcs().eptpListAddress();
        MachineState changed = s.withMem(s.mem().edit().write(list + 16, 8, 0x1L).freeze());
        assertEquals(java.util.Set.of(0L, 1L, 2L, 512L), vmfuncSlots(m, changed), "the list is built afresh");
        assertEquals(java.util.Set.of(0L, 1L, 2L, 3L, 512L), vmfuncSlots(m, s), "and again for the first state");
        assertEquals(first, m.driverMoves(s, 0));
        assertTrue(m.driverMoves(m.initial(), 0).isEmpty(), "no moves where no CPU runs driver code");
    }

    @Test
    void wrmsrToLstarIsEmulatedAsBuiltWithTheDriversValueAndKillsTheDomainHardened() throws Exception {
        Machine asBuilt = machine("lvd-as-built");
        MachineState s = inDriver(asBuilt);
        Step st = move(asBuilt, s, new DriverMove.Privileged(DriverMove.Kind.WRMSR, LSTAR));
        Event.VmExit x = event(st.events(), Event.VmExit.class);
        assertEquals(32, x.reason());
        assertEquals("domain", x.origin());
        assertEquals("log-emulate", x.decision());
        assertTrue(event(st.events(), Event.TaintUse.class).what().contains("0xc0000082"),
                "the hypervisor writes the driver's ⊤ into LSTAR: TAINT evidence");
        assertSame(s, st.state(), "the step ends at the use: the state is the one before it");

        Machine hardened = machine("lvd-hardened");
        MachineState h = inDriver(hardened);
        Step k = move(hardened, h, new DriverMove.Privileged(DriverMove.Kind.WRMSR, LSTAR));
        assertEquals("kill", event(k.events(), Event.VmExit.class).decision());
        assertEquals("net", event(k.events(), Event.Killed.class).domain());
        assertEquals(0, hardened.viewOf(k.state(), 0));
        assertEquals(symbol(hardened, "kernel", "lvd_gate_error_return"), k.state().cpu(0).regs().rip());
    }

    @Test
    void vmfuncWithEcx512ExitsAndTheSpecsDecide() throws Exception {
        Machine asBuilt = machine("lvd-as-built");
        MachineState s = inDriver(asBuilt);
        long page = pageOf(asBuilt, ".text.dummy_net");
        Step st = move(asBuilt, s, new DriverMove.Vmfunc(0, 512, page));
        Event.VmExit x = event(st.events(), Event.VmExit.class);
        assertEquals(59, x.reason(), "SDM 25.5.5.3: ECX ≥ 512 is a VMFUNC failure, a VM exit");
        assertEquals("halt", x.decision(), "lvd-bflank has no VMFUNC exit handler");
        assertEquals(CpuMode.STOPPED, st.state().cpu(0).mode());

        Machine hardened = machine("lvd-hardened");
        MachineState h = inDriver(hardened);
        Step k = move(hardened, h, new DriverMove.Vmfunc(0, 512, pageOf(hardened, ".text.dummy_net")));
        assertEquals(59, event(k.events(), Event.VmExit.class).reason());
        assertEquals("net", event(k.events(), Event.Killed.class).domain());
    }

    @Test
    void vmfuncLeaf64IsAnInvalidOpcode() throws Exception {
        Machine asBuilt = machine("lvd-as-built");
        Step st = move(asBuilt, inDriver(asBuilt), new DriverMove.Vmfunc(64, 0, pageOf(asBuilt, ".text.dummy_net")));
        assertEquals(6, event(st.events(), Event.Fault.class).vector());
        assertTrue(event(st.events(), Event.TaintUse.class).what().contains("IDT gate for vector 6"),
                "as built the domain can write the IDT: delivering #UD reads a gate the driver chose");

        Machine hardened = machine("lvd-hardened");
        Step h = move(hardened, inDriver(hardened), new DriverMove.Vmfunc(64, 0, pageOf(hardened, ".text.dummy_net")));
        assertEquals(symbol(hardened, "kernel", "invalid_op"), h.state().cpu(0).regs().rip());
        assertEquals("net", event(runOn(hardened, h.state()).events(), Event.Killed.class).domain(),
                "hardened: the exception path in the domain kills it");
    }

    @Test
    void vmfuncToTheKernelFromADriverPageLandsWhereTheKernelCannotExecute() throws Exception {
        // As built the landing GVA is unmapped in the kernel's page tables: a #PF in the kernel's view,
        // delivered through an IDT the domain can write (and with no IST, on the driver's RSP).
        Machine asBuilt = machine("lvd-as-built");
        long page = pageOf(asBuilt, ".text.dummy_net");
        Step st = move(asBuilt, inDriver(asBuilt), new DriverMove.Vmfunc(0, 0, page));
        assertEquals("kernel", event(st.events(), Event.Crossing.class).to());
        assertEquals(page + 3, st.state().cpu(0).regs().rip());
        Outcome o = runOn(asBuilt, st.state());
        assertEquals(14, event(o.events(), Event.Fault.class).vector());
        assertEquals("TaintUse", o.what());

        // Hardened maps the module's VAs in the kernel (S6) to frames the kernel EPT does not
        // execute: an EPT violation, a VM exit (ENTRY holds). The EPTP is the kernel's, but the
        // fetch is from the net domain's frame, which only that domain's own VMFUNC reaches: the
        // hypervisor attributes the exit to the domain and kills it (it used to halt the CPU).
        Machine hardened = machine("lvd-hardened");
        Step h = move(hardened, inDriver(hardened), new DriverMove.Vmfunc(0, 0, pageOf(hardened, ".text.dummy_net")));
        Outcome ho = runOn(hardened, h.state());
        Event.VmExit x = event(ho.events(), Event.VmExit.class);
        assertEquals(48, x.reason());
        assertEquals("domain", x.origin());
        assertEquals("kill", x.decision());
        assertEquals("net", event(ho.events(), Event.Killed.class).domain());
        assertEquals(CpuMode.RUNNING, ho.state().cpu(0).mode());
    }

    @Test
    void aJumpToTheSpringboardWithClobberedRegistersReachesTheKernelsDispatcherWithTopIds() throws Exception {
        // The springboard runs under the domain's EPT (confined): its pushes and its loads of the
        // message through the driver's ⊤ RSP and RDI are the domain's own accesses. On the kernel
        // side it reloads RSP and the GS base from the kernel's state page before using them, so
        // the first use of ⊤ is the dispatcher's comparison of the ids: declared data, a fork.
        Machine m = machine("lvd-hardened");
        Step st = move(m, inDriver(m), new DriverMove.Jump(symbol(m, "net", "vmfunc_springboard_entry"), false));
        Outcome o = runOn(m, st.state());
        assertEquals("dispatch of ⊤ ids", o.what());
        assertEquals(0, m.viewOf(o.state(), 0));
        assertFalse(o.state().cpu(0).regs().gprTainted(ArchRegs.RSP));
    }

    /** The timer entry's {@code movl $0, %eax} before the VMFUNC of its VMFUNC_TO_KERNEL. */
    private static long timerEntryToKernel(Machine m) {
        List<PlacedInstruction> entry = m.system().images().get("kernel").instructions();
        long timer = symbol(m, "kernel", "apic_timer_interrupt");
        int i = 0;
        while (entry.get(i).address() != timer) {
            i++;
        }
        while (entry.get(i).insn().mnemonic() != Mnemonic.VMFUNC) {
            i++;
        }
        return entry.get(i - 2).address();
    }

    @Test
    void aJumpToTheInterruptEntrysVmfuncWithTheDriversStackPointerKillsTheDomain() throws Exception {
        // lvd-hardened's interrupt macro switches to the kernel EPT (VMFUNC_TO_KERNEL) and reads
        // PT_CS(%rsp). A driver that jumps to the macro's "movl $0, %eax" with its own RSP passes
        // the ECX check; the RSP check after it (HARDENING.md G23) then finds RSP is not where
        // this CPU's interrupt frame lies, reloads it from the kernel's state page and kills the
        // domain: no access goes through the driver's RSP.
        Machine m = machine("lvd-hardened");
        Step st = move(m, inDriver(m), new DriverMove.Jump(timerEntryToKernel(m), false));
        Outcome o = runOn(m, st.state());
        assertTrue(o.events().stream().noneMatch(e -> e instanceof Event.TaintUse), o.events().toString());
        assertEquals("net", event(o.events(), Event.Killed.class).domain());
        assertEquals(0, m.viewOf(o.state(), 0));
    }

    @Test
    void aForgedInterruptEntryWithNothingInServiceKillsTheDomain() throws Exception {
        // The same jump, with the driver's RSP in the G23 check's equal class: the entry code takes
        // the frame's place from the kernel's state page (G25), where this CPU's IST stack holds
        // what the driver wrote there. No interrupt was delivered: the local APIC has nothing in
        // service, so the entry is forged and kills the domain (HARDENING.md G26) before do_IRQ
        // can take the driver's word for the vector.
        Machine m = machine("lvd-hardened");
        MachineState s = move(m, inDriver(m), new DriverMove.Jump(timerEntryToKernel(m), false)).state();
        List<Event> seen = new java.util.ArrayList<>();
        for (int n = 0; n < 2_000 && seen.stream().noneMatch(e -> e instanceof Event.Killed); n++) {
            List<Action> program = m.actions(s).stream()
                    .filter(a -> a.cpu() == 0 && !(a instanceof Action.Interrupt) && !(a instanceof Action.Driver)).toList();
            Action a = program.stream().filter(x -> x instanceof Action.Branch b && b.taken()).findFirst()
                    .orElse(program.get(0));
            Step st = m.next(s, a);
            seen.addAll(st.events());
            s = st.state();
        }
        assertTrue(seen.stream().noneMatch(e -> e instanceof Event.TaintUse), seen.toString());
        assertTrue(seen.stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals("lvd_irq_in_service")
                && p.detail().equals("no vector in service")), seen.toString());
        assertTrue(seen.stream().noneMatch(e -> e instanceof Event.Primitive p && p.name().equals("do_IRQ")), seen.toString());
        assertEquals("net", event(seen, Event.Killed.class).domain());
    }

    @Test
    void aTimerAtTheDriversOwnVmfuncLandingKillsTheDomain() throws Exception {
        // The driver, inside a call with IF set, executes VMFUNC with ECX = 0 from the first byte of
        // its code page and lands in the kernel's view three bytes on, a page the kernel's EPT does
        // not execute. A timer arrives at that boundary, before the fetch: ring 0, the kernel's
        // state page, entered_lcd set, so the entry code's window path runs, and the interrupted RIP
        // lies outside the gate's pages. HARDENING.md G27: the domain is killed; the handler's exit
        // never IRETs into the driver's context (as it did before, restoring the driver's RSP).
        Machine m = machine("lvd-hardened");
        aTimerAtTheDriversLandingKillsTheDomain(m, pageOf(m, ".text.dummy_net"));
    }

    /**
     * The driver, with IF set by its POPF, executes VMFUNC with ECX = 0 at {@code site}; it lands in
     * the kernel's view three bytes on, a timer arrives there, and what follows kills net.
     */
    private static void aTimerAtTheDriversLandingKillsTheDomain(Machine m, long site) {
        MachineState s = move(m, inDriver(m), new DriverMove.Popf(true, false, false, false)).state();
        Step landed = move(m, s, new DriverMove.Vmfunc(0, 0, site));
        assertEquals(0, m.viewOf(landed.state(), 0));
        assertEquals(site + 3, landed.state().cpu(0).regs().rip());
        Step st = m.next(landed.state(), new Action.Interrupt(0, 0xef));
        Outcome o = runOn(m, st.state());
        assertEquals("Killed", o.what(), o.events().toString());
        assertEquals("net", event(o.events(), Event.Killed.class).domain());
    }

    @Test
    void aTimerAtTheDriversOwnLandingOnTheTrampolinePageKillsTheDomain() throws Exception {
        // The same with the driver's VMFUNC at the trampoline page's own vmfunc: it lands on the
        // kernel's copy of the page, which G27 still took for the gate window. HARDENING.md G28:
        // the gate never runs under the kernel's EPT with IF set while a domain is entered, so an
        // interrupt there follows a driver's own VMFUNC wherever it lands, and kills the domain.
        Machine m = machine("lvd-hardened");
        aTimerAtTheDriversLandingKillsTheDomain(m, m.system().images().get("net").symbol("vmfunc_trampoline").orElseThrow());
    }

    @Test
    void cpuidHypercallsWithTopArgumentsAreUsesAsBuiltAndKillsHardened() throws Exception {
        Machine asBuilt = machine("lvd-as-built");
        Step st = move(asBuilt, inDriver(asBuilt), new DriverMove.Privileged(DriverMove.Kind.CPUID, 0x4BF00034L));
        assertEquals("emulate", event(st.events(), Event.VmExit.class).decision());
        assertTrue(event(st.events(), Event.TaintUse.class).what().contains("0x4bf00034"));
        Machine hardened = machine("lvd-hardened");
        Step h = move(hardened, inDriver(hardened), new DriverMove.Privileged(DriverMove.Kind.CPUID, 0x4BF00034L));
        event(h.events(), Event.Killed.class);
    }

    @Test
    void movToCr8DoesNotExitAsBuiltAndKillsHardened() throws Exception {
        // As built, no cr8-load-exiting: the driver raises TPR without the hypervisor seeing it.
        Machine m = machine("lvd-as-built");
        Step st = move(m, inDriver(m), new DriverMove.Privileged(DriverMove.Kind.MOV_TO_CR8, Adversary.TPR_CLASS));
        assertTrue(st.events().stream().noneMatch(e -> e instanceof Event.VmExit));
        ArchRegs r = st.state().cpu(0).regs();
        assertEquals(Adversary.TPR_CLASS, r.cr8());
        assertTrue(r.tainted(ArchRegs.T_RIP), "the driver goes on somewhere in its code");
        // Hardened (HARDENING.md S14): CR8-load exiting, and a domain's CR access kills it.
        Machine h = machine("lvd-hardened");
        Step hs = move(h, inDriver(h), new DriverMove.Privileged(DriverMove.Kind.MOV_TO_CR8, Adversary.TPR_CLASS));
        assertEquals("kill", event(hs.events(), Event.VmExit.class).decision());
        event(hs.events(), Event.Killed.class);
        assertEquals(0, hs.state().cpu(0).regs().cr8());
    }

    @Test
    void hltWithoutHltExitingHaltsTheDriversCpu() throws Exception {
        Machine m = machine("lvd-hardened");
        Step st = move(m, inDriver(m), new DriverMove.Privileged(DriverMove.Kind.HLT, -1));
        assertEquals(CpuMode.HALTED, st.state().cpu(0).mode(), "hlt-exiting=no: the spec's 'exit hlt' never applies");
        assertTrue(st.state().cpu(0).regs().tainted(ArchRegs.T_RIP));
        assertTrue(m.inDriverCode(st.state(), 0));
        assertTrue(m.enabled(st.state(), new Action.Interrupt(0, 0xef)), "an interrupt wakes it");
    }

    @Test
    void popfSetsTheControlFlagsTheDriverPicks() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        List<Action> popfs = new ArrayList<>();
        for (Action a : m.actions(s)) {
            if (a instanceof Action.Driver d && d.move() instanceof DriverMove.Popf) {
                popfs.add(a);
            }
        }
        // Flag classes: DF and TF are data to the machine, and AC is too while no CPU has CR4.SMAP
        // (lvd-hardened's CPUs do not), so the driver sets the three together, IF either way.
        assertTrue(m.adversaryTiesAcWithDfTf());
        assertEquals(List.of(new DriverMove.Popf(false, false, false, false), new DriverMove.Popf(true, false, false, false),
                new DriverMove.Popf(false, true, true, true), new DriverMove.Popf(true, true, true, true)),
                popfs.stream().map(a -> ((Action.Driver) a).move()).toList());
        ArchRegs r = move(m, s, new DriverMove.Popf(false, true, true, true)).state().cpu(0).regs();
        assertEquals(Rflags.AC | Rflags.DF | Rflags.TF, r.rflags() & (Rflags.IF | Rflags.AC | Rflags.DF | Rflags.TF));
        assertTrue(r.tainted(ArchRegs.T_FLAGS));
        assertTrue(r.tainted(ArchRegs.T_RIP));
    }

    @Test
    void aStepThatLeavesACpuWithSmapEndsTheFlagClasses() throws Exception {
        Machine m = machine("lvd-hardened");
        MachineState s = inDriver(m);
        var cpu1 = s.cpu(1);
        MachineState smap = s.withCpu(1, cpu1.withRegs(cpu1.regs().withCr4(cpu1.regs().cr4() | Cr4.SMAP)));
        Adversary.FlagClassesBroken e = assertThrows(Adversary.FlagClassesBroken.class,
                () -> move(m, smap, new DriverMove.Popf(true, false, false, false)));
        assertTrue(e.getMessage().contains("cpu1 has CR4.SMAP"), e.getMessage());
        move(m, s, new DriverMove.Popf(true, false, false, false)); // without SMAP: no complaint
    }

    @Test
    void anAccessTheEptRefusesHaltsAsBuiltAndKillsHardened() throws Exception {
        Machine asBuilt = machine("lvd-as-built");
        Step st = move(asBuilt, inDriver(asBuilt), new DriverMove.EptViolation());
        assertEquals(48, event(st.events(), Event.VmExit.class).reason());
        assertEquals(CpuMode.STOPPED, st.state().cpu(0).mode(), "no EPT-violation handler in lvd-bflank");
        Machine hardened = machine("lvd-hardened");
        event(move(hardened, inDriver(hardened), new DriverMove.EptViolation()).events(), Event.Killed.class);
    }

    @Test
    void everyMoveOfBothSpecsApplies() throws Exception {
        for (String spec : new String[] {"lvd-as-built", "lvd-hardened"}) {
            Machine m = machine(spec);
            MachineState s = inDriver(m);
            List<Action> moves = m.actions(s).stream().filter(a -> a instanceof Action.Driver).toList();
            assertTrue(moves.size() > 100, spec + ": " + moves.size());
            for (Action a : moves) {
                Step st = m.next(s, a);
                assertTrue(st.events().get(0) instanceof Event.DriverMoved, a.toString());
            }
        }
    }
}
