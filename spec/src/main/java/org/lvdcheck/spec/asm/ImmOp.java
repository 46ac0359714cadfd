package org.lvdcheck.spec.asm;

/**
 * An immediate, {@code $expr}, in canonical form so that assembled and decoded instructions
 * compare equal: for data operands (MOV, ALU, TEST, PUSH) the value sign-extended from the
 * operand size, as the CPU extends it ({@code movl $0xffffffff,%eax} and {@code addl $-1,%eax}
 * both carry -1; the executor truncates to the operand size); for counts and port numbers
 * (shift and bit counts, RET's byte count, IN/OUT ports) the unsigned value.
 */
public record ImmOp(long value) implements Operand {
}
