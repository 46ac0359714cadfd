package org.lvdcheck.spec.asm;

import java.util.List;
import java.util.Objects;
import org.lvdcheck.spec.SourcePos;

/**
 * A linked, executable instruction.
 *
 * @param cond the condition of a JCC, null otherwise
 * @param opSize the SDM operand size in bytes (1, 2, 4, 8) as encoded: from the AT&T suffix or
 *     the register operands; the destination size for MOVZX/MOVSX and LEA; 8 for CALL, RET,
 *     JMP, JCC, PUSHF, POPF, IRETQ, pushes and pops of 64-bit values (2 for pushw/popw) and
 *     moves to/from control and debug registers; 2 for LLDT/LTR; 4 or 8 for RD/WR FS/GS BASE;
 *     0 for instructions without one (NOP without operand, CLI, VMFUNC, LGDT, XSAVE, ...)
 * @param operands AT&T order: sources first, destination last
 * @param pos where it was written; null for instructions produced by the {@link Decoder}
 */
public record Instruction(Mnemonic mnemonic, Condition cond, int opSize, List<Operand> operands,
        boolean lockPrefix, SourcePos pos) {
    public Instruction {
        Objects.requireNonNull(mnemonic, "mnemonic");
        if ((mnemonic == Mnemonic.JCC) != (cond != null)) {
            throw new IllegalArgumentException("condition is set exactly for JCC");
        }
        operands = List.copyOf(operands);
    }

    /** The same instruction without its source position, for comparing decoded with assembled. */
    public Instruction withoutPos() {
        return new Instruction(mnemonic, cond, opSize, operands, lockPrefix, null);
    }

    public Operand operand(int i) {
        return operands.get(i);
    }
}
