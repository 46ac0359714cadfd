package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
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
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The step properties of {@link StepChecks} — INV4, EXEC, CALL, TAINT, AVAIL — on hand-built
 * steps (docs/TESTING.md): the machine is built from a spec of a few lines written here (a
 * kernel, one domain with an IDL, one instruction of each side's code and a transition page;
 * no built-in spec, no workload), and each test builds the state before a step, the state
 * after it and the step's events by hand and hands them to {@link StepChecks#step}. Each
 * property has steps that break it and steps that do not.
 */
class StepChecksPropertiesTest {
    static final String SPEC = """
            spec unit
            cpu maxphyaddr=39 exec-only=yes ept-ad=yes ve=no pages-1g=yes cr3-targets=4
            cpus 1
            region kernel   hpa=0x0       size=64M owner=kernel
            region net      hpa=0x4000000 size=64K owner=net
            region lxd.ept  hpa=0x5000000 size=1M  owner=kernel
            region lxd.eptp hpa=0x5100000 size=4K  owner=kernel
            region hv.ept   hpa=0x7000000 size=1M  owner=hypervisor
            kernel ept-pool=hv.ept eptp-lists=lxd.eptp
            ept kernel gpa=0x0 size=512G hpa=0x0 rights=rwx page=1G
            pgd init_level4_pgt gpa=0x3000000 pool=0x3000000 pool-size=64K preset-ad=yes
            map kernel 0xffffffff80000000 size=64M gpa=0x0 pte=rwxk page=2M
            idt gva=0xffffffff81800000
            state-page gva=0xffffffff81801000
            gdt cpu=0 gva=0xffffffff82000000
            tss cpu=0 gva=0xffffffff82001000
            percpu cpu=0 gva=0xffffffff82002000
            irq-stack cpu=0 gva=0xffffffff82010000 size=16K
            asm kernel kernel.s gate.s
            asm net net.s gate.s
            section .text gva=0xffffffff81000000 view=kernel
            section .text gva=0xffffffffa0000000 view=net
            section .gate gva=0xffffffff81004000 transition=yes
            domain net slot=1 ept-pool=lxd.ept idl=net.idl rpc-check=yes
            pgd net.pgd view=net gpa=0x40000000 pool=0x40000000 pool-size=16K preset-ad=yes
            map net.pgd 0xffffffff80000000 size=1G gpa=0x7f80000000 pte=rwxk page=2M
            ept net gpa=0x40000000 size=16K hpa=region:net rights=r--
            ept net gpa=pgd:init_level4_pgt size=4K hpa=pgd:net.pgd rights=r--
            ept net gpa=0x7fa0000000 size=4K hpa=region:net+0x4000 rights=--x
            ept net gpa=0x7f81004000 size=4K hpa=region:net+0x5000 rights=--x
            ept net gpa=0x7f81801000 size=4K hpa=region:net+0x6000 rights=r--
            """;
    /** The kernel's code: the per-CPU and state-page offsets the microkernel writes, and three functions. */
    static final String KERNEL = """
            .equ current_task, 0
            .equ __preempt_count, 8
            .equ irq_count, 0x10
            .equ irq_stack_ptr, 0x18
            .equ lvd_irq_stack_addr, 0x20
            .equ cpu_number, 0x28
            .equ VMFUNC_in_kernel, 0
            .equ VMFUNC_cpuid, 4
            .equ VMFUNC_ept_id, 8
            .equ VMFUNC_kernel_gs_base, 16
            .equ VMFUNC_GS_BASE_BYTES, 8
                    .section .text, "ax"
            kernel_load_cr3:
                    movq %rax, %cr3
                    ret
            consume_skb:
                    ret
            kernel_restart:
                    ret
            """;
    static final String NET = """
                    .section .text, "ax"
            net_load_cr3:
                    movq %rax, %cr3
                    ret
            ndo_start_xmit:
                    ret
            net_helper:
                    ret
            """;
    static final String GATE = """
                    .section .gate, "ax"
            gate_load_cr3:
                    movq %rax, %cr3
                    vmfunc
                    ret
            """;
    /** net implements ndo_start_xmit for the kernel and may call the kernel's consume_skb. */
    static final String IDL = """
            module kernel {
            	rpc_ptr int ndo_start_xmit( u64 skb ) {
            	}
            	rpc void consume_skb( u64 skb ) {
            	}
            }
            """;

