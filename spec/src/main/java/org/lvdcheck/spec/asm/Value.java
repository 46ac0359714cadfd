package org.lvdcheck.spec.asm;

/**
 * The value of an expression at link time: an offset into a placed section piece, or an
 * absolute number when {@code section} is null. Keeping the section lets link apply GNU
 * as's rules (sym+const, sym-sym in the same section) before addresses are added.
 */
record Value(String section, long offset) {

    static Value absolute(long v) {
        return new Value(null, v);
    }

    boolean isAbsolute() {
        return section == null;
    }

    String displaySection() {
        if (section == null) {
            return "absolute";
        }
        int bar = section.indexOf('|');
        return bar < 0 ? section : section.substring(bar + 1);
    }
}
