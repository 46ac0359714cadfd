package org.lvdcheck.spec.asm;

/** The absolute target address of a direct JMP, JCC or CALL (the rel8/rel32 resolved). */
public record TargetOp(long address) implements Operand {
}
