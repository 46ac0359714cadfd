package org.lvdcheck.emulator.paging;

/** Outcome of a read or write of linear memory: the value (for a write, the value written) or the failure. */
public sealed interface LinearResult permits LinearResult.Value, LinearResult.Fault {

    record Value(long value) implements LinearResult {
    }

    record Fault(PagingResult.Failure failure) implements LinearResult {
    }
}
