package org.lvdcheck.spec.asm;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * The x86-64 machine encoding of a linked instruction (SDM Vol. 2A chapter 2: legacy
 * prefixes, REX, opcode, ModRM, SIB, displacement, immediate), choosing the forms GNU as
 * 2.40 picks: shortest immediate and displacement for known values, the accumulator short
 * forms, 90+r for xchg with the accumulator, D1 for shift by one.
 */
final class Encoder {
    private final Instruction insn;
    private final long address;
    private final Form form;
    private final List<Operand> ops;

    // prefix and REX state
    private int segment = -1;
    private boolean opsize16;
    private int mandatory = -1;
    private boolean rexW;
    private boolean rexR;
    private boolean rexX;
    private boolean rexB;
    private boolean rexForced;
    private int high8Operand = -1;
    private final ByteArrayOutputStream opcode = new ByteArrayOutputStream();
    private final ByteArrayOutputStream tail = new ByteArrayOutputStream();
    private long ripTarget;
    private boolean ripRelative;
    private int ripDispAt = -1;
    private int immBytesAfterDisp;
    private long relTarget;
    private int relSize;

    private Encoder(Instruction insn, long address, Form form) {
        this.insn = insn;
        this.address = address;
        this.form = form;
        this.ops = insn.operands();
    }

    /** Encodes {@code insn} placed at {@code address}. */
    static byte[] encode(Instruction insn, long address, Form form) {
        return new Encoder(insn, address, form).run();
    }

    private Operand op(int i) {
        return ops.get(i);
    }

    private Operand dst() {
        return ops.get(ops.size() - 1);
    }

    private static Reg reg(Operand o) {
        return ((RegOp) o).reg();
    }

    private static boolean isAcc(Operand o) {
        return o instanceof RegOp r && r.reg().kind() == RegKind.GPR && r.reg().gpr() == 0 && !r.reg().high8();
    }

    private void opc(int... bytes) {
        for (int b : bytes) {
            opcode.write(b);
        }
    }

    private void sizePrefix(int size) {
        if (size == 2) {
            opsize16 = true;
        } else if (size == 8) {
            rexW = true;
        }
    }

    private void noteReg(Reg r, int operandIndex) {
        if (r.needsRex()) {
            rexForced = true;
        }
        if (r.high8()) {
            high8Operand = operandIndex;
        }
    }

    /** ModRM with a register (or opcode extension) in reg and operand {@code rmIndex} in r/m. */
    private void modrm(int regField, int rmIndex) {
        if (regField >= 8) {
            rexR = true;
        }
        Operand rm = op(rmIndex);
        if (rm instanceof IndirectOp ind) {
            rm = ind.inner();
        }
        if (rm instanceof RegOp r) {
            noteReg(r.reg(), rmIndex);
            int e = r.reg().encoding();
            if (e >= 8) {
                rexB = true;
            }
            tail.write(0xC0 | (regField & 7) << 3 | (e & 7));
            return;
        }
        MemOp m = (MemOp) rm;
        memory(regField, m, rmIndex);
    }

    private void regModrm(Reg regField, int regIndex, int rmIndex) {
        noteReg(regField, regIndex);
        modrm(regField.encoding(), rmIndex);
    }

