package org.lvdcheck.emulator.exec;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearMemory;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.ExitReason;

/**
 * The {@link ExecContext} of one instruction seen as {@link LinearMemory}, so that shared
 * routines written against LinearMemory (IRETQ in {@code irq.InterruptReturn}) run through the
 * same context. SS-based accesses use segment SS (base 0 in 64-bit mode), the others are linear.
 * Writes the context reports are collected into the step.
 */
final class ContextMemory implements LinearMemory {
    private final Step step;

    ContextMemory(Step step) {
        this.step = step;
    }

    @Override
    public LinearResult read(long linear, int size, LinearAccess access) {
        return translate(step.ctx.read(step.start, segment(access), linear, size, kind(access)), linear);
    }

    @Override
    public LinearResult write(long linear, int size, long value, boolean tainted, LinearAccess access) {
        return translate(step.ctx.write(step.start, segment(access), linear, size, value, tainted, kind(access)), linear);
    }

    private static int segment(LinearAccess a) {
        return a.stackSegment() ? ArchRegs.SS : ExecContext.NO_SEGMENT;
    }

    private static AccessKind kind(LinearAccess a) {
        boolean write = a.kind() == org.lvdcheck.emulator.ept.EptAccess.Kind.WRITE;
        if (a.implicitSupervisor()) {
            return write ? AccessKind.SUPERVISOR_WRITE : AccessKind.SUPERVISOR_READ;
        }
        if (a.stackSegment()) {
            return write ? AccessKind.STACK_WRITE : AccessKind.STACK_READ;
        }
        return write ? AccessKind.DATA_WRITE : AccessKind.DATA_READ;
    }

    private LinearResult translate(MemResult r, long linear) {
        if (r instanceof MemResult.Ok ok) {
            step.addWrites(ok.writes());
            return new LinearResult.Value(ok.value(), ok.tainted());
        }
        if (r instanceof MemResult.Fault f) {
            PagingResult.Failure failure = switch (f.vector()) {
                case Vectors.PF -> new PagingResult.PageFault(f.errorCode(), f.cr2());
                case Vectors.SS -> new PagingResult.StackFault(f.errorCode());
                default -> new PagingResult.GeneralProtection(f.errorCode());
            };
            return new LinearResult.Fault(failure);
        }
        MemResult.EptExit e = (MemResult.EptExit) r;
        EptResult ept = e.reason() == ExitReason.EPT_VIOLATION
                ? new EptResult.Violation(e.qualification(), e.guestPhysical())
                : new EptResult.Misconfig(e.guestPhysical());
        return new LinearResult.Fault(new PagingResult.EptExit(ept, e.guestLinear()));
    }
}
