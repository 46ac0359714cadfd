package org.lvdcheck.spec.asm;

import java.util.List;
import org.lvdcheck.spec.SourcePos;

/**
 * A checked instruction before link. {@code movabs} asks for the 64-bit immediate or
 * 64-bit absolute-address (moffs) form, as the AT&T mnemonic movabs does.
 */
record InsnTemplate(Mnemonic mnemonic, Condition cond, int opSize, List<Arg> args, boolean lock,
        boolean movabs, SourcePos pos) {
    InsnTemplate {
        args = List.copyOf(args);
    }

    /** A direct jmp/jcc, which link relaxes between rel8 and rel32 (call is always rel32). */
    boolean relaxable() {
        return (mnemonic == Mnemonic.JMP || mnemonic == Mnemonic.JCC)
                && args.size() == 1 && args.get(0) instanceof Arg.TargetArg;
    }

    /** GNU as emits the full-width field when an immediate is not known while assembling. */
    boolean wideImm() {
        for (Arg a : args) {
            if (a instanceof Arg.ImmArg i && i.value().constValue().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Same for displacements: a symbolic displacement always takes disp32. */
    boolean wideDisp() {
        for (Arg a : args) {
            Arg m = a instanceof Arg.IndirectArg ind ? ind.inner() : a;
            if (m instanceof Arg.MemArg mem && mem.disp() != null && mem.disp().constValue().isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
