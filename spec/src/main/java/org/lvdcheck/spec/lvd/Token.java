package org.lvdcheck.spec.lvd;

import org.lvdcheck.spec.SourcePos;

/** One whitespace-separated word of a spec line, with where it starts. */
public record Token(String text, SourcePos pos) {
    /** The position of the character at {@code offset} inside this token. */
    public SourcePos at(int offset) {
        return new SourcePos(pos.file(), pos.line(), pos.column() + offset);
    }
}
