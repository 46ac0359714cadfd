package org.lvdcheck.emulator.irq;

/** A write of event delivery to a guest-linear address (a push, or a descriptor's accessed bit), for traces. */
public record LinearWrite(long linear, int size, long value) {
}