    static Machine machine;
    static LvdSystem system;
    static StepChecks checks;
    static int net;

    @BeforeAll
    static void build() throws Exception {
        Map<String, InputFile> files = Map.of("unit.lvd", InputFile.of("unit.lvd", SPEC),
                "kernel.s", InputFile.of("kernel.s", KERNEL), "net.s", InputFile.of("net.s", NET),
                "gate.s", InputFile.of("gate.s", GATE), "net.idl", InputFile.of("net.idl", IDL));
        SystemBuilder.Built b = SystemBuilder.build(SpecLoader.load("unit.lvd", SourceSet.inMemory(files)), 1);
        machine = new Machine(b.system(), b.initial());
        system = machine.system();
        checks = new StepChecks(machine);
        net = system.views().indexOf("net");
    }

    // ---- hand-built states and steps -----------------------------------------------------------

    /** An instruction of {@code view}'s image at the address of {@code symbol} (+ {@code skip} instructions). */
    static PlacedInstruction insn(String view, String symbol, int skip) {
        long at = system.images().get(view).symbol(symbol).orElseThrow();
        List<PlacedInstruction> all = system.images().get(view).instructions();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).address() == at) {
                return all.get(i + skip);
            }
        }
        throw new AssertionError(symbol + " is not an instruction of " + view);
    }

    /** The host address the instruction at {@code pi} was loaded to in {@code view}. */
    static long hpa(String view, PlacedInstruction pi) {
        return system.code().entrySet().stream()
                .filter(e -> e.getValue().view().equals(view) && e.getValue().insn().address() == pi.address())
                .mapToLong(Map.Entry::getKey).findFirst().orElseThrow();
    }

    /** CPU 0 running under {@code view}'s EPT at {@code rip}, everything else as built. */
    static MachineState running(int view, long rip) {
        MachineState s = machine.initial();
        CpuState c = s.cpu(0);
        CpuState r = c.withRegs(c.regs().withRip(rip)).withVmcs(c.vmcs().withEptp(system.eptps()[view][0]))
                .withMode(CpuMode.RUNNING);
        return s.withCpu(0, r);
    }

    static MachineState withRegs(MachineState s, ArchRegs r) {
        return s.withCpu(0, s.cpu(0).withRegs(r));
    }

    /** The executed event of {@code pi} run from {@code view}'s copy (the host address {@code from} says where it was fetched). */
    static Event.Executed executed(PlacedInstruction pi, String fetchedFrom, int view) {
        return new Event.Executed(pi.address(), hpa(fetchedFrom, pi), system.viewName(view), pi);
    }

    static List<String> check(MachineState before, int caller, MachineState after, Event... events) {
        Step st = new Step(after, List.of(events));
        return checks.step(before, new int[] {caller}, new Action.Execute(0), st).stream().map(Violation::property).toList();
    }

    static List<Violation> violations(MachineState before, int caller, MachineState after, Event... events) {
        return checks.step(before, new int[] {caller}, new Action.Execute(0), new Step(after, List.of(events)));
    }

    static final int CR_ACCESS = 28;

    // ---- AVAIL --------------------------------------------------------------------------------

    @Test
    void availIsBrokenByAStepThatStopsTheCpu() {
        PlacedInstruction pi = insn("net", "net_load_cr3", 0);
        MachineState before = running(net, pi.address());
        MachineState after = before.withCpu(0, before.cpu(0).withMode(CpuMode.STOPPED));
        List<Violation> v = violations(before, 0, after, executed(pi, "net", net),
                new Event.VmExit(CR_ACCESS, "cr-access", "domain", "halt", "MOV to CR3"),
                new Event.Stopped("the hypervisor halted the vCPU on exit cr-access"));
        assertEquals(List.of("AVAIL"), v.stream().map(Violation::property).toList());
        assertEquals("cpu0 stopped: the hypervisor halted the vCPU on exit cr-access", v.get(0).evidence());
    }

    @Test
    void availHoldsWhenTheDomainIsKilledAndTheCpuGoesOn() {
        PlacedInstruction pi = insn("net", "net_load_cr3", 0);
        MachineState before = running(net, pi.address());
        MachineState after = running(0, insn("kernel", "consume_skb", 0).address());
        assertEquals(List.of(), check(before, 0, after, executed(pi, "net", net),
                new Event.VmExit(CR_ACCESS, "cr-access", "domain", "kill", "MOV to CR3"),
                new Event.Killed("net", "exit cr-access from the domain")));
    }

    // ---- TAINT --------------------------------------------------------------------------------

    @Test
    void taintIsBrokenByATrustedUseOfTheDriversValue() {
        PlacedInstruction pi = insn("kernel", "kernel_load_cr3", 0);
        MachineState before = running(0, pi.address());
        List<Violation> v = violations(before, 0, before, executed(pi, "kernel", 0),
                new Event.TaintUse("RSP ⊤ used as the return address's location", pi.address()));
        assertEquals(List.of("TAINT"), v.stream().map(Violation::property).toList());
        assertTrue(v.get(0).evidence().startsWith("cpu0 at 0x" + Long.toHexString(pi.address()) + ": RSP ⊤"),
                v.get(0).evidence());
    }

    // ---- DINTEG (a kernel RPC handler follows the driver's value) -----------------------------

    @Test
    void dintegIsBrokenWhenAKernelRpcHandlerUsesTheDriversValue() {
        PlacedInstruction pi = insn("kernel", "consume_skb", 0);
        MachineState before = running(0, pi.address());
        List<Violation> v = violations(before, 0, before, executed(pi, "kernel", 0),
                new Event.TaintUse("memory address", pi.address()));
        assertEquals(List.of("TAINT", "DINTEG"), v.stream().map(Violation::property).toList());
        assertEquals("cpu0 at 0x" + Long.toHexString(pi.address()) + ": the kernel's handler consume_skb follows a "
                + "value a domain wrote: memory address", v.get(1).evidence());
    }

    @Test
    void aDeliveryAtAHandlersFirstInstructionIsNoDinteg() {
        // As built the IDT is the driver's: an interrupt arriving when the kernel is about to run
        // consume_skb reads a ⊤ gate. That is TAINT (and IRQ), not the handler following a pointer.
        PlacedInstruction pi = insn("kernel", "consume_skb", 0);
        MachineState before = running(0, pi.address());
        Step st = new Step(before, List.of(new Event.TaintUse("a ⊤ IDT gate for vector 239", pi.address())));
        List<String> v = checks.step(before, new int[] {0}, new Action.Interrupt(0, 0xef), st).stream()
                .map(Violation::property).toList();
        assertTrue(v.contains("TAINT") && !v.contains("DINTEG"), v.toString());
    }

    @Test
    void aDomainsOwnUseOfItsValuesIsNoDinteg() {
        // consume_skb's address under net's EPT is not the kernel's handler running: only TAINT's rules apply.
        PlacedInstruction pi = insn("kernel", "consume_skb", 0);
        MachineState before = running(net, pi.address());
        List<Violation> v = violations(before, 0, before, executed(pi, "kernel", net),
                new Event.TaintUse("memory address", pi.address()));
        assertTrue(v.stream().noneMatch(x -> x.property().equals("DINTEG")), v.toString());
    }

    @Test
    void taintHoldsWhenTheDriverUsesItsOwnValue() {
        PlacedInstruction pi = insn("net", "net_helper", 0);
        MachineState before = running(net, pi.address());
        MachineState after = withRegs(before, before.cpu(0).regs().withTaint(ArchRegs.T_RIP, true));
        assertEquals(List.of(), check(before, 0, after, executed(pi, "net", net),
                new Event.DriverControl("the driver's ret through its own ⊤ stack", pi.address())));
    }

    // ---- INV4 ---------------------------------------------------------------------------------

    @Test
    void inv4IsBrokenWhenTheHypervisorEmulatesADomainsCr3Load() {
        PlacedInstruction pi = insn("net", "net_load_cr3", 0);
        MachineState before = running(net, pi.address());
        List<Violation> v = violations(before, 0, before, executed(pi, "net", net),
                new Event.VmExit(CR_ACCESS, "cr-access", "domain", "emulate", "MOV to CR3"));
        assertEquals(List.of("INV4"), v.stream().map(Violation::property).toList());
        assertEquals("cpu0: mov from the domain exited (cr-access) and the hypervisor emulated it (MOV to CR3)",
                v.get(0).evidence());
    }

    @Test
    void inv4HoldsWhenTheExitKillsOrComesFromTheKernel() {
        PlacedInstruction pi = insn("net", "net_load_cr3", 0);
        MachineState before = running(net, pi.address());
        assertEquals(List.of(), check(before, 0, before, executed(pi, "net", net),
                new Event.VmExit(CR_ACCESS, "cr-access", "domain", "kill", "MOV to CR3")));
        PlacedInstruction k = insn("kernel", "kernel_load_cr3", 0);
        MachineState inKernel = running(0, k.address());
        assertEquals(List.of(), check(inKernel, 0, inKernel, executed(k, "kernel", 0),
                new Event.VmExit(CR_ACCESS, "cr-access", "kernel", "emulate", "MOV to CR3")));
    }

    @Test
    void inv4IsBrokenWhenDomainCodeChangesCr3WithoutAnExit() {
        PlacedInstruction pi = insn("net", "net_load_cr3", 0);
        MachineState before = running(net, pi.address());
        ArchRegs r = before.cpu(0).regs();
        MachineState after = withRegs(before, r.withCr3(0x40000000L).withRip(pi.end()));
        List<Violation> v = violations(before, 0, after, executed(pi, "net", net));
        assertEquals(List.of("INV4"), v.stream().map(Violation::property).toList());
        assertEquals("cpu0: CR3 changed by domain code at 0x" + Long.toHexString(pi.address()) + " without a refusing exit",
                v.get(0).evidence());
    }

    @Test
    void inv4IsBrokenWhenDomainCodeSetsTheDebugRegisters() {
        PlacedInstruction pi = insn("net", "net_helper", 0);
        MachineState before = running(net, pi.address());
        MachineState after = withRegs(before, before.cpu(0).regs().withTaint(ArchRegs.T_DR, true));
        assertEquals(List.of("INV4"), check(before, 0, after, executed(pi, "net", net)));
        MachineState dr7 = withRegs(before, before.cpu(0).regs().withDr7(0x401));
        assertEquals(List.of("INV4"), check(before, 0, dr7, executed(pi, "net", net)));
    }

    @Test
    void inv4HoldsForTheSameChangeByTheKernelOrByTransitionCode() {
        PlacedInstruction k = insn("kernel", "kernel_load_cr3", 0);
        MachineState inKernel = running(0, k.address());
        assertEquals(List.of(), check(inKernel, 0, withRegs(inKernel, inKernel.cpu(0).regs().withCr3(0x40000000L)),
                executed(k, "kernel", 0)));
        PlacedInstruction g = insn("net", "gate_load_cr3", 0);
        MachineState inGate = running(net, g.address());
        assertEquals(List.of(), check(inGate, 0, withRegs(inGate, inGate.cpu(0).regs().withCr3(0x40000000L)),
                executed(g, "net", net)));
    }

    // ---- EXEC ---------------------------------------------------------------------------------

    @Test
    void execIsBrokenByKernelCodeUnderTheDomainsEpt() {
        PlacedInstruction k = insn("kernel", "consume_skb", 0);
        MachineState before = running(net, k.address());
        List<Violation> v = violations(before, 0, before, executed(k, "kernel", net));
        assertEquals(List.of("EXEC"), v.stream().map(Violation::property).toList());
        assertEquals("cpu0: kernel code at 0x" + Long.toHexString(k.address()) + " (HPA 0x"
                + Long.toHexString(hpa("kernel", k)) + ") ran under the net EPT", v.get(0).evidence());
    }

    @Test
    void execIsBrokenByDomainCodeUnderTheKernelsEpt() {
        PlacedInstruction n = insn("net", "ndo_start_xmit", 0);
        MachineState before = running(0, n.address());
        assertEquals(List.of("EXEC"), check(before, 0, before, executed(n, "net", 0)));
    }

    @Test
    void execHoldsForEachViewsOwnCodeAndForTransitionCode() {
        PlacedInstruction k = insn("kernel", "consume_skb", 0);
        assertEquals(List.of(), check(running(0, k.address()), 0, running(0, k.address()), executed(k, "kernel", 0)));
        PlacedInstruction n = insn("net", "ndo_start_xmit", 0);
        assertEquals(List.of(), check(running(net, n.address()), 0, running(net, n.address()), executed(n, "net", net)));
        PlacedInstruction g = insn("kernel", "gate_load_cr3", 1);
        assertEquals(List.of(), check(running(net, g.address()), 0, running(net, g.address()), executed(g, "kernel", net)),
                "the kernel's copy of the gate page under net's EPT: transition code");
    }

    // ---- CALL ---------------------------------------------------------------------------------

    @Test
    void callIsBrokenWhenTheKernelRunsAFunctionTheDomainsIdlDoesNotDeclare() {
        MachineState s = running(0, insn("kernel", "kernel_restart", 0).address());
        List<Violation> v = violations(s, net, s, new Event.Dispatched("kernel", 7, "kernel_restart"));
        assertEquals(List.of("CALL"), v.stream().map(Violation::property).toList());
        assertEquals("the kernel's dispatcher ran kernel_restart for net, whose IDL does not declare it as an rpc",
                v.get(0).evidence());
    }

    @Test
    void callIsBrokenWhenTheKernelsDispatcherRunsForNoDomain() {
        MachineState s = running(0, insn("kernel", "consume_skb", 0).address());
        List<Violation> v = violations(s, 0, s, new Event.Dispatched("kernel", 6, "consume_skb"));
        assertEquals(List.of("CALL"), v.stream().map(Violation::property).toList());
        assertEquals("the kernel's dispatcher ran consume_skb for a call from no domain", v.get(0).evidence());
    }

    @Test
    void callIsBrokenWhenTheDomainsDispatcherRunsAFunctionItsIdlDoesNotRegister() {
        MachineState s = running(net, insn("net", "net_helper", 0).address());
        assertEquals(List.of("CALL"), check(s, 0, s, new Event.Dispatched("net", 9, "net_helper")));
    }

    @Test
    void callHoldsForTheDeclaredFunctionsBothWays() {
        MachineState k = running(0, insn("kernel", "consume_skb", 0).address());
        assertEquals(List.of(), check(k, net, k, new Event.Dispatched("kernel", 6, "consume_skb")));
        MachineState n = running(net, insn("net", "ndo_start_xmit", 0).address());
        assertEquals(List.of(), check(n, 0, n, new Event.Dispatched("net", 21, "ndo_start_xmit")));
    }

    // ---- a step that breaks several ----------------------------------------------------------

    @Test
    void oneStepReportsEachPropertyItBreaks() {
        PlacedInstruction k = insn("kernel", "kernel_load_cr3", 0);
        MachineState before = running(net, k.address());
        CpuState c = before.cpu(0);
        MachineState after = before.withCpu(0, c.withRegs(c.regs().withCr3(0x40000000L)).withMode(CpuMode.STOPPED));
        assertEquals(List.of("INV4", "AVAIL", "EXEC", "INV4"), check(before, 0, after, executed(k, "kernel", net),
                new Event.VmExit(CR_ACCESS, "cr-access", "domain", "emulate", "MOV to CR3"),
                new Event.Stopped("triple fault")),
                "the emulated exit, the stop, kernel code under net's EPT, the CR3 it changed");
    }
}
