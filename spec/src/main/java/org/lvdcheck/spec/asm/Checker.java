package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.asm.Arg.ImmArg;
import org.lvdcheck.spec.asm.Arg.IndirectArg;
import org.lvdcheck.spec.asm.Arg.MemArg;
import org.lvdcheck.spec.asm.Arg.RegArg;
import org.lvdcheck.spec.asm.Arg.TargetArg;

/**
 * Checks operand counts, kinds and sizes of one instruction the way GNU as does for the
 * subset, and settles its operand size (AT&T suffix, else the register operands).
 */
final class Checker {
    private static final Set<Mnemonic> LOCKABLE = EnumSet.of(Mnemonic.ADD, Mnemonic.ADC, Mnemonic.AND,
            Mnemonic.BTS, Mnemonic.BTR, Mnemonic.CMPXCHG, Mnemonic.DEC, Mnemonic.INC, Mnemonic.NEG,
            Mnemonic.NOT, Mnemonic.OR, Mnemonic.SBB, Mnemonic.SUB, Mnemonic.XOR, Mnemonic.XCHG);
    private static final Set<Mnemonic> ALU = EnumSet.of(Mnemonic.ADD, Mnemonic.OR, Mnemonic.ADC,
            Mnemonic.SBB, Mnemonic.AND, Mnemonic.SUB, Mnemonic.XOR, Mnemonic.CMP);

    private final Spelling sp;
    private final SourcePos at;
    private final List<Arg> args;
    private final SourcePos lockPos;
    private final String name;

    private Checker(Spelling sp, SourcePos at, List<Arg> args, SourcePos lockPos) {
        this.sp = sp;
        this.at = at;
        this.args = new ArrayList<>(args);
        this.lockPos = lockPos;
        this.name = sp.text();
    }

    static InsnTemplate check(Spelling sp, SourcePos at, List<Arg> args, SourcePos lockPos) throws InputError {
        return new Checker(sp, at, args, lockPos).run();
    }

    private InputError mismatch(Arg a) {
        return new InputError(a.pos(), "operand type mismatch for '" + name + "'");
    }

    private void count(int min, int max) throws InputError {
        if (args.size() > max) {
            throw new InputError(args.get(max).pos(), "too many operands for '" + name + "' (at most " + max + ")");
        }
        if (args.size() < min) {
            throw new InputError(at, "'" + name + "' needs " + (min == max ? "" : "at least ") + min
                    + " operand" + (min == 1 ? "" : "s") + ", got " + args.size());
        }
    }

    private static boolean isGpr(Arg a) {
        return a instanceof RegArg r && r.reg().kind() == RegKind.GPR;
    }

    private static boolean isMem(Arg a) {
        return a instanceof MemArg;
    }

    private static boolean isRm(Arg a) {
        return isGpr(a) || isMem(a);
    }

    private static Reg reg(Arg a) {
        return ((RegArg) a).reg();
    }

    /** The operand size from the suffix and the given GPR operands (as.info "i386-Mnemonics"). */
    private int size(Arg... sizing) throws InputError {
        int size = sp.size();
        Arg first = null;
        for (Arg a : sizing) {
            if (!(a instanceof RegArg r)) {
                continue;
            }
            int w = r.reg().width();
            if (sp.size() != 0 && w != sp.size()) {
                throw new InputError(a.pos(), "incorrect register '%" + r.reg().asmName() + "' used with '"
                        + name.charAt(name.length() - 1) + "' suffix");
            }
            if (size != 0 && w != size) {
                throw new InputError(a.pos(), "operand size mismatch for '" + name + "': '%"
                        + r.reg().asmName() + "' is " + w + " bytes but '%" + reg(first).asmName() + "' is " + size);
            }
            if (first == null) {
                first = a;
            }
            size = w;
        }
        if (size == 0) {
            throw new InputError(at, "no instruction mnemonic suffix given and no register operands; "
                    + "can't size '" + name + "'");
        }
        return size;
    }

