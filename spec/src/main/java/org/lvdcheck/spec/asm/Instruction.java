package org.lvdcheck.spec.asm;

import java.util.List;
import java.util.Objects;
import org.lvdcheck.spec.SourcePos;

/**
 * A linked, executable instruction.
 *
 * @param cond the condition of a JCC, null otherwise
 * @param opSize the operand size in bytes (1, 2, 4, 8), 0 for instructions without one
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
