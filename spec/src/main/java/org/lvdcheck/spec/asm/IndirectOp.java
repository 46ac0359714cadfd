package org.lvdcheck.spec.asm;

import java.util.Objects;

/** An indirect branch target, {@code *%reg} or {@code *mem}; {@code inner} is a RegOp or MemOp. */
public record IndirectOp(Operand inner) implements Operand {
    public IndirectOp {
        Objects.requireNonNull(inner, "inner");
        if (!(inner instanceof RegOp) && !(inner instanceof MemOp)) {
            throw new IllegalArgumentException("indirect operand must be a register or memory: " + inner);
        }
    }
}
