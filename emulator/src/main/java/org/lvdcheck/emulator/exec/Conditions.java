package org.lvdcheck.emulator.exec;

import static org.lvdcheck.emulator.cpu.Rflags.CF;
import static org.lvdcheck.emulator.cpu.Rflags.OF;
import static org.lvdcheck.emulator.cpu.Rflags.PF;
import static org.lvdcheck.emulator.cpu.Rflags.SF;
import static org.lvdcheck.emulator.cpu.Rflags.ZF;

import org.lvdcheck.spec.asm.Condition;

/** The sixteen condition codes as functions of RFLAGS (SDM Vol. 1 Appendix B, Table B-1). */
public final class Conditions {
    private Conditions() {
    }

    public static boolean holds(Condition cond, long rflags) {
        boolean cf = (rflags & CF) != 0;
        boolean zf = (rflags & ZF) != 0;
        boolean sf = (rflags & SF) != 0;
        boolean of = (rflags & OF) != 0;
        boolean pf = (rflags & PF) != 0;
        return switch (cond) {
            case O -> of;
            case NO -> !of;
            case B -> cf;
            case AE -> !cf;
            case E -> zf;
            case NE -> !zf;
            case BE -> cf || zf;
            case A -> !cf && !zf;
            case S -> sf;
            case NS -> !sf;
            case P -> pf;
            case NP -> !pf;
            case L -> sf != of;
            case GE -> sf == of;
            case LE -> zf || sf != of;
            case G -> !zf && sf == of;
        };
    }
}