    private void allowSizes(int size, int... ok) throws InputError {
        for (int s : ok) {
            if (s == size) {
                return;
            }
        }
        throw new InputError(at, "'" + name + "' has no " + (size * 8) + "-bit form");
    }

    /** Sets the access width of every memory operand. */
    private void widths(int w) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) instanceof MemArg m) {
                args.set(i, m.withWidth(w));
            } else if (args.get(i) instanceof IndirectArg ind && ind.inner() instanceof MemArg m) {
                args.set(i, new IndirectArg(m.withWidth(w), ind.pos()));
            }
        }
    }

    private void constImm(ImmArg imm, long lo, long hi) throws InputError {
        long v = imm.value().constValue().orElseThrow(() -> new InputError(imm.pos(),
                "'" + name + "' needs an absolute immediate known at this point"));
        if (v < lo || v > hi) {
            throw new InputError(imm.pos(), "immediate " + v + " out of range for '" + name + "' ("
                    + lo + ".." + hi + ")");
        }
    }

    /** A data immediate must fit the field GNU as would use (imm8/16/32, sign-extended imm32 for 64-bit). */
    private void dataImm(ImmArg imm, int size, boolean imm64Allowed) throws InputError {
        var c = imm.value().constValue();
        if (c.isEmpty()) {
            return; // checked at link, once the address is known
        }
        if (!Ranges.fitsImmediate(c.getAsLong(), size, imm64Allowed)) {
            throw new InputError(imm.pos(), "immediate " + Long.toHexString(c.getAsLong()) + " does not fit in "
                    + (size == 8 ? "a sign-extended 32-bit" : "a " + size * 8 + "-bit") + " field of '" + name + "'");
        }
    }

    private InsnTemplate done(Mnemonic m, int opSize) throws InputError {
        return done(m, opSize, false);
    }

    private InsnTemplate done(Mnemonic m, int opSize, boolean movabs) throws InputError {
        if (lockPos != null) {
            if (!LOCKABLE.contains(m)) {
                throw new InputError(lockPos, "lock prefix is not allowed with '" + name + "'");
            }
            if (args.isEmpty() || !isMem(args.get(args.size() - 1))) {
                throw new InputError(lockPos, "lock prefix needs a memory destination for '" + name + "'");
            }
        }
        for (Arg a : args) {
            if (a instanceof RegArg r && r.reg() == Reg.RIP) {
                throw new InputError(a.pos(), "%rip can only be used as a base register");
            }
        }
        return new InsnTemplate(m, sp.cond(), opSize, args, lockPos != null, movabs, at);
    }

    private InsnTemplate run() throws InputError {
        Mnemonic m = sp.mnemonic();
        if (ALU.contains(m) || m == Mnemonic.TEST) {
            return alu(m);
        }
        switch (m) {
            case MOV:
                return mov();
            case MOVZX:
            case MOVSX:
                return extend(m);
            case INC: case DEC: case NEG: case NOT: {
                count(1, 1);
                Arg d = args.get(0);
                if (!isRm(d)) {
                    throw mismatch(d);
                }
                int s = size(d);
                widths(s);
                return done(m, s);
            }
            case SHL: case SHR: case SAR:
                return shift(m);
            case BT: case BTS: case BTR: {
                count(2, 2);
                Arg src = args.get(0);
                Arg d = args.get(1);
                if (!isRm(d)) {
                    throw mismatch(d);
                }
                if (src instanceof ImmArg imm) {
                    constImm(imm, 0, 255);
                } else if (!isGpr(src)) {
                    throw mismatch(src);
                }
                int s = size(src, d);
                allowSizes(s, 2, 4, 8);
                widths(s);
                return done(m, s);
            }
            case LEA: {
                count(2, 2);
                if (!isMem(args.get(0))) {
                    throw mismatch(args.get(0));
                }
                if (!isGpr(args.get(1))) {
                    throw mismatch(args.get(1));
                }
                int s = size(args.get(1));
                allowSizes(s, 2, 4, 8);
                widths(0);
                return done(m, s);
            }
            case XCHG: case CMPXCHG:
                return exchange(m);
            case PUSH: case POP:
                return stack(m);
            case CALL: case JMP: case JCC:
                return branch(m);
            case RET: {
                count(0, 1);
                if (sp.size() != 0 && sp.size() != 8) {
                    throw new InputError(at, "invalid suffix for 'ret'");
                }
                if (args.size() == 1) {
                    if (!(args.get(0) instanceof ImmArg imm)) {
                        throw mismatch(args.get(0));
                    }
                    constImm(imm, 0, 0xffff);
                }
                return done(m, 8);
            }
            case PUSHF: case POPF:
                count(0, 0);
                return done(m, 8);
            case IRETQ:
                count(0, 0);
                return done(m, 8);
            case IN: case OUT:
                return port(m);
            case LGDT: case LIDT: case SGDT: case SIDT: {
                count(1, 1);
                if (!isMem(args.get(0))) {
                    throw mismatch(args.get(0));
                }
                // SDM Vol. 2A LGDT: a 2-byte limit and an 8-byte base in 64-bit mode
                widths(10);
                return done(m, 0);
            }
            case LLDT: case LTR: {
                count(1, 1);
                Arg a = args.get(0);
                if (!isRm(a)) {
                    throw mismatch(a);
                }
                if (a instanceof RegArg r && r.reg().width() != 2) {
                    throw new InputError(a.pos(), "'" + name + "' takes a 16-bit register, not '%" + r.reg().asmName() + "'");
                }
                widths(2);
                return done(m, 2);
            }
            case RDFSBASE: case RDGSBASE: case WRFSBASE: case WRGSBASE: {
                count(1, 1);
                Arg a = args.get(0);
                if (!isGpr(a) || (reg(a).width() != 4 && reg(a).width() != 8)) {
                    throw mismatch(a);
                }
                return done(m, reg(a).width());
            }
            case XSAVE: case XRSTOR: case XSAVEOPT: case XSAVE64: case XRSTOR64: {
                count(1, 1);
                if (!isMem(args.get(0))) {
                    throw mismatch(args.get(0));
                }
                widths(0);
                return done(m, 0);
            }
            case NOP: {
                count(0, 1);
                if (args.isEmpty()) {
                    if (sp.size() != 0) {
                        throw new InputError(at, "'" + name + "' needs an operand");
                    }
                    return done(m, 0);
                }
                Arg a = args.get(0);
                if (!isRm(a)) {
                    throw mismatch(a);
                }
                int s = size(a);
                allowSizes(s, 2, 4, 8);
                widths(s);
                return done(m, s);
            }
            default:
                count(0, 0);
                return done(m, 0);
        }
    }

    private InsnTemplate alu(Mnemonic m) throws InputError {
        count(2, 2);
        Arg src = args.get(0);
        Arg d = args.get(1);
        if (m == Mnemonic.TEST && isMem(src) && isGpr(d)) {
            // TEST is commutative; the encoding has the register in ModRM.reg (SDM "TEST")
            args.set(0, d);
            args.set(1, src);
            src = args.get(0);
            d = args.get(1);
        }
        if (!isRm(d)) {
            throw mismatch(d);
        }
        if (!(src instanceof ImmArg) && !isGpr(src) && !(isMem(src) && isGpr(d))) {
            throw mismatch(src);
        }
        int s = size(src, d);
        if (src instanceof ImmArg imm) {
            dataImm(imm, s, false);
        }
        widths(s);
        return done(m, s);
    }

    private InsnTemplate mov() throws InputError {
        count(2, 2);
        Arg src = args.get(0);
        Arg d = args.get(1);
        for (Arg a : args) {
            if (a instanceof RegArg r && r.reg().kind() == RegKind.SEGMENT) {
                throw new InputError(a.pos(), "moves to and from segment registers are not supported");
            }
        }
        boolean special = src instanceof RegArg rs && (rs.reg().kind() == RegKind.CONTROL || rs.reg().kind() == RegKind.DEBUG)
                || d instanceof RegArg rd && (rd.reg().kind() == RegKind.CONTROL || rd.reg().kind() == RegKind.DEBUG);
        if (special) {
            // SDM Vol. 2A "MOV—Move to/from Control Registers": 64-bit GPR only in 64-bit mode
            Arg gpr = src instanceof RegArg rs && rs.reg().kind() == RegKind.GPR ? src : d;
            Arg other = gpr == src ? d : src;
            if (!isGpr(gpr) || !(other instanceof RegArg)) {
                throw mismatch(isGpr(gpr) ? other : gpr);
            }
            if (reg(gpr).width() != 8) {
                throw new InputError(gpr.pos(), "moves to and from control and debug registers take a 64-bit register");
            }
            if (sp.size() != 0 && sp.size() != 8) {
                throw new InputError(at, "invalid suffix for '" + name + "' with a control or debug register");
            }
            return done(Mnemonic.MOV, 8);
        }
        if (sp.movabs()) {
            if (src instanceof ImmArg && isGpr(d)) {
                int s = size(d);
                if (s != 8) {
                    throw new InputError(d.pos(), "movabs with an immediate needs a 64-bit register");
                }
                return done(Mnemonic.MOV, 8, true);
            }
            Arg acc = isGpr(src) ? src : d;
            Arg mem = acc == src ? d : src;
            if (!isGpr(acc) || reg(acc).gpr() != 0 || reg(acc).high8()) {
                throw mismatch(acc);
            }
            if (!(mem instanceof MemArg ma) || ma.base() != null || ma.index() != null) {
                throw mismatch(mem);
            }
            int s = size(acc);
            widths(s);
            return done(Mnemonic.MOV, s, true);
        }
        if (!isRm(d)) {
            throw mismatch(d);
        }
        if (!(src instanceof ImmArg) && !isGpr(src) && !(isMem(src) && isGpr(d))) {
            throw mismatch(src);
        }
        int s = size(src, d);
        if (src instanceof ImmArg imm) {
            dataImm(imm, s, isGpr(d));
        }
        widths(s);
        return done(Mnemonic.MOV, s);
    }

    private InsnTemplate extend(Mnemonic m) throws InputError {
        count(2, 2);
        Arg src = args.get(0);
        Arg d = args.get(1);
        if (!isRm(src)) {
            throw mismatch(src);
        }
        if (!isGpr(d)) {
            throw mismatch(d);
        }
        if (src instanceof RegArg r && r.reg().width() != sp.srcWidth()) {
            throw new InputError(src.pos(), "incorrect register '%" + r.reg().asmName() + "' used with '" + name + "'");
        }
        int s = size(d);
        widths(sp.srcWidth());
        return done(m, s);
    }

    private InsnTemplate shift(Mnemonic m) throws InputError {
        count(1, 2);
        if (args.size() == 1) {
            // "shl %eax" is the shift-by-one form (SDM "SAL/SAR/SHL/SHR": D1 /4)
            args.add(0, new ImmArg(new Expr.Num(1, at), at));
        }
        Arg cnt = args.get(0);
        Arg d = args.get(1);
        if (!isRm(d)) {
            throw mismatch(d);
        }
        if (cnt instanceof ImmArg imm) {
            constImm(imm, 0, 255);
        } else if (!(cnt instanceof RegArg r && r.reg() == Reg.CL)) {
            throw new InputError(cnt.pos(), "shift count must be an immediate or %cl");
        }
        int s = size(d);
        widths(s);
        return done(m, s);
    }

    private InsnTemplate exchange(Mnemonic m) throws InputError {
        count(2, 2);
        Arg a = args.get(0);
        Arg b = args.get(1);
        if (m == Mnemonic.XCHG && isMem(a) && isGpr(b)) {
            // XCHG is symmetric; canonical form has the register first (SDM "XCHG": 87 /r)
            args.set(0, b);
            args.set(1, a);
            a = b;
            b = args.get(1);
        }
        if (!isGpr(a)) {
            throw mismatch(a);
        }
        if (!isRm(b)) {
            throw mismatch(b);
        }
        int s = size(a, b);
        if (m == Mnemonic.XCHG && isGpr(b) && s > 1 && reg(b).gpr() == 0 && reg(a).gpr() != 0) {
            // the short form 90+r names the accumulator implicitly; canonical order: accumulator first
            args.set(0, b);
            args.set(1, a);
        }
        widths(s);
        return done(m, s);
    }

    private InsnTemplate stack(Mnemonic m) throws InputError {
        count(1, 1);
        Arg a = args.get(0);
        if (sp.size() != 0 && sp.size() != 8 && sp.size() != 2) {
            throw new InputError(at, "invalid suffix for '" + name + "' in 64-bit mode");
        }
        if (a instanceof RegArg r) {
            if (r.reg() == Reg.FS || r.reg() == Reg.GS) {
                return done(m, 8);
            }
            if (r.reg().kind() != RegKind.GPR || (r.reg().width() != 8 && r.reg().width() != 2)) {
                throw new InputError(a.pos(), "'" + name + "' of '%" + r.reg().asmName() + "' is not encodable in 64-bit mode");
            }
            return done(m, size(a));
        }
        int s = sp.size() == 0 ? 8 : sp.size();
        if (a instanceof ImmArg imm) {
            if (m == Mnemonic.POP) {
                throw mismatch(a);
            }
            dataImm(imm, s == 8 ? 8 : 2, false);
            return done(m, s);
        }
        if (!isMem(a)) {
            throw mismatch(a);
        }
        widths(s);
        return done(m, s);
    }

    private InsnTemplate branch(Mnemonic m) throws InputError {
        count(1, 1);
        Arg a = args.get(0);
        if (a instanceof MemArg mem && mem.bare()) {
            args.set(0, new TargetArg(mem.disp(), mem.pos()));
            return done(m, 8);
        }
        if (m == Mnemonic.JCC) {
            throw new InputError(a.pos(), "conditional jumps take a label or address, not " + describe(a));
        }
        // GNU as accepts "jmp %rax" with a warning; the intent is the indirect jump.
        Arg inner = a instanceof IndirectArg ind ? ind.inner() : a;
        if (inner instanceof RegArg r) {
            if (r.reg().kind() != RegKind.GPR || r.reg().width() != 8) {
                throw new InputError(inner.pos(), "indirect '" + name + "' needs a 64-bit register");
            }
        } else if (!(inner instanceof MemArg)) {
            throw mismatch(a);
        }
        if (inner instanceof MemArg mem) {
            inner = mem.withWidth(8);
        }
        args.set(0, new IndirectArg(inner, a.pos()));
        return done(m, 8);
    }

    private static String describe(Arg a) {
        return a instanceof RegArg ? "a register" : a instanceof ImmArg ? "an immediate" : "an indirect operand";
    }

    private InsnTemplate port(Mnemonic m) throws InputError {
        count(2, 2);
        Arg portArg = m == Mnemonic.IN ? args.get(0) : args.get(1);
        Arg acc = m == Mnemonic.IN ? args.get(1) : args.get(0);
        if (!isGpr(acc) || reg(acc).gpr() != 0 || reg(acc).width() == 8 || reg(acc).high8()) {
            throw new InputError(acc.pos(), "'" + name + "' transfers through %al, %ax or %eax");
        }
        if (portArg instanceof ImmArg imm) {
            constImm(imm, 0, 255);
        } else if (!(portArg instanceof RegArg r && r.reg() == Reg.DX)) {
            throw new InputError(portArg.pos(), "port must be an 8-bit immediate or %dx");
        }
        return done(m, size(acc));
    }
}
