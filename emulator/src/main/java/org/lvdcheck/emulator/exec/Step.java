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
 *
 * <p>Taint (DESIGN.md §3): every value read carries whether it is ⊤ ({@link #loadedTaint()}
 * after a read), and every register or memory write says whether it stores ⊤. A ⊤ base or index
 * register, stack pointer or FS/GS base used for an access, and a ⊤ branch target, is a use of
 * the attacker's value: under {@link ExecContext#confined()} the access is one the domain could
 * make itself (a read yields ⊤, a write is dropped and reported, a branch leaves RIP ⊤); otherwise
 * the instruction ends with {@link ExecOutcome.TaintedUse} and nothing applies.
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
    /** Taint of the value the last read returned. */
    private boolean loaded;
    /** A write through a ⊤ address was dropped (confined code: the domain's own write). */
    private boolean topWrite;
    /** The outcome chosen for a conditional jump on ⊤ flags, or null. */
    final Boolean branch;

    Step(ArchRegs start, PlacedInstruction placed, ExecContext ctx, Boolean branch) {
        this.start = start;
        this.placed = placed;
        this.insn = placed.insn();
        this.ctx = ctx;
        this.branch = branch;
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

    /**
     * ⊤ is used where its value decides what a privileged instruction does (a CR, MSR, XCR0 or
     * descriptor-table operand, an MSR index, a VMFUNC or CPUID leaf): the instruction ends here
     * whoever runs it; the machine decides what that means (DESIGN.md §3).
     */
    Abort operandUse(String what) {
        return abort(new ExecOutcome.TaintedUse(what));
    }

    /** ⊤ used as an address or stack pointer: the domain's own access when confined, else the end. */
    private void topAddress(String what) {
        if (!ctx.confined()) {
            throw abort(new ExecOutcome.TaintedUse(what));
        }
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
        return new ExecOutcome.Next(completedRegs(), writes, topWrite);
    }

    // ---- memory ----

    /** Whether the last value read (register, memory, stack) is ⊤. */
    boolean loadedTaint() {
        return loaded;
    }

    private boolean segmentBaseTainted(int segment) {
        return segment == ArchRegs.FS && start.tainted(ArchRegs.T_FS_BASE)
                || segment == ArchRegs.GS && start.tainted(ArchRegs.T_GS_BASE);
    }

    long read(int segment, long offset, int size, AccessKind kind) {
        if (segmentBaseTainted(segment)) {
            topAddress(segment == ArchRegs.FS ? "FS base" : "GS base");
            loaded = true;
            return 0;
        }
        return take(ctx.read(start, segment, offset, size, kind));
    }

    void write(int segment, long offset, int size, long value, AccessKind kind) {
        write(segment, offset, size, value, false, kind);
    }

    void write(int segment, long offset, int size, long value, boolean tainted, AccessKind kind) {
        if (segmentBaseTainted(segment)) {
            topAddress(segment == ArchRegs.FS ? "FS base" : "GS base");
            topWrite = true;
            return;
        }
        take(ctx.write(start, segment, offset, size, tainted ? 0 : OperandSize.truncate(value, size), tainted, kind));
    }

    void addWrites(List<MemWrite> more) {
        writes.addAll(more);
    }

    private long take(MemResult r) {
        if (r instanceof MemResult.Ok ok) {
            writes.addAll(ok.writes());
            loaded = ok.tainted();
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

    /** Whether the effective address of {@code m} depends on a ⊤ base or index register. */
    boolean addressTainted(MemOp m) {
        return m.base() != null && regs.gprTainted(m.base().gpr()) || m.index() != null && regs.gprTainted(m.index().gpr());
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

    /** Reads memory operand {@code m} at {@code ea}, its address ⊤ when {@code top}. */
    long readMem(MemOp m, long ea, int size, boolean top) {
        if (top) {
            topAddress("memory address");
            loaded = true;
            return 0;
        }
        int seg = segmentOf(m);
        return read(seg, ea, size, seg == ArchRegs.SS ? AccessKind.STACK_READ : AccessKind.DATA_READ);
    }

    /** Reads memory operand {@code m} at an offset from its effective address, both taken from the registers now. */
    long readMem(MemOp m, long displacement, int size) {
        return readMem(m, effectiveAddress(m) + displacement, size, addressTainted(m));
    }

    void writeMem(MemOp m, long ea, int size, long value, boolean tainted, boolean top) {
        if (top) {
            topAddress("memory address");
            topWrite = true;
            return;
        }
        int seg = segmentOf(m);
        write(seg, ea, size, value, tainted, seg == ArchRegs.SS ? AccessKind.STACK_WRITE : AccessKind.DATA_WRITE);
    }

    void writeMem(MemOp m, long displacement, int size, long value, boolean tainted) {
        writeMem(m, effectiveAddress(m) + displacement, size, value, tainted, addressTainted(m));
    }

    /** Reads a register, immediate (truncated to {@code size}) or memory operand, zero-extended. */
    long readOperand(Operand op, int size) {
        if (op instanceof RegOp r) {
            return readReg(r.reg());
        }
        if (op instanceof ImmOp i) {
            loaded = false;
            return OperandSize.truncate(i.value(), size);
        }
        if (op instanceof MemOp m) {
            return readMem(m, 0, size);
        }
        throw new IllegalArgumentException("not a data operand: " + op);
    }

    /** Writes a register (with the operand-size rules) or memory destination, ⊤ when {@code tainted}. */
    void writeOperand(Operand op, int size, long value, boolean tainted) {
        if (op instanceof RegOp r) {
            writeReg(r.reg(), value, tainted);
        } else if (op instanceof MemOp m) {
            writeMem(m, 0, size, value, tainted);
        } else {
            throw new IllegalArgumentException("not a destination: " + op);
        }
    }

    /**
     * A register or memory destination resolved once (its effective address and whether that is
     * ⊤ computed from the registers as they are now), to be read and then written by
     * read-modify-write instructions.
     */
    Loc loc(Operand op) {
        if (op instanceof RegOp r) {
            requireGpr(r.reg());
            return new Loc(r.reg(), null, 0, false);
        }
        if (op instanceof MemOp m) {
            return new Loc(null, m, effectiveAddress(m), addressTainted(m));
        }
        throw new IllegalArgumentException("not a destination: " + op);
    }

    /** A resolved destination: exactly one of {@code reg} and {@code mem} is set; {@code top}: its address is ⊤. */
    record Loc(Reg reg, MemOp mem, long ea, boolean top) {
        boolean isMemory() {
            return mem != null;
        }
    }

    long read(Loc l, int size) {
        return l.isMemory() ? readMem(l.mem(), l.ea(), size, l.top()) : readReg(l.reg());
    }

    void write(Loc l, int size, long value, boolean tainted) {
        if (l.isMemory()) {
            writeMem(l.mem(), l.ea(), size, value, tainted, l.top());
        } else {
            writeReg(l.reg(), value, tainted);
        }
    }

    long readReg(Reg r) {
        requireGpr(r);
        loaded = regs.gprTainted(r.gpr());
        return regs.gpr(r.gpr(), r.width() * 8, r.high8());
    }

    /** SDM Vol. 1 3.4.1.1: 32-bit writes zero-extend; 8- and 16-bit writes merge. A ⊤ write of any width makes the register ⊤. */
    void writeReg(Reg r, long value, boolean tainted) {
        requireGpr(r);
        regs = tainted ? regs.withTaint(ArchRegs.tGpr(r.gpr()), true) : regs.withGpr(r.gpr(), r.width() * 8, r.high8(), value);
    }

    void writeReg(Reg r, long value) {
        writeReg(r, value, false);
    }

    private static void requireGpr(Reg r) {
        if (r.kind() != RegKind.GPR) {
            throw new IllegalArgumentException("not a general-purpose register: " + r);
        }
    }

    long gpr64(int n) {
        return regs.gpr(n);
    }

    boolean gprTainted(int n) {
        return regs.gprTainted(n);
    }

    void setGpr64(int n, long v, boolean tainted) {
        regs = tainted ? regs.withTaint(ArchRegs.tGpr(n), true) : regs.withGpr(n, v);
    }

    /** Writes the low 32 bits of GPR n, zero-extending (the EDX:EAX results of RDMSR and friends). */
    void setGpr32(int n, long v, boolean tainted) {
        regs = tainted ? regs.withTaint(ArchRegs.tGpr(n), true) : regs.withGpr(n, 32, false, v);
    }

    void setGpr32(int n, long v) {
        setGpr32(n, v, false);
    }

    // ---- stack (SDM Vol. 1 6.2; 64-bit mode: RSP, SS) ----

    /** PUSH of {@code size} (2 or 8) bytes: RSP decremented, value (⊤ when {@code tainted}) written at the new RSP. */
    void push(long value, int size, boolean tainted) {
        if (regs.gprTainted(ArchRegs.RSP)) {
            topAddress("stack pointer");
            topWrite = true;
            return;
        }
        long rsp = regs.rsp() - size;
        write(ArchRegs.SS, rsp, size, value, tainted, AccessKind.STACK_WRITE);
        regs = regs.withRsp(rsp);
    }

    /** POP of {@code size} bytes: read at RSP, RSP incremented; {@link #loadedTaint()} says whether it was ⊤. */
    long pop(int size) {
        if (regs.gprTainted(ArchRegs.RSP)) {
            topAddress("stack pointer");
            loaded = true;
            return 0;
        }
        long rsp = regs.rsp();
        long v = read(ArchRegs.SS, rsp, size, AccessKind.STACK_READ);
        boolean t = loaded;
        regs = regs.withRsp(rsp + size);
        loaded = t;
        return v;
    }

    // ---- flags ----

    /** Sets RFLAGS with its control bits as given and its status flags ⊤ or concrete. */
    void setRflags(long v, boolean statusTainted) {
        long mask = regs.taintMask();
        regs = regs.toBuilder().rflags(v | Rflags.FIXED1)
                .taint(statusTainted ? mask | ArchRegs.T_FLAGS : mask & ~ArchRegs.T_FLAGS).build();
    }

    /** Sets RFLAGS keeping the status flags' taint (instructions that change control bits only). */
    void setRflags(long v) {
        setRflags(v, flagsTainted());
    }

    boolean flagsTainted() {
        return regs.tainted(ArchRegs.T_FLAGS);
    }

    long rflags() {
        return regs.rflags();
    }

    int cpl() {
        return start.cpl();
    }

    /**
     * A branch to {@code target}: a ⊤ target is a use of the attacker's value (confined code:
     * RIP becomes ⊤, the domain's own jump).
     */
    void branchTo(long target, boolean tainted) {
        if (tainted) {
            topAddress("branch target");
            regs = regs.withTaint(ArchRegs.T_RIP, true);
            return;
        }
        regs = regs.withRip(target);
    }
}
