package org.lvdcheck.spec.asm;

import java.util.Objects;

/** A register operand, {@code %reg}. */
public record RegOp(Reg reg) implements Operand {
    public RegOp {
        Objects.requireNonNull(reg, "reg");
    }
}
