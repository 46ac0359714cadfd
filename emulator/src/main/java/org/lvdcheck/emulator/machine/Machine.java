package org.lvdcheck.emulator.machine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.exec.ExecOutcome;
import org.lvdcheck.emulator.exec.Executor;
import org.lvdcheck.emulator.irq.ArrivalRules;
import org.lvdcheck.emulator.irq.DeliveryResult;
import org.lvdcheck.emulator.irq.EventKind;
import org.lvdcheck.emulator.irq.InterruptDelivery;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.spec.asm.Decoder;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.lvd.Model;

/**
 * The executable LVD machine: a pure step function {@code next(state, action)} over
 * immutable states (DESIGN.md §1). One action is one instruction of one CPU (or one atomic
 * kernel primitive, or the idle loop's scheduling decision), or the arrival of one
 * interrupt at one CPU. Emulate, check and replay all use this one semantics.
 */
public final class Machine {
    private final LvdSystem system;
    private final MachineState initial;
    private final Hypervisor hypervisor;
    private final KernelPrimitives primitives;

    public Machine(LvdSystem system, MachineState initial) {
        this.system = system;
        this.initial = initial;
        this.hypervisor = new Hypervisor(system, this);
        this.primitives = new KernelPrimitives(system, this);
    }

    public LvdSystem system() {
        return system;
    }

    public MachineState initial() {
        return initial;
    }

    /** The view (0 = kernel, then domains) whose EPT is active on a CPU, -1 for an unknown EPTP. */
    public int viewOf(MachineState s, int cpu) {
        return system.viewOf(s.cpu(cpu).eptp(), cpu);
    }

    /** Whether {@code a} can happen in {@code s} (a CPU with something to do; an interrupt that can arrive). */
    public boolean enabled(MachineState s, Action a) {
        CpuState cpu = s.cpu(a.cpu());
        if (a instanceof Action.Execute) {
            return switch (cpu.mode()) {
                case RUNNING -> true;
                case IDLE -> runnableFor(s, a.cpu()) >= 0;
                default -> false;
            };
        }
        Action.Interrupt i = (Action.Interrupt) a;
        if (cpu.mode() == CpuMode.STOPPED || cpu.mode() == CpuMode.IDLE) {
            return false;
        }
        Model.VectorClass cls = vectorClass(i.vector());
        if (cls == Model.VectorClass.NMI) {
            return ArrivalRules.canTakeNmi(cpu.regs(), cpu.vmcs());
        }
        if (cls == Model.VectorClass.MC) {
            return ArrivalRules.canTakeMachineCheck(cpu.regs());
        }
        if (cls == Model.VectorClass.EXCEPTION || cls == null) {
            return false;
        }
        return ArrivalRules.maskableInterruptsEnabled(cpu.regs()) && !cpu.lapic().isr().contains(i.vector());
    }

    public Model.VectorClass vectorClass(int vector) {
        for (Model.Vector v : system.spec().vectors()) {
            if (v.number() == vector) {
                return v.vectorClass();
            }
        }
        return null;
    }

    public Step next(MachineState s, Action a) {
        List<Event> ev = new ArrayList<>();
        int c = a.cpu();
        try {
            MachineState n;
            if (a instanceof Action.Interrupt i) {
                n = interrupt(s, c, i.vector(), ev);
            } else {
                n = switch (s.cpu(c).mode()) {
                    case RUNNING -> execute(s, c, ev);
                    case IDLE -> schedule(s, c, ev);
                    default -> s;
                };
            }
            return new Step(n, ev);
        } catch (KernelAccess.Oops oops) {
            ev.add(new Event.Stopped("kernel oops: " + oops.getMessage()));
            return new Step(s.withCpu(c, s.cpu(c).withMode(CpuMode.STOPPED)), ev);
        }
    }

    // ---- one instruction ------------------------------------------------------------------

