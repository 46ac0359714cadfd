package org.lvdcheck.spec.asm;

import org.lvdcheck.spec.SourcePos;

/** An operand as parsed, before link: values are still expressions. */
sealed interface Arg {
    SourcePos pos();

    record RegArg(Reg reg, SourcePos pos) implements Arg {
    }

    record ImmArg(Expr value, SourcePos pos) implements Arg {
    }

    /**
     * A memory operand; {@code disp} is null when none was written, {@code bare} when the
     * operand was a plain expression without parentheses (a direct branch target when it is
     * the operand of jmp/jcc/call). {@code width} is filled in by the checker.
     */
    record MemArg(Reg segment, Expr disp, Reg base, Reg index, int scale, boolean bare, int width,
            SourcePos pos) implements Arg {
        boolean ripRelative() {
            return base == Reg.RIP;
        }

        MemArg withWidth(int w) {
            return new MemArg(segment, disp, base, index, scale, bare, w, pos);
        }
    }

    /** A direct jmp/jcc/call target. */
    record TargetArg(Expr target, SourcePos pos) implements Arg {
    }

    record IndirectArg(Arg inner, SourcePos pos) implements Arg {
    }
}
