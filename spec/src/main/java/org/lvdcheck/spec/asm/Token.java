package org.lvdcheck.spec.asm;

/** A lexical token of one statement; {@code index} is its offset in the statement text. */
record Token(Kind kind, String text, long value, int index) {

    enum Kind {
        IDENT, NUMBER, STRING, REG, LOCAL_REF, PUNCT, END
    }

    boolean is(String punct) {
        return kind == Kind.PUNCT && text.equals(punct);
    }
}