    private MachineState execute(MachineState s, int c, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        ArchRegs r = cpu.regs();
        long rip = r.rip();
        String view = system.viewName(viewOf(s, c));
        EptGuestPhysical gp = new EptGuestPhysical(s.mem(), cpu.eptp(), system.caps());
        PagingResult f = GuestPaging.translate(PagingRegs.of(r), rip, LinearAccess.FETCH, gp);
        if (f instanceof PagingResult.Failure fail) {
            return memFault(s, c, CpuContext.fault(fail), ev, "instruction fetch at 0x" + Long.toHexString(rip));
        }
        long hpa = ((PagingResult.Ok) f).hpa();
        PhysMem mem = gp.memory(); // with the A/D updates of the fetch walk
        s = s.withMem(mem);
        PlacedInstruction pi = instructionAt(mem, hpa, rip);
        if (pi == null) {
            ev.add(new Event.Executed(rip, view, null));
            return exception(s, c, 6, OptionalLong.empty(), 0, ev, "#UD: bytes at 0x" + Long.toHexString(rip)
                    + " are not an instruction of the subset");
        }
        ev.add(new Event.Executed(rip, view, pi));
        CpuState cur = s.cpu(c);
        ExecOutcome out = Executor.execute(r, pi, new CpuContext(system, mem, cur));
        if (out instanceof ExecOutcome.Next n) {
            return s.withMem(mem.apply(n.writes())).withCpu(c, cur.withRegs(n.regs()));
        }
        if (out instanceof ExecOutcome.Fault fl) {
            // Deliver from the registers the fault leaves (an IRETQ that faults has already unblocked NMIs).
            s = s.withCpu(c, cur.withRegs(fl.regs()));
            if (fl.vector() == 14) {
                ev.add(new Event.Fault(14, fl.errorCode().orElse(0), "#PF at 0x" + Long.toHexString(fl.cr2())));
            } else {
                ev.add(new Event.Fault(fl.vector(), fl.errorCode().orElse(-1), "fault raised by the instruction"));
            }
            return exception(s, c, fl.vector(), fl.errorCode(), fl.cr2(), ev, null);
        }
        if (out instanceof ExecOutcome.Trap t) {
            MachineState n = s.withMem(mem.apply(t.writes())).withCpu(c, cur.withRegs(t.regs()));
            return exception(n, c, t.vector(), OptionalLong.empty(), 0, ev, null);
        }
        if (out instanceof ExecOutcome.VmExit x) {
            return hypervisor.exit(s, c, x, pi, ev);
        }
        if (out instanceof ExecOutcome.EptpSwitched sw) {
            int from = viewOf(s, c);
            CpuState nc = cur.withRegs(sw.regs()).withVmcs(cur.vmcs().withEptp(sw.newEptp()).withEptpIndex(sw.index()));
            MachineState n = s.withCpu(c, nc);
            ev.add(new Event.Crossing(system.viewName(from), system.viewName(viewOf(n, c))));
            return n;
        }
        if (out instanceof ExecOutcome.PrimitiveCall pc) {
            MachineState n = s.withMem(mem.apply(pc.writes())).withCpu(c, cur.withRegs(pc.regsAfterPush()));
            return primitives.run(n, c, pc.name(), ev);
        }
        ExecOutcome.Halted h = (ExecOutcome.Halted) out;
        return s.withCpu(c, cur.withRegs(h.regs()).withMode(CpuMode.HALTED));
    }

