package org.lvdcheck.emulator.exec;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.irq.Vectors;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.PlacedInstruction;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegKind;
import org.lvdcheck.spec.asm.RegOp;

/**
 * The working state of one instruction: the registers at its start (whose paging state every
 * access uses), the registers being built (RIP already at the next instruction), and the
 * host-physical writes collected so far. Faults and exits end it through {@link Abort}.
 */
final class Step {
    final ArchRegs start;
    final PlacedInstruction placed;
    final Instruction insn;
    final ExecContext ctx;
    ArchRegs regs;
    private final List<MemWrite> writes = new ArrayList<>();
    private boolean stiShadow;
    private boolean keepRf;

    Step(ArchRegs start, PlacedInstruction placed, ExecContext ctx) {
        this.start = start;
        this.placed = placed;
        this.insn = placed.insn();
        this.ctx = ctx;
        this.regs = start.withRip(placed.end());
    }

    // ---- ending the instruction ----

    static Abort abort(ExecOutcome outcome) {
        return new Abort(outcome);
    }

    static Abort gp0() {
        return abort(ExecOutcome.Fault.gp0());
    }

    static Abort gp(long errorCode) {
        return abort(ExecOutcome.Fault.withCode(Vectors.GP, errorCode));
    }

    static Abort ud() {
        return abort(ExecOutcome.Fault.ud());
    }

    /** An instruction-caused VM exit; guest state stays at the instruction. */
    Abort exit(ExitReason reason, long qualification, String why) {
        return exit(reason, qualification, 0, why);
    }

    Abort exit(ExitReason reason, long qualification, long instructionInfo, String why) {
        return abort(new ExecOutcome.VmExit(reason, qualification, placed.length(), instructionInfo, 0, 0, why));
    }

    /** Keeps blocking by STI after this instruction (STI with IF previously 0). */
    void setStiShadow() {
        stiShadow = true;
    }

    /**
     * The registers after a completed instruction: RF cleared (SDM Vol. 3A 17.3.1.1; IRETQ
     * reloads it afterwards), and the one-instruction STI and MOV-SS shadows of the previous
     * instruction over (Vol. 3A 6.8.3) unless this instruction opened a new STI shadow.
     */
    ArchRegs completedRegs() {
        return regs.toBuilder()
                .rflags(keepRf ? regs.rflags() : regs.rflags() & ~Rflags.RF)
                .blockingBySti(stiShadow)
                .blockingByMovSs(false)
                .build();
    }

    /** IRETQ loads RF from its frame: the completed instruction keeps it. */
    void keepRf() {
        keepRf = true;
    }

    List<MemWrite> writes() {
        return writes;
    }

    ExecOutcome.Next next() {
        return new ExecOutcome.Next(completedRegs(), writes);
    }

    // ---- memory ----

    long read(int segment, long offset, int size, AccessKind kind) {
        return take(ctx.read(start, segment, offset, size, kind));
    }

    void write(int segment, long offset, int size, long value, AccessKind kind) {
        take(ctx.write(start, segment, offset, size, OperandSize.truncate(value, size), kind));
    }

    void addWrites(List<MemWrite> more) {
        writes.addAll(more);
    }

    private long take(MemResult r) {
        if (r instanceof MemResult.Ok ok) {
            writes.addAll(ok.writes());
            return ok.value();
        }
        if (r instanceof MemResult.Fault f) {
            throw abort(ExecOutcome.Fault.of(f.vector(), java.util.OptionalLong.of(f.errorCode()), f.cr2()));
        }
        MemResult.EptExit e = (MemResult.EptExit) r;
        throw abort(new ExecOutcome.VmExit(e.reason(), e.qualification(), 0, 0, e.guestLinear(), e.guestPhysical(),
                e.reason().description() + " on a data access"));
    }

    // ---- operands ----

    /** The effective address (offset in its segment) of a memory operand, with 64-bit address size. */
    long effectiveAddress(MemOp m) {
        long ea = m.disp();
        if (m.base() != null) {
            ea += regs.gpr(m.base().gpr());
        }
        if (m.index() != null) {
            ea += regs.gpr(m.index().gpr()) * m.scale();
        }
        return ea;
    }

    /** The segment of a memory operand: the override, else SS with an RSP or RBP base, else DS (Vol. 1 3.7.4). */
    static int segmentOf(MemOp m) {
        if (m.segment() != null) {
            return switch (m.segment()) {
                case ES -> ArchRegs.ES;
                case CS -> ArchRegs.CS;
                case SS -> ArchRegs.SS;
                case DS -> ArchRegs.DS;
                case FS -> ArchRegs.FS;
                case GS -> ArchRegs.GS;
                default -> throw new IllegalArgumentException("segment " + m.segment());
            };
        }
        if (m.base() != null && (m.base().gpr() == ArchRegs.RSP || m.base().gpr() == ArchRegs.RBP)) {
            return ArchRegs.SS;
        }
        return ArchRegs.DS;
    }

