package org.lvdcheck.spec.asm;

/**
 * An operand of a linked instruction, in AT&T order (sources first, destination last).
 * All values are resolved: immediates, displacements and branch targets are numbers.
 */
public sealed interface Operand permits RegOp, ImmOp, MemOp, TargetOp, IndirectOp {
}