    /**
     * The instruction at a host-physical address: the linked one when its bytes are still in
     * memory and it was linked at this RIP, otherwise whatever the bytes decode to (a jump into
     * the middle of an instruction, or code the driver rewrote).
     */
    private PlacedInstruction instructionAt(PhysMem mem, long hpa, long rip) {
        LvdSystem.CodeAt at = system.code().get(hpa);
        if (at != null && at.insn().address() == rip && bytesMatch(mem, hpa, at.insn().bytes())) {
            return at.insn();
        }
        Optional<Decoder.Decoded> d = Decoder.decode(addr -> (int) mem.read(hpa + (addr - rip), 1), rip);
        if (d.isEmpty()) {
            return null;
        }
        byte[] bytes = new byte[d.get().length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) mem.read(hpa + i, 1);
        }
        return new PlacedInstruction(rip, bytes, d.get().insn(), d.get().insn().pos());
    }

    private static boolean bytesMatch(PhysMem mem, long hpa, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if ((byte) mem.read(hpa + i, 1) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** A memory access of the CPU failed: a guest exception, or an EPT VM exit. */
    MachineState memFault(MachineState s, int c, org.lvdcheck.emulator.exec.MemResult r, List<Event> ev, String what) {
        if (r instanceof org.lvdcheck.emulator.exec.MemResult.Fault f) {
            ev.add(new Event.Fault(f.vector(), f.errorCode(), what));
            return exception(s, c, f.vector(), f.vector() == 14 || f.vector() == 13 || f.vector() == 12
                    ? OptionalLong.of(f.errorCode()) : OptionalLong.empty(), f.cr2(), ev, null);
        }
        org.lvdcheck.emulator.exec.MemResult.EptExit e = (org.lvdcheck.emulator.exec.MemResult.EptExit) r;
        return hypervisor.eptExit(s, c, e.reason(), e.qualification(), e.guestLinear(), e.guestPhysical(), ev, what);
    }

    // ---- events --------------------------------------------------------------------------

    /** Delivers an exception raised on CPU c (after the exception bitmap, which the built-in specs leave 0). */
    MachineState exception(MachineState s, int c, int vector, OptionalLong errorCode, long cr2, List<Event> ev, String why) {
        if (why != null) {
            ev.add(new Event.Fault(vector, errorCode.orElse(-1), why));
        }
        CpuState cpu = s.cpu(c);
        ArchRegs r = vector == 14 ? cpu.regs().withCr2(cr2) : cpu.regs();
        return deliver(s.withCpu(c, cpu.withRegs(r)), c, vector, errorCode, EventKind.EXCEPTION, ev);
    }

    private MachineState interrupt(MachineState s, int c, int vector, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        Model.VectorClass cls = vectorClass(vector);
        if (cls == Model.VectorClass.NMI && cpu.vmcs().nmiExiting()) {
            // NMI exiting: the NMI exits, the hypervisor queues it and re-injects it at VM entry
            // under the current EPTP (lvd-bflank vmexit/nmi.cpp): one exit, then guest delivery.
            ev.add(new Event.VmExit(ExitReason.EXCEPTION_OR_NMI.number(), "exception-or-nmi", origin(s, c).name().toLowerCase(), "inject",
                    "NMI exiting: queued and re-injected at VM entry under the current EPTP"));
            return deliver(s, c, vector, OptionalLong.empty(), EventKind.NMI, ev);
        }
        if (cls != Model.VectorClass.NMI && cls != Model.VectorClass.MC) {
            s = s.withCpu(c, s.cpu(c).withLapic(s.cpu(c).lapic().request(vector).acknowledge(vector)));
        }
        return deliver(s, c, vector, OptionalLong.empty(),
                cls == Model.VectorClass.NMI ? EventKind.NMI : cls == Model.VectorClass.MC ? EventKind.EXCEPTION
                        : EventKind.EXTERNAL, ev);
    }

    /** 64-bit delivery through the guest IDT, GDT and TSS, through paging and the current EPT. */
    MachineState deliver(MachineState s, int c, int vector, OptionalLong errorCode, EventKind kind, List<Event> ev) {
        CpuState cpu = s.cpu(c);
        int view = viewOf(s, c);
        ArchRegs r = cpu.regs();
        if (cpu.mode() == CpuMode.HALTED) {
            cpu = cpu.withMode(CpuMode.RUNNING);
        }
        r = r.withActivity(ActivityState.ACTIVE);
        for (int attempt = 0; attempt < 3; attempt++) {
            EptGuestPhysical gp = new EptGuestPhysical(s.mem(), cpu.eptp(), system.caps());
            PagedLinearMemory lm = new PagedLinearMemory(PagingRegs.of(r), gp);
            DeliveryResult d = InterruptDelivery.deliver(r, vector, errorCode, kind, lm);
            if (d instanceof DeliveryResult.Delivered ok) {
                ev.add(new Event.Delivered(vector, system.viewName(view), true, view != 0));
                return s.withMem(gp.memory()).withCpu(c, cpu.withRegs(ok.regs()));
            }
            if (d instanceof DeliveryResult.Fault f) {
                ev.add(new Event.Fault(f.vector(), f.errorCode(), "fault while delivering vector " + vector));
                r = f.regs();
                vector = f.vector();
                errorCode = OptionalLong.of(f.errorCode());
                kind = EventKind.EXCEPTION;
                continue;
            }
            if (d instanceof DeliveryResult.TripleFault) {
                return hypervisor.tripleFault(s, c, ev);
            }
            DeliveryResult.EptExit x = (DeliveryResult.EptExit) d;
            org.lvdcheck.emulator.exec.MemResult m = CpuContext.fault(x.exit());
            org.lvdcheck.emulator.exec.MemResult.EptExit e = (org.lvdcheck.emulator.exec.MemResult.EptExit) m;
            return hypervisor.eptExit(s, c, e.reason(), e.qualification(), e.guestLinear(), e.guestPhysical(), ev,
                    "delivery of vector " + vector);
        }
        return hypervisor.tripleFault(s, c, ev);
    }

    /** Where an exit comes from: the kernel only under this CPU's kernel EPT and at CPL 0 (DESIGN.md §2). */
    Model.Origin origin(MachineState s, int c) {
        return viewOf(s, c) == 0 && s.cpu(c).regs().cpl() == 0 ? Model.Origin.KERNEL : Model.Origin.DOMAIN;
    }

    // ---- scheduling ------------------------------------------------------------------------

    /** The first runnable thread CPU c may run, or -1. */
    int runnableFor(MachineState s, int c) {
        for (int t = 0; t < s.threads().size(); t++) {
            ThreadState th = s.threads().get(t);
            int pinned = system.spec().threads().get(t).cpu();
            if (th.status() == ThreadStatus.RUNNABLE && (pinned < 0 || pinned == c)) {
                return t;
            }
        }
        return -1;
    }

    /** The idle loop of CPU c picks the first runnable thread (Linux's pick_next_task on an idle CPU). */
    private MachineState schedule(MachineState s, int c, List<Event> ev) {
        int t = runnableFor(s, c);
        if (t < 0) {
            return s;
        }
        ev.add(new Event.Switched("idle", system.spec().threads().get(t).name()));
        return switchIn(s, c, t);
    }

    /**
     * Puts thread t on CPU c: the thread's own registers (GPRs, RIP, RFLAGS, CR3, FS base,
     * KERNEL_GS_BASE, extended state) replace the CPU's; the CPU keeps its own (GDT, IDT, TR,
     * GS base of its per-CPU area, control registers other than CR3). %gs:current_task follows.
     */
    MachineState switchIn(MachineState s, int c, int t) {
        CpuState cpu = s.cpu(c);
        ArchRegs from = s.threads().get(t).saved();
        ArchRegs r = cpu.regs();
        for (int i = 0; i < 16; i++) {
            r = r.withGpr(i, from.gpr(i));
        }
        r = r.withRip(from.rip()).withRflags(from.rflags()).withCr3(from.cr3()).withFsBase(from.fsBase())
                .withKernelGsBase(from.kernelGsBase()).withX87State(from.x87State()).withSseState(from.sseState())
                .withAvxState(from.avxState()).withMxcsr(from.mxcsr()).withPkru(from.pkru())
                .withBlockingBySti(false).withBlockingByMovSs(false);
        KernelAccess k = new KernelAccess(s.mem(), system.eptps()[0][c], r, system.caps());
        k.write(system.layout().percpu()[c] + constant("current_task"), 8, system.layout().taskGva()[t]);
        MachineState n = s.withMem(k.memory()).withCpu(c, cpu.withRegs(r).withMode(CpuMode.RUNNING).withThread(t));
        return n.withThread(t, s.threads().get(t).with(ThreadStatus.RUNNING, c, from));
    }

    MachineState hypervisorKill(MachineState s, int c, List<Event> ev, String why) {
        return hypervisor.kill(s, c, ev, why);
    }

    /**
     * Reads guest-linear memory as CPU {@code cpu} would in view {@code view} at CPL 0 with the
     * kernel's CR3: for tests, reports and tools that inspect a state.
     */
    public long peek(MachineState s, int view, int cpu, long gva, int size) {
        ArchRegs r = s.cpu(cpu).regs().withCr3(initial.cpu(cpu).regs().cr3());
        return new KernelAccess(s.mem(), system.eptps()[view][cpu], r, system.caps()).read(gva, size);
    }

    /** The host-physical address CPU {@code cpu} reaches for {@code gva} in its current paging and EPT, or -1. */
    public long hostAddress(MachineState s, int cpu, long gva) {
        CpuState c = s.cpu(cpu);
        PagingResult r = GuestPaging.translate(PagingRegs.of(c.regs()).withCpl(0), gva, LinearAccess.SUPERVISOR_READ,
                new EptGuestPhysical(s.mem(), c.eptp(), system.caps()));
        if (r instanceof PagingResult.Ok ok) {
            return ok.hpa();
        }
        r = GuestPaging.translate(PagingRegs.of(c.regs()).withCpl(0), gva, LinearAccess.FETCH,
                new EptGuestPhysical(s.mem(), c.eptp(), system.caps()));
        return r instanceof PagingResult.Ok ok ? ok.hpa() : -1;
    }

    long constant(String name) {
        return system.images().get("kernel").symbol(name).orElseThrow(
                () -> new IllegalStateException("asm-offsets constant " + name + " missing (checked at build)"));
    }
}