    private void memory(int regField, MemOp m, int index) {
        if (m.segment() != null) {
            segment = new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}[m.segment().encoding()];
        }
        int r = (regField & 7) << 3;
        if (m.ripRelative()) {
            // SDM Vol. 2A 2.2.1.6: mod=00 rm=101 is RIP+disp32 in 64-bit mode
            tail.write(r | 5);
            ripRelative = true;
            ripTarget = m.disp();
            ripDispAt = tail.size();
            writeLe(tail, 0, 4);
            return;
        }
        if (m.base() == null) {
            // no base: SIB with base=101 and mod=00 means disp32 only (Table 2-3)
            if (!Ranges.fitsS32(m.disp())) {
                throw new EncodeException(index, "address " + hex(m.disp()) + " does not fit in a sign-extended 32-bit displacement");
            }
            tail.write(r | 4);
            int idx = m.index() == null ? 4 : m.index().encoding();
            if (idx >= 8) {
                rexX = true;
            }
            tail.write(ss(m.scale()) << 6 | (idx & 7) << 3 | 5);
            writeLe(tail, m.disp(), 4);
            return;
        }
        long disp = m.disp();
        if (!Ranges.fitsS32(disp)) {
            throw new EncodeException(index, "displacement " + hex(disp) + " does not fit in 32 bits");
        }
        int b = m.base().encoding();
        if (b >= 8) {
            rexB = true;
        }
        int mod;
        if (form.wideDisp()) {
            mod = 2;
        } else if (disp == 0 && (b & 7) != 5) {
            mod = 0; // rbp/r13 as base need an explicit disp8 of 0
        } else if (Ranges.fitsS8(disp)) {
            mod = 1;
        } else {
            mod = 2;
        }
        boolean sib = m.index() != null || (b & 7) == 4;
        tail.write(mod << 6 | r | (sib ? 4 : b & 7));
        if (sib) {
            int idx = m.index() == null ? 4 : m.index().encoding();
            if (idx >= 8) {
                rexX = true;
            }
            tail.write(ss(m.scale()) << 6 | (idx & 7) << 3 | (b & 7));
        }
        if (mod == 1) {
            tail.write((int) disp);
        } else if (mod == 2) {
            writeLe(tail, disp, 4);
        }
    }

    private static int ss(int scale) {
        return switch (scale) {
            case 1 -> 0;
            case 2 -> 1;
            case 4 -> 2;
            default -> 3;
        };
    }

    private void imm(long v, int bytes) {
        writeLe(tail, v, bytes);
        immBytesAfterDisp += bytes;
    }

    private static void writeLe(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    private static String hex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }

    private long immValue(int i) {
        return ((ImmOp) op(i)).value();
    }

    /** An imm8 sign-extended form applies when the value is known while assembling and fits. */
    private boolean imm8Form(long v) {
        return !form.wideImm() && Ranges.fitsS8(v);
    }

    private void immOfSize(long v, int size, int index) {
        int bytes = size == 8 ? 4 : size;
        if (size == 8 && !Ranges.fitsS32(v)) {
            throw new EncodeException(index, "immediate " + hex(v) + " does not fit in a sign-extended 32-bit field");
        }
        if (size == 4 && !(v >= Integer.MIN_VALUE && v <= 0xffffffffL)) {
            throw new EncodeException(index, "immediate " + hex(v) + " does not fit in 32 bits");
        }
        imm(v, bytes);
    }

    private byte[] run() {
        Mnemonic m = insn.mnemonic();
        int s = insn.opSize();
        switch (m) {
            case ADD, OR, ADC, SBB, AND, SUB, XOR, CMP -> alu(aluRow(m), s);
            case TEST -> test(s);
            case MOV -> mov(s);
            case MOVZX, MOVSX -> extend(m, s);
            case INC, DEC, NEG, NOT -> {
                sizePrefix(s);
                opc(s == 1 ? (m == Mnemonic.INC || m == Mnemonic.DEC ? 0xFE : 0xF6)
                        : (m == Mnemonic.INC || m == Mnemonic.DEC ? 0xFF : 0xF7));
                modrm(switch (m) {
                    case INC -> 0;
                    case DEC -> 1;
                    case NOT -> 2;
                    default -> 3;
                }, 0);
            }
            case SHL, SHR, SAR -> shift(m, s);
            case BT, BTS, BTR -> bit(m, s);
            case LEA -> {
                sizePrefix(s);
                opc(0x8D);
                regModrm(reg(op(1)), 1, 0);
            }
            case XCHG -> xchg(s);
            case CMPXCHG -> {
                sizePrefix(s);
                opc(0x0F, s == 1 ? 0xB0 : 0xB1);
                regModrm(reg(op(0)), 0, 1);
            }
            case PUSH, POP -> stack(m, s);
            case CALL -> {
                if (op(0) instanceof TargetOp t) {
                    opc(0xE8);
                    rel(t.address(), 4);
                } else {
                    opc(0xFF);
                    modrm(2, 0);
                }
            }
            case JMP -> {
                if (op(0) instanceof TargetOp t) {
                    opc(form.shortBranch() ? 0xEB : 0xE9);
                    rel(t.address(), form.shortBranch() ? 1 : 4);
                } else {
                    opc(0xFF);
                    modrm(4, 0);
                }
            }
            case JCC -> {
                TargetOp t = (TargetOp) op(0);
                if (form.shortBranch()) {
                    opc(0x70 | insn.cond().code());
                    rel(t.address(), 1);
                } else {
                    opc(0x0F, 0x80 | insn.cond().code());
                    rel(t.address(), 4);
                }
            }
            case RET -> {
                if (ops.isEmpty()) {
                    opc(0xC3);
                } else {
                    opc(0xC2);
                    imm(immValue(0), 2);
                }
            }
            case IN, OUT -> port(m, s);
            case LGDT -> group7(2);
            case LIDT -> group7(3);
            case SGDT -> group7(0);
            case SIDT -> group7(1);
            case LLDT -> {
                opc(0x0F, 0x00);
                modrm(2, 0);
            }
            case LTR -> {
                opc(0x0F, 0x00);
                modrm(3, 0);
            }
            case RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE -> {
                // SDM Vol. 2B "RDFSBASE/RDGSBASE", "WRFSBASE/WRGSBASE": F3 (REX.W) 0F AE /0../3, mod=11
                mandatory = 0xF3;
                sizePrefix(s);
                opc(0x0F, 0xAE);
                modrm(m.ordinal() - Mnemonic.RDFSBASE.ordinal(), 0);
            }
            case XSAVE, XSAVE64 -> fxGroup(4, m == Mnemonic.XSAVE64);
            case XRSTOR, XRSTOR64 -> fxGroup(5, m == Mnemonic.XRSTOR64);
            case XSAVEOPT -> fxGroup(6, false);
            case NOP -> {
                if (ops.isEmpty()) {
                    opc(0x90);
                } else {
                    // SDM Vol. 2B "NOP": 0F 1F /0, the recommended multi-byte NOP
                    sizePrefix(s);
                    opc(0x0F, 0x1F);
                    modrm(0, 0);
                }
            }
            default -> fixed(m);
        }
        return assemble();
    }

    private void group7(int ext) {
        opc(0x0F, 0x01);
        modrm(ext, 0);
    }

    private void fxGroup(int ext, boolean w) {
        rexW = w;
        opc(0x0F, 0xAE);
        modrm(ext, 0);
    }

    private void fixed(Mnemonic m) {
        switch (m) {
            case PAUSE -> opc(0xF3, 0x90);
            case UD2 -> opc(0x0F, 0x0B);
            case INT3 -> opc(0xCC);
            case CLI -> opc(0xFA);
            case STI -> opc(0xFB);
            case CLD -> opc(0xFC);
            case STD -> opc(0xFD);
            case CLAC -> opc(0x0F, 0x01, 0xCA);
            case STAC -> opc(0x0F, 0x01, 0xCB);
            case PUSHF -> opc(0x9C);
            case POPF -> opc(0x9D);
            case IRETQ -> {
                rexW = true;
                opc(0xCF);
            }
            case VMFUNC -> opc(0x0F, 0x01, 0xD4);
            case CPUID -> opc(0x0F, 0xA2);
            case VMCALL -> opc(0x0F, 0x01, 0xC1);
            case RDMSR -> opc(0x0F, 0x32);
            case WRMSR -> opc(0x0F, 0x30);
            case SWAPGS -> opc(0x0F, 0x01, 0xF8);
            case XSETBV -> opc(0x0F, 0x01, 0xD1);
            case XGETBV -> opc(0x0F, 0x01, 0xD0);
            case WRPKRU -> opc(0x0F, 0x01, 0xEF);
            case RDPKRU -> opc(0x0F, 0x01, 0xEE);
            case HLT -> opc(0xF4);
            case LFENCE -> opc(0x0F, 0xAE, 0xE8);
            case MFENCE -> opc(0x0F, 0xAE, 0xF0);
            case SFENCE -> opc(0x0F, 0xAE, 0xF8);
            default -> throw new IllegalStateException("no encoding for " + m);
        }
    }

    /** The /digit of the ALU group (SDM Vol. 2A Table A-6, group 1): ADD OR ADC SBB AND SUB XOR CMP. */
    static int aluRow(Mnemonic m) {
        return switch (m) {
            case ADD -> 0;
            case OR -> 1;
            case ADC -> 2;
            case SBB -> 3;
            case AND -> 4;
            case SUB -> 5;
            case XOR -> 6;
            case CMP -> 7;
            default -> throw new IllegalArgumentException(m.name());
        };
    }

    /** ADD..CMP: ext is the /digit and the opcode row (SDM Vol. 2A Table A-2 rows 0-3). */
    private void alu(int ext, int s) {
        sizePrefix(s);
        Operand src = op(0);
        if (src instanceof ImmOp imm) {
            long v = imm.value();
            if (s == 1) {
                if (isAcc(dst())) {
                    opc(ext << 3 | 4);
                } else {
                    opc(0x80);
                    modrm(ext, 1);
                }
                imm(v, 1);
            } else if (imm8Form(v)) {
                opc(0x83);
                modrm(ext, 1);
                imm(v, 1);
            } else {
                if (isAcc(dst())) {
                    opc(ext << 3 | 5);
                } else {
                    opc(0x81);
                    modrm(ext, 1);
                }
                immOfSize(v, s, 0);
            }
        } else if (src instanceof RegOp r) {
            opc(ext << 3 | (s == 1 ? 0 : 1));
            regModrm(r.reg(), 0, 1);
        } else {
            opc(ext << 3 | (s == 1 ? 2 : 3));
            regModrm(reg(op(1)), 1, 0);
        }
    }

    private void test(int s) {
        sizePrefix(s);
        if (op(0) instanceof ImmOp imm) {
            if (isAcc(dst())) {
                opc(s == 1 ? 0xA8 : 0xA9);
            } else {
                opc(s == 1 ? 0xF6 : 0xF7);
                modrm(0, 1);
            }
            immOfSize(imm.value(), s, 0);
        } else {
            opc(s == 1 ? 0x84 : 0x85);
            regModrm(reg(op(0)), 0, 1);
        }
    }

    private void mov(int s) {
        Operand src = op(0);
        Operand d = op(1);
        if (src instanceof RegOp rs && (rs.reg().kind() == RegKind.CONTROL || rs.reg().kind() == RegKind.DEBUG)) {
            opc(0x0F, rs.reg().kind() == RegKind.CONTROL ? 0x20 : 0x21);
            regModrm(rs.reg(), 0, 1);
            return;
        }
        if (d instanceof RegOp rd && (rd.reg().kind() == RegKind.CONTROL || rd.reg().kind() == RegKind.DEBUG)) {
            opc(0x0F, rd.reg().kind() == RegKind.CONTROL ? 0x22 : 0x23);
            regModrm(rd.reg(), 1, 0);
            return;
        }
        sizePrefix(s);
        if (src instanceof ImmOp imm) {
            long v = imm.value();
            if (d instanceof RegOp r) {
                boolean imm64 = s == 8 && (form.movabs() || (!form.wideImm() && !Ranges.fitsS32(v)));
                if (s == 8 && !imm64) {
                    opc(0xC7);
                    modrm(0, 1);
                    immOfSize(v, 8, 0);
                    return;
                }
                noteReg(r.reg(), 1);
                int e = r.reg().encoding();
                if (e >= 8) {
                    rexB = true;
                }
                opc((s == 1 ? 0xB0 : 0xB8) | (e & 7));
                imm(v, s == 8 ? 8 : s);
                if (s == 4 && !(v >= Integer.MIN_VALUE && v <= 0xffffffffL)) {
                    throw new EncodeException(0, "immediate " + hex(v) + " does not fit in 32 bits");
                }
                return;
            }
            opc(s == 1 ? 0xC6 : 0xC7);
            modrm(0, 1);
            immOfSize(v, s, 0);
            return;
        }
        if (form.movabs()) {
            // SDM "MOV" A0-A3: moffs64 forms, accumulator only
            boolean load = src instanceof MemOp;
            MemOp mem = (MemOp) (load ? src : d);
            if (mem.segment() != null) {
                segment = new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}[mem.segment().encoding()];
            }
            opc((load ? 0xA0 : 0xA2) | (s == 1 ? 0 : 1));
            imm(mem.disp(), 8);
            return;
        }
        if (src instanceof RegOp r) {
            opc(s == 1 ? 0x88 : 0x89);
            regModrm(r.reg(), 0, 1);
        } else {
            opc(s == 1 ? 0x8A : 0x8B);
            regModrm(reg(d), 1, 0);
        }
    }

    private void extend(Mnemonic m, int s) {
        Operand src = op(0);
        int w = src instanceof RegOp r ? r.reg().width() : ((MemOp) src).width();
        sizePrefix(s);
        if (w == 4) {
            opc(0x63); // MOVSXD (SDM "MOVSX/MOVSXD")
        } else if (m == Mnemonic.MOVZX) {
            opc(0x0F, w == 1 ? 0xB6 : 0xB7);
        } else {
            opc(0x0F, w == 1 ? 0xBE : 0xBF);
        }
        regModrm(reg(op(1)), 1, 0);
    }

    private void shift(Mnemonic m, int s) {
        int ext = switch (m) {
            case SHL -> 4;
            case SHR -> 5;
            default -> 7;
        };
        sizePrefix(s);
        if (op(0) instanceof ImmOp imm) {
            if (imm.value() == 1) {
                opc(s == 1 ? 0xD0 : 0xD1);
                modrm(ext, 1);
            } else {
                opc(s == 1 ? 0xC0 : 0xC1);
                modrm(ext, 1);
                imm(imm.value(), 1);
            }
        } else {
            opc(s == 1 ? 0xD2 : 0xD3);
            modrm(ext, 1);
        }
    }

    private void bit(Mnemonic m, int s) {
        int idx = m.ordinal() - Mnemonic.BT.ordinal(); // BT, BTS, BTR
        sizePrefix(s);
        if (op(0) instanceof ImmOp imm) {
            opc(0x0F, 0xBA);
            modrm(new int[] {4, 5, 6}[idx], 1);
            imm(imm.value(), 1);
        } else {
            opc(0x0F, new int[] {0xA3, 0xAB, 0xB3}[idx]);
            regModrm(reg(op(0)), 0, 1);
        }
    }

    private void xchg(int s) {
        sizePrefix(s);
        Operand a = op(0);
        Operand b = op(1);
        if (s > 1 && a instanceof RegOp ra && b instanceof RegOp rb && isAcc(a)
                && !(s == 4 && rb.reg().gpr() == 0)) {
            // 90+r (SDM "XCHG"); xchg %eax,%eax needs 87 /r since 90 is NOP in 64-bit mode
            noteReg(rb.reg(), 1);
            int e = rb.reg().encoding();
            if (e >= 8) {
                rexB = true;
            }
            opc(0x90 | (e & 7));
            return;
        }
        opc(s == 1 ? 0x86 : 0x87);
        regModrm(reg(a), 0, 1);
    }

    private void stack(Mnemonic m, int s) {
        Operand a = op(0);
        boolean push = m == Mnemonic.PUSH;
        if (a instanceof RegOp r) {
            if (r.reg() == Reg.FS || r.reg() == Reg.GS) {
                opc(0x0F, (r.reg() == Reg.FS ? 0xA0 : 0xA8) | (push ? 0 : 1));
                return;
            }
            if (s == 2) {
                opsize16 = true;
            }
            noteReg(r.reg(), 0);
            int e = r.reg().encoding();
            if (e >= 8) {
                rexB = true;
            }
            opc((push ? 0x50 : 0x58) | (e & 7));
            return;
        }
        if (s == 2) {
            opsize16 = true;
        }
        if (a instanceof ImmOp imm) {
            if (imm8Form(imm.value())) {
                opc(0x6A);
                imm(imm.value(), 1);
            } else {
                opc(0x68);
                immOfSize(imm.value(), s == 2 ? 2 : 8, 0);
            }
            return;
        }
        if (push) {
            opc(0xFF);
            modrm(6, 0);
        } else {
            opc(0x8F);
            modrm(0, 0);
        }
    }

    private void port(Mnemonic m, int s) {
        boolean in = m == Mnemonic.IN;
        Operand p = in ? op(0) : op(1);
        if (s == 2) {
            opsize16 = true;
        }
        int w = s == 1 ? 0 : 1;
        if (p instanceof ImmOp imm) {
            opc((in ? 0xE4 : 0xE6) | w);
            imm(imm.value(), 1);
        } else {
            opc((in ? 0xEC : 0xEE) | w);
        }
    }

    private void rel(long target, int size) {
        relTarget = target;
        relSize = size;
        writeLe(tail, 0, size);
        immBytesAfterDisp += size;
    }

    private byte[] assemble() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // GNU as prefix order: segment, operand size, mandatory/rep, lock, then REX.
        if (segment >= 0) {
            out.write(segment);
        }
        if (opsize16) {
            out.write(0x66);
        }
        if (mandatory >= 0) {
            out.write(mandatory);
        }
        if (insn.lockPrefix()) {
            out.write(0xF0);
        }
        int rex = (rexW ? 8 : 0) | (rexR ? 4 : 0) | (rexX ? 2 : 0) | (rexB ? 1 : 0);
        if (rex != 0 || rexForced) {
            if (high8Operand >= 0) {
                throw new EncodeException(high8Operand, "can't encode register '%"
                        + highName() + "' in an instruction requiring REX prefix");
            }
            out.write(0x40 | rex);
        }
        out.writeBytes(opcode.toByteArray());
        int tailStart = out.size();
        out.writeBytes(tail.toByteArray());
        byte[] bytes = out.toByteArray();
        long next = address + bytes.length;
        if (ripRelative) {
            long d = ripTarget - next;
            if (!Ranges.fitsS32(d)) {
                throw new EncodeException(memIndex(), "RIP-relative target " + hex(ripTarget) + " is out of +-2 GiB range");
            }
            patch(bytes, tailStart + ripDispAt, d, 4);
        }
        if (relSize > 0) {
            long d = relTarget - next;
            if (relSize == 1 ? !Ranges.fitsS8(d) : !Ranges.fitsS32(d)) {
                throw new EncodeException(0, "branch target " + hex(relTarget) + " is out of rel" + (relSize * 8) + " range");
            }
            patch(bytes, bytes.length - relSize, d, relSize);
        }
        return bytes;
    }

    private int memIndex() {
        for (int i = 0; i < ops.size(); i++) {
            Operand o = ops.get(i) instanceof IndirectOp ind ? ind.inner() : ops.get(i);
            if (o instanceof MemOp) {
                return i;
            }
        }
        return -1;
    }

    private String highName() {
        Operand o = op(high8Operand);
        return o instanceof RegOp r ? r.reg().asmName() : "?";
    }

    private static void patch(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
