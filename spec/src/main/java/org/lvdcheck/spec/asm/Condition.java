package org.lvdcheck.spec.asm;

/**
 * The Jcc conditions in SDM cc encoding order (Vol. 1 Appendix B, Table B-1): the ordinal is
 * the low nibble of the opcode (0x70+cc, 0x0F 0x80+cc).
 */
public enum Condition {
    O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G;

    /** The cc nibble. */
    public int code() {
        return ordinal();
    }

    public static Condition ofCode(int code) {
        return values()[code & 0xF];
    }
}