    long readMem(MemOp m, long ea, int size) {
        int seg = segmentOf(m);
        return read(seg, ea, size, seg == ArchRegs.SS ? AccessKind.STACK_READ : AccessKind.DATA_READ);
    }

    void writeMem(MemOp m, long ea, int size, long value) {
        int seg = segmentOf(m);
        write(seg, ea, size, value, seg == ArchRegs.SS ? AccessKind.STACK_WRITE : AccessKind.DATA_WRITE);
    }

    /** Reads a register, immediate (truncated to {@code size}) or memory operand, zero-extended. */
    long readOperand(Operand op, int size) {
        if (op instanceof RegOp r) {
            return readReg(r.reg());
        }
        if (op instanceof ImmOp i) {
            return OperandSize.truncate(i.value(), size);
        }
        if (op instanceof MemOp m) {
            return readMem(m, effectiveAddress(m), size);
        }
        throw new IllegalArgumentException("not a data operand: " + op);
    }

    /** Writes a register (with the operand-size rules) or memory destination. */
    void writeOperand(Operand op, int size, long value) {
        if (op instanceof RegOp r) {
            writeReg(r.reg(), value);
        } else if (op instanceof MemOp m) {
            writeMem(m, effectiveAddress(m), size, value);
        } else {
            throw new IllegalArgumentException("not a destination: " + op);
        }
    }

    /**
     * A register or memory destination resolved once (its effective address computed from the
     * registers as they are now), to be read and then written by read-modify-write instructions.
     */
    Loc loc(Operand op) {
        if (op instanceof RegOp r) {
            requireGpr(r.reg());
            return new Loc(r.reg(), null, 0);
        }
        if (op instanceof MemOp m) {
            return new Loc(null, m, effectiveAddress(m));
        }
        throw new IllegalArgumentException("not a destination: " + op);
    }

    /** A resolved destination: exactly one of {@code reg} and {@code mem} is set. */
    record Loc(Reg reg, MemOp mem, long ea) {
        boolean isMemory() {
            return mem != null;
        }
    }

    long read(Loc l, int size) {
        return l.isMemory() ? readMem(l.mem(), l.ea(), size) : readReg(l.reg());
    }

    void write(Loc l, int size, long value) {
        if (l.isMemory()) {
            writeMem(l.mem(), l.ea(), size, value);
        } else {
            writeReg(l.reg(), value);
        }
    }

    long readReg(Reg r) {
        requireGpr(r);
        return regs.gpr(r.gpr(), r.width() * 8, r.high8());
    }

    /** SDM Vol. 1 3.4.1.1: 32-bit writes zero-extend; 8- and 16-bit writes merge. */
    void writeReg(Reg r, long value) {
        requireGpr(r);
        regs = regs.withGpr(r.gpr(), r.width() * 8, r.high8(), value);
    }

    private static void requireGpr(Reg r) {
        if (r.kind() != RegKind.GPR) {
            throw new IllegalArgumentException("not a general-purpose register: " + r);
        }
    }

    long gpr64(int n) {
        return regs.gpr(n);
    }

    void setGpr64(int n, long v) {
        regs = regs.withGpr(n, v);
    }

    /** Writes the low 32 bits of GPR n, zero-extending (the EDX:EAX results of RDMSR and friends). */
    void setGpr32(int n, long v) {
        regs = regs.withGpr(n, 32, false, v);
    }

    // ---- stack (SDM Vol. 1 6.2; 64-bit mode: RSP, SS) ----

    /** PUSH of {@code size} (2 or 8) bytes: RSP decremented, value written at the new RSP. */
    void push(long value, int size) {
        long rsp = regs.rsp() - size;
        write(ArchRegs.SS, rsp, size, value, AccessKind.STACK_WRITE);
        regs = regs.withRsp(rsp);
    }

    /** POP of {@code size} bytes: read at RSP, RSP incremented. */
    long pop(int size) {
        long rsp = regs.rsp();
        long v = read(ArchRegs.SS, rsp, size, AccessKind.STACK_READ);
        regs = regs.withRsp(rsp + size);
        return v;
    }

    void setRflags(long v) {
        regs = regs.withRflags(v | Rflags.FIXED1);
    }

    long rflags() {
        return regs.rflags();
    }

    int cpl() {
        return start.cpl();
    }
}
