package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.spec.InputError;

/** Turns a checked template into an Instruction once expression values are known. */
final class Resolve {
    private Resolve() {
    }

    /** Gives an expression's final value (an absolute number or an address). */
    interface Values {
        long of(Expr e) throws InputError;

        /** Whether the value is a plain number rather than an address in some section. */
        default boolean absolute(Expr e) throws InputError {
            return e.constValue().isPresent();
        }
    }

    /** Parse-time values: known constants, 0 for anything symbolic (its field is full width anyway). */
    static final Values TRIAL_VALUES = e -> e.constValue().orElse(0);

    /**
     * @param next the address after the instruction: an absolute displacement on %rip
     *     ({@code 0x10(%rip)}) counts from it, a symbol ({@code sym(%rip)}) is the target itself
     */
    static Instruction instruction(InsnTemplate t, Values values, long next) throws InputError {
        List<Operand> ops = new ArrayList<>();
        for (Arg a : t.args()) {
            ops.add(operand(t, a, values, next));
        }
        return new Instruction(t.mnemonic(), t.cond(), t.opSize(), ops, t.lock(), t.pos());
    }

    private static boolean unsignedImmediate(Mnemonic m) {
        return switch (m) {
            case SHL, SHR, SAR, BT, BTS, BTR, RET, IN, OUT -> true;
            default -> false;
        };
    }

    private static Operand operand(InsnTemplate t, Arg a, Values values, long next) throws InputError {
        if (a instanceof Arg.RegArg r) {
            return new RegOp(r.reg());
        }
        if (a instanceof Arg.ImmArg i) {
            long v = values.of(i.value());
            if (unsignedImmediate(t.mnemonic())) {
                return new ImmOp(v);
            }
            int size = t.mnemonic() == Mnemonic.PUSH && t.opSize() == 8 ? 8 : t.opSize();
            boolean imm64 = t.mnemonic() == Mnemonic.MOV && t.args().get(1) instanceof Arg.RegArg;
            if (!Ranges.fitsImmediate(v, size, imm64)) {
                throw new InputError(i.pos(), "value 0x" + Long.toHexString(v) + " does not fit in the "
                        + (size == 8 ? "sign-extended 32-bit" : size * 8 + "-bit") + " immediate of '"
                        + t.mnemonic().name().toLowerCase() + "'");
            }
            return new ImmOp(Ranges.signExtend(v, size));
        }
        if (a instanceof Arg.MemArg m) {
            long disp = m.disp() == null ? 0 : values.of(m.disp());
            boolean rip = m.ripRelative();
            if (rip && (m.disp() == null || values.absolute(m.disp()))) {
                disp += next; // SDM Vol. 2A 2.2.1.6: RIP-relative counts from the next instruction
            }
            return new MemOp(m.segment(), disp, rip ? null : m.base(), m.index(), m.scale(), rip, m.width());
        }
        if (a instanceof Arg.TargetArg tg) {
            return new TargetOp(values.of(tg.target()));
        }
        Arg.IndirectArg ind = (Arg.IndirectArg) a;
        return new IndirectOp(operand(t, ind.inner(), values, next));
    }
}
