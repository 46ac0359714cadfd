package org.lvdcheck.spec.asm;

import java.util.List;
import org.lvdcheck.spec.SourcePos;

/** One thing a section holds, in order; link lays items out and relaxes jumps. */
sealed interface Item {
    SourcePos pos();

    /**
     * An instruction with its encoded length in the short (rel8) and long (rel32) branch forms, and
     * the macro invocations that expanded it, outermost first (empty: none).
     */
    record InsnItem(InsnTemplate insn, int shortLength, int longLength, List<SourcePos> sites) implements Item {
        @Override
        public SourcePos pos() {
            return insn.pos();
        }
    }

    /** A {@code .byte/.word/.long/.quad} element: one value, little-endian. */
    record DataItem(int width, Expr value, SourcePos pos) implements Item {
    }

    /** Literal bytes: strings, {@code .zero}, {@code .skip}. */
    record BytesItem(byte[] bytes, SourcePos pos) implements Item {
        public BytesItem {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        int length() {
            return bytes.length;
        }
    }

    /**
     * Padding to a multiple of {@code alignment} (a power of two). {@code fill} is null for the
     * default (one-byte NOPs in executable sections, zeros elsewhere); padding longer than
     * {@code maxSkip} is not emitted (as.info ".p2align": the third argument).
     */
    record AlignItem(int alignment, Integer fill, int maxSkip, SourcePos pos) implements Item {
    }

    /** A label: the symbol is defined at this point of the section. */
    record LabelItem(String name, SourcePos pos) implements Item {
    }
}
