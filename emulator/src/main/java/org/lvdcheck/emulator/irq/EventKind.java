package org.lvdcheck.emulator.irq;

/**
 * What is being delivered through the IDT. The kind decides the EXT bit of error codes of faults
 * met during delivery (SDM Vol. 3A 6.13: set for events external to the program: external
 * interrupts, NMIs and hardware exceptions) and whether the gate DPL is checked (only for
 * software INT n, INT3, INTO: 6.12.1.1).
 */
public enum EventKind {
    EXTERNAL, NMI, EXCEPTION, SOFTWARE;

    /** The EXT bit of an error code for a fault during delivery of this event. */
    public int extBit() {
        return this == SOFTWARE ? 0 : 1;
    }
}
