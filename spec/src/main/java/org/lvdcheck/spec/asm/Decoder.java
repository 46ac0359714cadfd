package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Decodes machine code back into the instruction subset, so that execution may start at any
 * byte, including inside another instruction (a compromised driver jumping into an
 * immediate that holds 0f 01 d4 finds a VMFUNC there). Anything outside the subset,
 * including prefixes the subset does not use (67, f2, rep, a REX not directly before the
 * opcode, lock where the SDM says #UD), decodes to empty: the executor raises #UD.
 * The result equals what the assembler builds from source, operand for operand, so
 * assembled and decoded instructions can be compared (see {@link Instruction#withoutPos}).
 */
public final class Decoder {
    /** SDM Vol. 2A 2.3.11: an instruction is at most 15 bytes. */
    public static final int MAX_LENGTH = 15;

    /** A decoded instruction and its length in bytes. */
    public record Decoded(Instruction insn, int length) {
    }

    private static final class NotInSubset extends Exception {
        NotInSubset() {
            super(null, null, false, false);
        }
    }

    private static final NotInSubset NO = new NotInSubset();

    private final LongFunction<Integer> byteAt;
    private final long address;
    private int pos;

    private int segment = -1;
    private boolean opsize16;
    private boolean rep;
    private boolean lock;
    private boolean rexPresent;
    private boolean rexW;
    private boolean rexR;
    private boolean rexX;
    private boolean rexB;

    // a RIP-relative operand is fixed up once the length is known
    private int ripOperand = -1;
    private long ripDisp;

    private Decoder(LongFunction<Integer> byteAt, long address) {
        this.byteAt = byteAt;
        this.address = address;
    }

    /**
     * Decodes the instruction at {@code address}; {@code byteAt} gives the byte (0..255) at an
     * address, or null where there is none (then the result is empty).
     */
    public static Optional<Decoded> decode(LongFunction<Integer> byteAt, long address) {
        Decoder d = new Decoder(byteAt, address);
        try {
            return Optional.of(d.run());
        } catch (NotInSubset e) {
            return Optional.empty();
        }
    }

    /** Decodes from {@code code[offset..]}, the byte at {@code offset} being at {@code address}. */
    public static Optional<Decoded> decode(byte[] code, int offset, long address) {
        return decode(a -> {
            long i = a - address + offset;
            return i >= 0 && i < code.length ? Integer.valueOf(code[(int) i] & 0xff) : null;
        }, address);
    }

    private int peek() throws NotInSubset {
        if (pos >= MAX_LENGTH) {
            throw NO;
        }
        Integer b = byteAt.apply(address + pos);
        if (b == null) {
            throw NO;
        }
        return b & 0xff;
    }

    private int next() throws NotInSubset {
        int b = peek();
        pos++;
        return b;
    }

    private long le(int n) throws NotInSubset {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) next() << (8 * i);
        }
        return v;
    }

    private long s8() throws NotInSubset {
        return (byte) next();
    }

    private long s16() throws NotInSubset {
        return (short) le(2);
    }

    private long s32() throws NotInSubset {
        return (int) le(4);
    }

    private Decoded run() throws NotInSubset {
        prefixes();
        int op = next();
        Instruction insn = op == 0x0F ? twoByte(next()) : oneByte(op);
        if (insn.lockPrefix() != lock) {
            throw NO;
        }
        if (lock) {
            if (insn.operands().isEmpty() || !lockable(insn.mnemonic())
                    || !(insn.operands().get(insn.operands().size() - 1) instanceof MemOp)) {
                throw NO; // SDM Vol. 2A "LOCK": #UD otherwise
            }
        }
        if (ripOperand >= 0) {
            List<Operand> ops = new ArrayList<>(insn.operands());
            Operand o = ops.get(ripOperand);
            MemOp m = (MemOp) (o instanceof IndirectOp ind ? ind.inner() : o);
            MemOp fixed = new MemOp(m.segment(), address + pos + ripDisp, null, null, 1, true, m.width());
            ops.set(ripOperand, o instanceof IndirectOp ? new IndirectOp(fixed) : fixed);
            insn = new Instruction(insn.mnemonic(), insn.cond(), insn.opSize(), ops, insn.lockPrefix(), null);
        }
        return new Decoded(insn, pos);
    }

    private static boolean lockable(Mnemonic m) {
        return switch (m) {
            case ADD, ADC, AND, BTS, BTR, CMPXCHG, DEC, INC, NEG, NOT, OR, SBB, SUB, XOR, XCHG -> true;
            default -> false;
        };
    }

    private void prefixes() throws NotInSubset {
        while (true) {
            int b = peek();
            switch (b) {
                case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 -> segment = switch (b) {
                    case 0x26 -> 0;
                    case 0x2E -> 1;
                    case 0x36 -> 2;
                    case 0x3E -> 3;
                    case 0x64 -> 4;
                    default -> 5;
                };
                case 0x66 -> opsize16 = true;
                case 0xF3 -> rep = true;
                case 0xF0 -> lock = true;
                case 0x67, 0xF2 -> throw NO;
                default -> {
                    if ((b & 0xF0) == 0x40) {
                        pos++;
                        // SDM Vol. 2A 2.2.1: a REX must immediately precede the opcode
                        int after = peek();
                        if (isLegacyPrefix(after) || (after & 0xF0) == 0x40) {
                            throw NO;
                        }
                        rexPresent = true;
                        rexW = (b & 8) != 0;
                        rexR = (b & 4) != 0;
                        rexX = (b & 2) != 0;
                        rexB = (b & 1) != 0;
                    }
                    return;
                }
            }
            pos++;
        }
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3 -> true;
            default -> false;
        };
    }

    private int size() {
        return rexW ? 8 : opsize16 ? 2 : 4;
    }

    private Reg gpr(int n, int width) {
        if (width == 1 && !rexPresent && n >= 4 && n <= 7) {
            return new Reg[] {Reg.AH, Reg.CH, Reg.DH, Reg.BH}[n - 4];
        }
        return Reg.ofGpr(n, width);
    }

    private Instruction insn(Mnemonic m, int size, Operand... ops) {
        return new Instruction(m, null, size, List.of(ops), lock, null);
    }

    private void noPrefixes() throws NotInSubset {
        if (opsize16 || rep) {
            throw NO;
        }
    }

    /** A decoded ModRM byte and its r/m operand. */
    private record ModRm(int mod, int reg, int rm, Operand operand) {
        boolean isReg() {
            return mod == 3;
        }
    }

    /** Reads ModRM (+SIB, displacement); {@code width} sizes a register r/m or the memory access. */
    private ModRm modrm(int width, int memWidth) throws NotInSubset {
        int b = next();
        int mod = b >> 6;
        int reg = (b >> 3 & 7) | (rexR ? 8 : 0);
        int rm = b & 7;
        if (mod == 3) {
            return new ModRm(mod, reg, rm, new RegOp(gpr(rm | (rexB ? 8 : 0), width)));
        }
        Reg seg = segment < 0 ? null : new Reg[] {Reg.ES, Reg.CS, Reg.SS, Reg.DS, Reg.FS, Reg.GS}[segment];
        if (mod == 0 && rm == 5) {
            ripDisp = s32();
            ripOperand = -2; // set by the caller once it knows the operand's index
            return new ModRm(mod, reg, rm, new MemOp(seg, 0, null, null, 1, true, memWidth));
        }
        Reg base;
        Reg index = null;
        int scale = 1;
        long disp;
        if (rm == 4) {
            int sib = next();
            int ss = sib >> 6;
            int idx = (sib >> 3 & 7) | (rexX ? 8 : 0);
            int bs = sib & 7;
            if (idx != 4) {
                index = Reg.ofGpr(idx, 8);
                scale = 1 << ss;
            }
            if (bs == 5 && mod == 0) {
                base = null;
            } else {
                base = Reg.ofGpr(bs | (rexB ? 8 : 0), 8);
            }
        } else {
            base = Reg.ofGpr(rm | (rexB ? 8 : 0), 8);
        }
        if (mod == 1) {
            disp = s8();
        } else if (mod == 2 || base == null) {
            disp = s32();
        } else {
            disp = 0;
        }
        return new ModRm(mod, reg, rm, new MemOp(seg, disp, base, index, scale, false, memWidth));
    }

    /** Marks which operand holds the RIP-relative reference. */
    private Instruction rip(Instruction insn) {
        if (ripOperand == -2) {
            for (int i = 0; i < insn.operands().size(); i++) {
                Operand o = insn.operands().get(i);
                Operand m = o instanceof IndirectOp ind ? ind.inner() : o;
                if (m instanceof MemOp mem && mem.ripRelative()) {
                    ripOperand = i;
                }
            }
        }
        return insn;
    }

    private long imm(int size) throws NotInSubset {
        return switch (size) {
            case 1 -> s8();
            case 2 -> s16();
            default -> s32();
        };
    }

    private Instruction oneByte(int op) throws NotInSubset {
        if (op < 0x40 && (op & 7) < 6) {
            return alu(op);
        }
        if (op >= 0x50 && op <= 0x5F) {
            if (rep || rexW && opsize16) {
                throw NO;
            }
            int w = opsize16 ? 2 : 8;
            Reg r = Reg.ofGpr((op & 7) | (rexB ? 8 : 0), w);
            return insn(op < 0x58 ? Mnemonic.PUSH : Mnemonic.POP, w, new RegOp(r));
        }
        if (op >= 0x70 && op <= 0x7F) {
            noPrefixes();
            long rel = s8();
            return jcc(op & 0xF, rel);
        }
        if (op >= 0xB0 && op <= 0xBF) {
            if (rep) {
                throw NO;
            }
            int s = op < 0xB8 ? 1 : size();
            Reg r = gpr((op & 7) | (rexB ? 8 : 0), s);
            long v = s == 8 ? le(8) : Ranges.signExtend(le(s), s);
            return insn(Mnemonic.MOV, s, new ImmOp(v), new RegOp(r));
        }
        if (op >= 0x91 && op <= 0x97) {
            if (rep) {
                throw NO;
            }
            int s = size();
            return insn(Mnemonic.XCHG, s, new RegOp(Reg.ofGpr(0, s)), new RegOp(Reg.ofGpr((op & 7) | (rexB ? 8 : 0), s)));
        }
        switch (op) {
            case 0x63 -> {
                if (!rexW || rep) {
                    throw NO;
                }
                ModRm m = modrm(4, 4);
                return rip(insn(Mnemonic.MOVSX, 8, m.operand(), new RegOp(Reg.ofGpr(m.reg(), 8))));
            }
            case 0x68, 0x6A -> {
                if (rep || rexW && opsize16) {
                    throw NO;
                }
                int w = opsize16 ? 2 : 8;
                long v = op == 0x6A ? s8() : w == 2 ? s16() : s32();
                return insn(Mnemonic.PUSH, w, new ImmOp(v));
            }
            case 0x80, 0x81, 0x83 -> {
                if (rep) {
                    throw NO;
                }
                int s = op == 0x80 ? 1 : size();
                ModRm m = modrm(s, s);
                long v = op == 0x81 ? imm(s == 8 ? 4 : s) : s8();
                return rip(insn(aluMnemonic(m.reg() & 7), s, new ImmOp(Ranges.signExtend(v, s)), m.operand()));
            }
            case 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B -> {
                if (rep) {
                    throw NO;
                }
                int s = (op & 1) == 0 ? 1 : size();
                ModRm m = modrm(s, s);
                Operand r = new RegOp(gpr(m.reg(), s));
                Mnemonic mn = op <= 0x85 ? Mnemonic.TEST : op <= 0x87 ? Mnemonic.XCHG : Mnemonic.MOV;
                return rip(op >= 0x8A ? insn(mn, s, m.operand(), r) : insn(mn, s, r, m.operand()));
            }
            case 0x8D -> {
                if (rep) {
                    throw NO;
                }
                int s = size();
                ModRm m = modrm(s, 0);
                if (m.isReg()) {
                    throw NO;
                }
                return rip(insn(Mnemonic.LEA, s, m.operand(), new RegOp(Reg.ofGpr(m.reg(), s))));
            }
            case 0x8F -> {
                if (rep || rexW && opsize16) {
                    throw NO;
                }
                int w = opsize16 ? 2 : 8;
                ModRm m = modrm(w, w);
                if ((m.reg() & 7) != 0) {
                    throw NO;
                }
                return rip(insn(Mnemonic.POP, w, m.operand()));
            }
            case 0x90 -> {
                if (rexB) {
                    return insn(Mnemonic.XCHG, size(), new RegOp(Reg.ofGpr(0, size())), new RegOp(Reg.ofGpr(8, size())));
                }
                if (opsize16 || rexW) {
                    // 66 90 / 48 90: xchg of the accumulator with itself, as GNU as writes xchg %ax,%ax
                    if (rep) {
                        throw NO;
                    }
                    return insn(Mnemonic.XCHG, size(), new RegOp(Reg.ofGpr(0, size())), new RegOp(Reg.ofGpr(0, size())));
                }
                return insn(rep ? Mnemonic.PAUSE : Mnemonic.NOP, 0);
            }
            case 0x9C, 0x9D -> {
                noPrefixes();
                return insn(op == 0x9C ? Mnemonic.PUSHF : Mnemonic.POPF, 8);
            }
            case 0xA0, 0xA1, 0xA2, 0xA3 -> {
                if (rep) {
                    throw NO;
                }
                int s = (op & 1) == 0 ? 1 : size();
                Reg seg = segment < 0 ? null : new Reg[] {Reg.ES, Reg.CS, Reg.SS, Reg.DS, Reg.FS, Reg.GS}[segment];
                MemOp mem = new MemOp(seg, le(8), null, null, 1, false, s);
                RegOp acc = new RegOp(Reg.ofGpr(0, s));
                return op <= 0xA1 ? insn(Mnemonic.MOV, s, mem, acc) : insn(Mnemonic.MOV, s, acc, mem);
            }
            case 0xA8, 0xA9 -> {
                if (rep) {
                    throw NO;
                }
                int s = op == 0xA8 ? 1 : size();
                return insn(Mnemonic.TEST, s, new ImmOp(Ranges.signExtend(imm(s == 8 ? 4 : s), s)), new RegOp(Reg.ofGpr(0, s)));
            }
            case 0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3 -> {
                if (rep) {
                    throw NO;
                }
                int s = (op & 1) == 0 ? 1 : size();
                ModRm m = modrm(s, s);
                Mnemonic mn = switch (m.reg() & 7) {
                    case 4 -> Mnemonic.SHL;
                    case 5 -> Mnemonic.SHR;
                    case 7 -> Mnemonic.SAR;
                    default -> throw NO;
                };
                Operand count = op <= 0xC1 ? new ImmOp(next()) : op <= 0xD1 ? new ImmOp(1) : new RegOp(Reg.CL);
                return rip(insn(mn, s, count, m.operand()));
            }
            case 0xC2 -> {
                noPrefixes();
                return insn(Mnemonic.RET, 8, new ImmOp(le(2)));
            }
            case 0xC3 -> {
                noPrefixes();
                return insn(Mnemonic.RET, 8);
            }
            case 0xC6, 0xC7 -> {
                if (rep) {
                    throw NO;
                }
                int s = op == 0xC6 ? 1 : size();
                ModRm m = modrm(s, s);
                if ((m.reg() & 7) != 0) {
                    throw NO;
                }
                long v = imm(s == 8 ? 4 : s);
                return rip(insn(Mnemonic.MOV, s, new ImmOp(Ranges.signExtend(v, s)), m.operand()));
            }
            case 0xCC -> {
                noPrefixes();
                return insn(Mnemonic.INT3, 0);
            }
            case 0xCF -> {
                if (!rexW || opsize16 || rep) {
                    throw NO;
                }
                return insn(Mnemonic.IRETQ, 8);
            }
            case 0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF -> {
                if (rep || rexW) {
                    throw NO;
                }
                int s = (op & 1) == 0 ? 1 : opsize16 ? 2 : 4;
                Operand port = op <= 0xE7 ? new ImmOp(next()) : new RegOp(Reg.DX);
                RegOp acc = new RegOp(Reg.ofGpr(0, s));
                boolean in = (op & 2) == 0;
                return in ? insn(Mnemonic.IN, s, port, acc) : insn(Mnemonic.OUT, s, acc, port);
            }
            case 0xE8, 0xE9 -> {
                noPrefixes();
                long rel = s32();
                return insn(op == 0xE8 ? Mnemonic.CALL : Mnemonic.JMP, 8, new TargetOp(address + pos + rel));
            }
            case 0xEB -> {
                noPrefixes();
                long rel = s8();
                return insn(Mnemonic.JMP, 8, new TargetOp(address + pos + rel));
            }
            case 0xF4, 0xFA, 0xFB, 0xFC, 0xFD -> {
                noPrefixes();
                return insn(switch (op) {
                    case 0xF4 -> Mnemonic.HLT;
                    case 0xFA -> Mnemonic.CLI;
                    case 0xFB -> Mnemonic.STI;
                    case 0xFC -> Mnemonic.CLD;
                    default -> Mnemonic.STD;
                }, 0);
            }
            case 0xF6, 0xF7 -> {
                if (rep) {
                    throw NO;
                }
                int s = op == 0xF6 ? 1 : size();
                ModRm m = modrm(s, s);
                return switch (m.reg() & 7) {
                    case 0 -> rip(insn(Mnemonic.TEST, s, new ImmOp(Ranges.signExtend(imm(s == 8 ? 4 : s), s)), m.operand()));
                    case 2 -> rip(insn(Mnemonic.NOT, s, m.operand()));
                    case 3 -> rip(insn(Mnemonic.NEG, s, m.operand()));
                    default -> throw NO;
                };
            }
            case 0xFE, 0xFF -> {
                if (rep) {
                    throw NO;
                }
                int s = op == 0xFE ? 1 : size();
                int b = peek();
                int ext = b >> 3 & 7;
                if (op == 0xFE && ext > 1) {
                    throw NO;
                }
                switch (ext) {
                    case 0, 1 -> {
                        ModRm m = modrm(s, s);
                        return rip(insn(ext == 0 ? Mnemonic.INC : Mnemonic.DEC, s, m.operand()));
                    }
                    case 2, 4 -> {
                        if (opsize16) {
                            throw NO;
                        }
                        ModRm m = modrm(8, 8);
                        return rip(insn(ext == 2 ? Mnemonic.CALL : Mnemonic.JMP, 8, new IndirectOp(m.operand())));
                    }
                    case 6 -> {
                        if (rexW && opsize16) {
                            throw NO;
                        }
                        int w = opsize16 ? 2 : 8;
                        ModRm m = modrm(w, w);
                        return rip(insn(Mnemonic.PUSH, w, m.operand()));
                    }
                    default -> throw NO;
                }
            }
            default -> throw NO;
        }
    }

    private Instruction jcc(int cc, long rel) {
        return new Instruction(Mnemonic.JCC, Condition.ofCode(cc), 8, List.of(new TargetOp(address + pos + rel)), lock, null);
    }

    private static Mnemonic aluMnemonic(int row) {
        return new Mnemonic[] {Mnemonic.ADD, Mnemonic.OR, Mnemonic.ADC, Mnemonic.SBB, Mnemonic.AND,
            Mnemonic.SUB, Mnemonic.XOR, Mnemonic.CMP}[row];
    }

    /** Opcodes 00-3D: the eight ALU operations in their six forms (SDM Vol. 2A Table A-2). */
    private Instruction alu(int op) throws NotInSubset {
        if (rep) {
            throw NO;
        }
        Mnemonic mn = aluMnemonic(op >> 3);
        int form = op & 7;
        int s = (form & 1) == 0 ? 1 : size();
        if (form == 4 || form == 5) {
            long v = imm(s == 8 ? 4 : s);
            return insn(mn, s, new ImmOp(Ranges.signExtend(v, s)), new RegOp(Reg.ofGpr(0, s)));
        }
        ModRm m = modrm(s, s);
        Operand r = new RegOp(gpr(m.reg(), s));
        return rip(form < 2 ? insn(mn, s, r, m.operand()) : insn(mn, s, m.operand(), r));
    }

    private Instruction twoByte(int op) throws NotInSubset {
        if (op >= 0x80 && op <= 0x8F) {
            noPrefixes();
            long rel = s32();
            return jcc(op & 0xF, rel);
        }
        switch (op) {
            case 0x00 -> {
                noPrefixes();
                ModRm m = modrm(2, 2);
                return switch (m.reg() & 7) {
                    case 2 -> rip(insn(Mnemonic.LLDT, 2, m.operand()));
                    case 3 -> rip(insn(Mnemonic.LTR, 2, m.operand()));
                    default -> throw NO;
                };
            }
            case 0x01 -> {
                noPrefixes();
                int b = peek();
                if (b >> 6 != 3) {
                    ModRm m = modrm(8, 10);
                    Mnemonic mn = switch (m.reg() & 7) {
                        case 0 -> Mnemonic.SGDT;
                        case 1 -> Mnemonic.SIDT;
                        case 2 -> Mnemonic.LGDT;
                        case 3 -> Mnemonic.LIDT;
                        default -> throw NO;
                    };
                    return rip(insn(mn, 0, m.operand()));
                }
                next();
                Mnemonic mn = switch (b) {
                    case 0xC1 -> Mnemonic.VMCALL;
                    case 0xCA -> Mnemonic.CLAC;
                    case 0xCB -> Mnemonic.STAC;
                    case 0xD0 -> Mnemonic.XGETBV;
                    case 0xD1 -> Mnemonic.XSETBV;
                    case 0xD4 -> Mnemonic.VMFUNC;
                    case 0xEE -> Mnemonic.RDPKRU;
                    case 0xEF -> Mnemonic.WRPKRU;
                    case 0xF8 -> Mnemonic.SWAPGS;
                    default -> throw NO;
                };
                return insn(mn, 0);
            }
            case 0x1F -> {
                if (rep) {
                    throw NO;
                }
                int s = size();
                ModRm m = modrm(s, s);
                if ((m.reg() & 7) != 0) {
                    throw NO; // 0F 1F /1../7 are reserved hint NOPs, outside the subset
                }
                return rip(insn(Mnemonic.NOP, s, m.operand()));
            }
            case 0x0B, 0x30, 0x32, 0xA2 -> {
                noPrefixes();
                return insn(switch (op) {
                    case 0x0B -> Mnemonic.UD2;
                    case 0x30 -> Mnemonic.WRMSR;
                    case 0x32 -> Mnemonic.RDMSR;
                    default -> Mnemonic.CPUID;
                }, 0);
            }
            case 0x20, 0x21, 0x22, 0x23 -> {
                noPrefixes();
                // SDM Vol. 2A "MOV—Move to/from Control Registers": mod is ignored, operands are 64-bit
                int b = next();
                int reg = (b >> 3 & 7) | (rexR ? 8 : 0);
                Reg g = Reg.ofGpr((b & 7) | (rexB ? 8 : 0), 8);
                Reg special;
                if (op == 0x20 || op == 0x22) {
                    special = switch (reg) {
                        case 0 -> Reg.CR0;
                        case 2 -> Reg.CR2;
                        case 3 -> Reg.CR3;
                        case 4 -> Reg.CR4;
                        case 8 -> Reg.CR8;
                        default -> throw NO;
                    };
                } else {
                    if (reg > 7) {
                        throw NO;
                    }
                    special = Reg.valueOf("DR" + reg);
                }
                return op < 0x22 ? insn(Mnemonic.MOV, 8, new RegOp(special), new RegOp(g))
                        : insn(Mnemonic.MOV, 8, new RegOp(g), new RegOp(special));
            }
            case 0xA0, 0xA1, 0xA8, 0xA9 -> {
                noPrefixes();
                Reg r = op < 0xA8 ? Reg.FS : Reg.GS;
                return insn((op & 1) == 0 ? Mnemonic.PUSH : Mnemonic.POP, 8, new RegOp(r));
            }
            case 0xA3, 0xAB, 0xB3 -> {
                if (rep) {
                    throw NO;
                }
                int s = size();
                ModRm m = modrm(s, s);
                Mnemonic mn = op == 0xA3 ? Mnemonic.BT : op == 0xAB ? Mnemonic.BTS : Mnemonic.BTR;
                return rip(insn(mn, s, new RegOp(Reg.ofGpr(m.reg(), s)), m.operand()));
            }
            case 0xBA -> {
                if (rep) {
                    throw NO;
                }
                int s = size();
                ModRm m = modrm(s, s);
                Mnemonic mn = switch (m.reg() & 7) {
                    case 4 -> Mnemonic.BT;
                    case 5 -> Mnemonic.BTS;
                    case 6 -> Mnemonic.BTR;
                    default -> throw NO;
                };
                return rip(insn(mn, s, new ImmOp(next()), m.operand()));
            }
            case 0xAE -> {
                return group15();
            }
            case 0xB0, 0xB1 -> {
                if (rep) {
                    throw NO;
                }
                int s = op == 0xB0 ? 1 : size();
                ModRm m = modrm(s, s);
                return rip(insn(Mnemonic.CMPXCHG, s, new RegOp(gpr(m.reg(), s)), m.operand()));
            }
            case 0xB6, 0xB7, 0xBE, 0xBF -> {
                if (rep) {
                    throw NO;
                }
                int s = size();
                int w = (op & 1) == 0 ? 1 : 2;
                ModRm m = modrm(w, w);
                Mnemonic mn = op <= 0xB7 ? Mnemonic.MOVZX : Mnemonic.MOVSX;
                return rip(insn(mn, s, m.operand(), new RegOp(Reg.ofGpr(m.reg(), s))));
            }
            default -> throw NO;
        }
    }

    /** 0F AE: fences, XSAVE family, and with F3 the FS/GS base instructions (SDM Vol. 2A Table A-6 group 15). */
    private Instruction group15() throws NotInSubset {
        int b = peek();
        int ext = b >> 3 & 7;
        if (opsize16) {
            throw NO;
        }
        if (rep) {
            if (b >> 6 != 3 || ext > 3) {
                throw NO;
            }
            int s = rexW ? 8 : 4;
            ModRm m = modrm(s, s);
            Mnemonic mn = new Mnemonic[] {Mnemonic.RDFSBASE, Mnemonic.RDGSBASE, Mnemonic.WRFSBASE, Mnemonic.WRGSBASE}[ext];
            return insn(mn, s, m.operand());
        }
        if (b >> 6 == 3) {
            next();
            if (rexW) {
                throw NO;
            }
            return switch (ext) {
                case 5 -> insn(Mnemonic.LFENCE, 0);
                case 6 -> insn(Mnemonic.MFENCE, 0);
                case 7 -> insn(Mnemonic.SFENCE, 0);
                default -> throw NO;
            };
        }
        ModRm m = modrm(8, 0);
        Mnemonic mn = switch (ext) {
            case 4 -> rexW ? Mnemonic.XSAVE64 : Mnemonic.XSAVE;
            case 5 -> rexW ? Mnemonic.XRSTOR64 : Mnemonic.XRSTOR;
            case 6 -> {
                if (rexW) {
                    throw NO;
                }
                yield Mnemonic.XSAVEOPT;
            }
            default -> throw NO;
        };
        return rip(insn(mn, 0, m.operand()));
    }
}
