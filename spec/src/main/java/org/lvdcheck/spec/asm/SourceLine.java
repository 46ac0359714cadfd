package org.lvdcheck.spec.asm;

import org.lvdcheck.spec.SourcePos;

/**
 * One statement's text with, for every character, the column it came from; macro
 * substitution keeps the columns of the body (substituted text takes the column of the
 * {@code \arg} it replaced), so errors point into the file the user wrote.
 */
record SourceLine(String file, int line, String text, int[] cols) {

    SourcePos posAt(int index) {
        if (index < cols.length) {
            return new SourcePos(file, line, cols[index]);
        }
        int last = cols.length == 0 ? 0 : cols[cols.length - 1];
        return new SourcePos(file, line, last + 1 + (index - cols.length));
    }

    SourceLine sub(int from, int to) {
        int[] c = new int[to - from];
        System.arraycopy(cols, from, c, 0, to - from);
        return new SourceLine(file, line, text.substring(from, to), c);
    }
}
