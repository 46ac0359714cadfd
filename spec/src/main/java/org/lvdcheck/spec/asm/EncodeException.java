package org.lvdcheck.spec.asm;

/**
 * An instruction that cannot be encoded as given (a value out of its field's range, AH with
 * a REX prefix). Link turns it into an InputError at the operand it names.
 */
final class EncodeException extends RuntimeException {
    private final int operand;

    /** @param operand the index of the offending operand, -1 for the mnemonic */
    EncodeException(int operand, String message) {
        super(message, null, false, false);
        this.operand = operand;
    }

    int operand() {
        return operand;
    }
}
