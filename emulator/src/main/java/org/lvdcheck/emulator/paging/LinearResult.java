package org.lvdcheck.emulator.paging;

/** Outcome of a read or write of linear memory: the value (for a write, the value written) or the failure. */
public sealed interface LinearResult permits LinearResult.Value, LinearResult.Fault {

    /** The value read (0 when {@code tainted}) or written; {@code tainted}: the bytes read hold ⊤ (DESIGN.md §3). */
    record Value(long value, boolean tainted) implements LinearResult {
        public Value(long value) {
            this(value, false);
        }
    }

    record Fault(PagingResult.Failure failure) implements LinearResult {
    }
}
