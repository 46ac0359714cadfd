package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.emulator.machine.Step;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The frame ownership of the partial-order reduction (docs/MODEL.md, "Frame ownership") on
 * lvd-hardened: which frames are a CPU's, a thread's, read-only or nobody's; which accesses make
 * an instruction local; and that a step reaching what another CPU owns is recorded as a breach.
 */
class FrameOwnershipTest {
    private static Machine machine;
    private static FrameOwnership own;
    /** Frames of lvd-hardened (lvd-hardened.lvd): each CPU's kernel state page, t0's task page, the IDT, net's state page, cpu0's per-CPU area. */
    private static final long STATE0 = 0x1802, STATE1 = 0x1803, T0_TASK = 0x3100, T1_TASK = 0x3110, IDT = 0x1800,
            NET_STATE = 0x4312, PERCPU0 = 0x2002;

    @BeforeAll
    static void build() throws Exception {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        machine = sys.machine();
        own = new FrameOwnership(machine);
    }

    @Test
    void eachCpusStatePageIsItsOwnAndEachThreadsTaskPageIsTheThreads() {
        assertEquals(0, own.cpuOf(STATE0));
        assertEquals(1, own.cpuOf(STATE1));
        assertEquals(0, own.threadOf(T0_TASK));
        assertEquals(1, own.threadOf(T1_TASK));
        assertEquals(0, own.cpuOf(0x2004), "cpu0's first IST stack page");
        assertEquals(-1, own.threadOf(STATE0));
    }

    @Test
    void theIdtAndTheDomainsStatePageAreReadOnlyAndThePerCpuAreaIsNobodys() {
        assertTrue(own.readOnly(IDT));
        assertTrue(own.readOnly(NET_STATE));
        assertEquals(-1, own.cpuOf(PERCPU0), "drop_stack writes another CPU's stack bitmap there");
        assertFalse(own.readOnly(PERCPU0));
    }

    @Test
    void anInstructionReachingOnlyWhatItsCpuOwnsIsLocal() {
        MachineState s = running(0, 0);
        assertTrue(own.local(s, 0, accessed(read(STATE0), write(STATE0 + 0))), "its own state page");
        assertTrue(own.local(s, 0, accessed(workBlock(T0_TASK) | 1)), "its running thread's work block");
        assertTrue(own.local(s, 0, accessed(read(NET_STATE))), "reading a read-only frame");
        assertFalse(own.local(s, 0, accessed(write(NET_STATE))), "writing a read-only frame");
        assertFalse(own.local(s, 0, accessed(read(STATE1))), "another CPU's state page");
        assertFalse(own.local(s, 0, accessed(workBlock(T1_TASK))), "another thread's work block");
        assertFalse(own.local(s, 0, accessed(read(PERCPU0))), "a frame nobody owns");
    }

    @Test
    void theTaskFieldsTheKillReadsInEveryThreadAreShared() {
        long killed = taskField("TASK_lvd_killed", 0);
        MachineState s = running(0, 0);
        assertFalse(own.local(s, 0, new Event.Accessed(new long[] {killed << 4 | 7 << 1}, false)),
                "an access to TASK_lvd_killed is never local");
        MachineState both = running(running(0, 0), 1, 1);
        // cpu1 writes t0's TASK_lvd_killed while t0 runs on cpu0, as the hypervisor's kill does: no breach.
        FrameOwnership fresh = new FrameOwnership(machine);
        MachineState after = both.withMem(both.mem().edit().write(killed, 8, 1).freeze());
        fresh.observe(both, 1, new Step(after, List.of()));
        assertEquals(List.of(), fresh.breaches());
    }

    @Test
    void aStepReachingAnotherCpusOrAnotherRunningThreadsFrameIsABreach() {
        MachineState both = running(running(0, 0), 1, 1);
        FrameOwnership fresh = new FrameOwnership(machine);
        fresh.observe(both, 1, new Step(both, List.of(accessed(read(STATE0)))));
        assertEquals(1, fresh.breaches().size(), fresh.breaches().toString());
        assertTrue(fresh.breaches().get(0).contains("cpu1 read cpu0's frame"), fresh.breaches().toString());

        FrameOwnership second = new FrameOwnership(machine);
        MachineState after = both.withMem(both.mem().edit().write(T0_TASK << 12 | 0x800, 8, 5).freeze());
        second.observe(both, 1, new Step(after, List.of()));
        assertEquals(1, second.breaches().size(), second.breaches().toString());
        assertTrue(second.breaches().get(0).contains("thread t0, running on cpu0"), second.breaches().toString());

        FrameOwnership third = new FrameOwnership(machine);
        third.observe(both, 0, new Step(after, List.of(accessed(workBlock(T0_TASK) | 1))));
        assertEquals(List.of(), third.breaches(), "t0's own CPU may write its frames");
        third.observe(both, 1, new Step(both, List.of(accessed(write(NET_STATE)))));
        assertEquals(1, third.breaches().size(), "a write to a read-only frame");
    }

    @Test
    void eachCpuUsesItsOwnEptpListAndAChangeToItsKernelSlotIsABreach() {
        MachineState s = machine.initial();
        long[] lists = machine.system().eptpLists();
        for (int c = 0; c < lists.length; c++) {
            assertTrue(own.ownEptpList(s, c), "cpu" + c + " starts with the list the hypervisor built for it");
        }
        MachineState other = s.withCpu(1, s.cpu(1).withVmcs(s.cpu(1).vmcs().withEptpListAddress(lists[0])));
        assertFalse(own.ownEptpList(other, 1), "cpu1 on cpu0's list (as after an install hypercall)");

        FrameOwnership kill = new FrameOwnership(machine);
        MachineState cleared = s.withMem(s.mem().edit().write(lists[1] + 8, 8, 0).freeze());
        kill.observe(s, 0, new Step(cleared, List.of()));
        assertEquals(List.of(), kill.breaches(), "the kill clears a domain's slot, not the kernel's");

        FrameOwnership bad = new FrameOwnership(machine);
        MachineState rewritten = s.withMem(s.mem().edit().write(lists[1], 8, 0).freeze());
        bad.observe(s, 0, new Step(rewritten, List.of()));
        assertEquals(1, bad.breaches().size(), bad.breaches().toString());
        assertTrue(bad.breaches().get(0).contains("kernel's entry (slot 0) of cpu1's EPTP list"), bad.breaches().toString());
    }

    private static long taskField(String field, int thread) {
        long off = machine.system().images().get("kernel").symbol(field).orElseThrow();
        long gva = machine.system().spec().threads().get(thread).taskGva() + off;
        return machine.hostAddress(machine.initial(), 0, gva);
    }

    private static MachineState running(int cpu, int thread) {
        return running(machine.initial(), cpu, thread);
    }

    private static MachineState running(MachineState s, int cpu, int thread) {
        return s.withCpu(cpu, s.cpu(cpu).withThread(thread));
    }

    private static long read(long frame) {
        return (frame << 12 | 0x10) << 4 | 7 << 1;
    }

    /** A read of the first word of the work block (task + 0x800). */
    private static long workBlock(long taskFrame) {
        return (taskFrame << 12 | 0x800) << 4 | 7 << 1;
    }

    private static long write(long frame) {
        return read(frame) | 1;
    }

    private static Event.Accessed accessed(long... accesses) {
        return new Event.Accessed(accesses, false);
    }
}
