package org.lvdcheck.spec;

/** A position in an input file, 1-based line and column, as users' editors count them. */
public record SourcePos(String file, int line, int column) {
    public SourcePos {
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column are 1-based: " + line + ":" + column);
        }
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
