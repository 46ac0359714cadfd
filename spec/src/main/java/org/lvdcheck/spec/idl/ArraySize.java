package org.lvdcheck.spec.idl;

import java.math.BigInteger;

/** The length of an {@code array<T, size>}: a number, {@code null} (NUL-terminated) or a C expression. */
public sealed interface ArraySize {
    record Fixed(BigInteger count) implements ArraySize {}

    record NullTerminated() implements ArraySize {}

    /** {@code {{expr}}}: evaluated by the generated glue, opaque to lvdcheck. */
    record Verbatim(String expr) implements ArraySize {}
}
