package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.CpuMode;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.emulator.machine.ThreadStatus;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Which steps the partial-order reduction takes as CPU-local (docs/MODEL.md, "Partial-order
 * reduction"), on hand-placed states of lvd-hardened: trusted code's VMFUNC back to the kernel's
 * view through the CPU's own EPTP list, and either outcome of a jump on ⊤ flags, are local; a
 * VMFUNC to a domain's slot, or any VMFUNC when a witness names crossings, is not; the timer's
 * do_IRQ and a __schedule that keeps the thread are local once no thread can be switched in; a
 * device interrupt's do_IRQ always.
 */
class CpuLocalityTest {
    private static Machine machine;
    private static FrameOwnership own;
    private static long entryVmfunc;
    private static long entryJcc;
    private static long entryCpuid;

    @BeforeAll
    static void build() throws Exception {
        machine = Replay.system(SpecLoader.load("lvd-hardened"), true).machine();
        own = new FrameOwnership(machine);
        for (Map.Entry<Long, LvdSystem.CodeAt> e : new java.util.TreeMap<>(machine.system().code()).entrySet()) {
            var at = e.getValue();
            long a = at.insn().address();
            if (!at.view().equals("kernel") || a < 0xffffffff81000000L || a >= 0xffffffff81000859L) {
                continue; // .entry.text: mapped in every view
            }
            if (entryVmfunc == 0 && at.insn().insn().mnemonic() == Mnemonic.VMFUNC) {
                entryVmfunc = a;
            }
            if (entryJcc == 0 && at.insn().insn().mnemonic() == Mnemonic.JCC) {
                entryJcc = a;
            }
            if (entryCpuid == 0 && at.insn().insn().mnemonic() == Mnemonic.CPUID) {
                entryCpuid = a;
            }
        }
    }

    /** cpu0 under net's view (slot 1) at {@code rip}, with RAX = 0 and RCX = {@code ecx}. */
    private static MachineState underNet(long rip, long ecx) {
        MachineState s = machine.initial();
        var cpu = s.cpu(0).withMode(CpuMode.RUNNING).withThread(0);
        ArchRegs r = cpu.regs().withRip(rip).withGpr(ArchRegs.RAX, 0).withGpr(ArchRegs.RCX, ecx);
        long net = machine.system().eptps()[1][0];
        return s.withCpu(0, cpu.withRegs(r).withVmcs(cpu.vmcs().withEptp(net).withEptpIndex(1)));
    }

    @Test
    void trustedCodesVmfuncBackToTheKernelsViewIsLocalUnlessAWitnessNamesCrossings() {
        MachineState s = underNet(entryVmfunc, 0);
        assertEquals(1, machine.viewOf(s, 0));
        Action a = new Action.Execute(0);
        Step st = machine.next(s, a);
        assertEquals(0, machine.viewOf(st.state(), 0), st.events().toString());
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Crossing), st.events().toString());
        assertTrue(CpuLocality.isLocal(a, st, s, machine, own, false));
        assertFalse(CpuLocality.isLocal(a, st, s, machine, own, true), "a crossing witness makes it visible");
        assertFalse(CpuLocality.isLocal(a, st, s, machine, null, false), "no ownership check: no reduction");

        MachineState foreign = s.withCpu(0, s.cpu(0).withVmcs(s.cpu(0).vmcs()
                .withEptpListAddress(machine.system().eptpLists()[1])));
        Step viaOther = machine.next(foreign, a);
        assertFalse(CpuLocality.isLocal(a, viaOther, foreign, machine, own, false), "another CPU's EPTP list");
    }

    @Test
    void aVmfuncToADomainsSlotIsGlobal() {
        MachineState s = underNet(entryVmfunc, 1);
        Action a = new Action.Execute(0);
        Step st = machine.next(s, a);
        assertEquals(1, machine.viewOf(st.state(), 0), st.events().toString());
        assertFalse(CpuLocality.isLocal(a, st, s, machine, own, false), "slot 1 is one a kill rewrites");
    }

    @Test
    void eitherOutcomeOfAJumpOnTopFlagsIsLocal() {
        MachineState s = machine.initial();
        var cpu = s.cpu(0).withMode(CpuMode.RUNNING).withThread(0);
        s = s.withCpu(0, cpu.withRegs(cpu.regs().withRip(entryJcc).withTaint(ArchRegs.T_FLAGS, true)));
        for (boolean taken : new boolean[] {false, true}) {
            Action a = new Action.Branch(0, taken);
            Step st = machine.next(s, a);
            assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Executed x
                    && x.insn().insn().mnemonic() == Mnemonic.JCC), st.events().toString());
            assertTrue(CpuLocality.isLocal(a, st, s, machine, own, false), "taken " + taken);
        }
    }

    /** The first step of cpu0 from {@code s} (Execute) whose events name primitive {@code name}; its pre-state. */
    private static MachineState before(MachineState s, String name) {
        for (int i = 0; i < 400; i++) {
            Step st = machine.next(s, new Action.Execute(0));
            if (st.events().stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals(name)
                    || e instanceof Event.Switched && name.equals("__schedule"))) {
                return s;
            }
            s = st.state();
        }
        throw new AssertionError("cpu0 never ran " + name);
    }

    /** cpu0 runs t0 and takes a timer interrupt at t0's first instruction; t1 is NEW. */
    private static MachineState timerInT0() {
        return interruptInT0(0xef);
    }

    /** cpu0 runs t0 and takes interrupt {@code vector} at t0's first instruction; t1 is NEW. */
    private static MachineState interruptInT0(int vector) {
        MachineState s = machine.initial();
        while (s.cpu(0).mode() != CpuMode.RUNNING) {
            s = machine.next(s, new Action.Execute(0)).state();
        }
        assertEquals(0, s.cpu(0).thread());
        return machine.next(s, new Action.Interrupt(0, vector)).state();
    }

    /** {@code s} with t1 given the status {@code st} (running on cpu1 when RUNNING). */
    private static MachineState t1(MachineState s, ThreadStatus st) {
        var th = s.threads().get(1);
        s = s.withThread(1, th.with(st, 1, th.saved()));
        return st == ThreadStatus.RUNNING ? s.withCpu(1, s.cpu(1).withMode(CpuMode.RUNNING).withThread(1)) : s;
    }

    private static boolean local(MachineState pre, String primitive) {
        Action a = new Action.Execute(0);
        Step st = machine.next(pre, a);
        assertTrue(st.events().stream().anyMatch(e -> e instanceof Event.Primitive p && p.name().equals(primitive)
                || e instanceof Event.Switched), st.events().toString());
        return CpuLocality.isLocal(a, st, pre, machine, own, false);
    }

    @Test
    void theTimersDoIrqIsLocalOnlyOnceNoThreadCanBeSwitchedIn() {
        MachineState pre = before(timerInT0(), "do_IRQ");
        assertFalse(local(pre, "do_IRQ"), "t1 NEW: do_IRQ sets need_resched by a thread table another CPU changes");
        assertFalse(local(t1(pre, ThreadStatus.RUNNABLE), "do_IRQ"), "t1 RUNNABLE");
        assertTrue(local(t1(pre, ThreadStatus.RUNNING), "do_IRQ"), "t1 running on cpu1: nothing can be switched in");
        assertTrue(local(t1(pre, ThreadStatus.DONE), "do_IRQ"), "t1 done");
        assertFalse(CpuLocality.noThreadCanBeSwitchedIn(pre));
        assertTrue(CpuLocality.noThreadCanBeSwitchedIn(t1(pre, ThreadStatus.DONE)));
    }

    @Test
    void aDeviceInterruptsDoIrqIsLocalWhateverTheThreads() {
        MachineState pre = before(interruptInT0(0x31), "do_IRQ");
        Step st = machine.next(pre, new Action.Execute(0));
        Event.Primitive irq = st.events().stream().filter(e -> e instanceof Event.Primitive p && p.name().equals("do_IRQ"))
                .map(Event.Primitive.class::cast).findFirst().orElseThrow();
        assertFalse(irq.readsThreads(), "the NIC's do_IRQ does not ask the run queue: " + irq);
        assertTrue(local(pre, "do_IRQ"), "t1 NEW, yet nothing another CPU changes is read");
        assertTrue(local(t1(pre, ThreadStatus.RUNNABLE), "do_IRQ"), "t1 RUNNABLE");
        Event.Primitive tick = machine.next(before(timerInT0(), "do_IRQ"), new Action.Execute(0)).events().stream()
                .filter(e -> e instanceof Event.Primitive p && p.name().equals("do_IRQ"))
                .map(Event.Primitive.class::cast).findFirst().orElseThrow();
        assertTrue(tick.readsThreads(), "the timer's does: " + tick);
    }

    @Test
    void aScheduleThatKeepsTheThreadIsLocalOnlyOnceNoThreadCanBeSwitchedIn() {
        // t1 NEW: do_IRQ sets need_resched; the return path's preemption loop calls __schedule.
        MachineState pre = before(timerInT0(), "__schedule");
        assertFalse(local(pre, "__schedule"), "t1 NEW: the switch to it is global");
        // t1 started on cpu1 meanwhile: __schedule finds nobody and t0 continues.
        MachineState running = t1(pre, ThreadStatus.RUNNING);
        Step st = machine.next(running, new Action.Execute(0));
        assertTrue(st.events().stream().noneMatch(e -> e instanceof Event.Switched), st.events().toString());
        assertTrue(local(running, "__schedule"));
    }
    /**
     * What the reduction rules out before taking a step ({@link CpuLocality#globalBeforeTaken}: a
     * move other than an instruction, a branch outcome or an interrupt; an instruction step with
     * nothing to execute; one of an instruction that is never local) is global once taken too,
     * along random runs of lvd-hardened that reach the driver's moves, idle CPUs and the gate's
     * CPUID and VMFUNC.
     */
    @Test
    void whatIsRuledOutBeforeItIsTakenIsGlobalOnceTaken() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(28);
        int moves = 0;
        int nothing = 0;
        int never = 0;
        for (int run = 0; run < 8; run++) {
            CheckState s = sys.initialState();
            for (int k = 0; k < 300; k++) {
                java.util.List<LvdTransitionSystem.Choice> cs = sys.choices(s);
                if (cs.isEmpty()) {
                    break;
                }
                for (LvdTransitionSystem.Choice ch : cs) {
                    Action a = ch.action();
                    var next = sys.machine().nextInstruction(s.machine(), a.cpu());
                    if (CpuLocality.globalBeforeTaken(a, next)) {
                        assertFalse(sys.cpuLocal(s, sys.take(s, ch)), ch.label() + " in run " + run + " at step " + k);
                        if (!(a instanceof Action.Execute)) {
                            moves++;
                        } else if (next == null) {
                            nothing++;
                        } else {
                            never++;
                        }
                    }
                }
                // The first CPU's own instructions mostly (its thread then reaches the driver), any
                // choice now and then, and the driver's jump to the abort's CPUID when it has one.
                String toCpuid = String.format("driver: jump to 0x%x with IF=0", entryCpuid);
                java.util.List<LvdTransitionSystem.Choice> abort = cs.stream().filter(c -> c.label().equals(toCpuid)).toList();
                java.util.List<LvdTransitionSystem.Choice> exec = cs.stream().filter(c -> c.label().startsWith("execute")).toList();
                LvdTransitionSystem.Choice c = !abort.isEmpty() && rnd.nextBoolean() ? abort.get(0)
                        : !exec.isEmpty() && rnd.nextInt(10) > 0 ? exec.get(0) : cs.get(rnd.nextInt(cs.size()));
                CheckState t = sys.take(s, c).target();
                if (t == null) {
                    break;
                }
                s = t;
            }
        }
        assertTrue(moves > 0 && nothing > 0 && never > 0, "driver moves " + moves + ", nothing to execute " + nothing
                + ", never-local instructions " + never);
    }
}
