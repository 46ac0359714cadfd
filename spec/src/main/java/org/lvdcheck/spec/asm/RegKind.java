package org.lvdcheck.spec.asm;

/** What a register is for; the executor dispatches on it (e.g. MOV to a CONTROL register exits). */
public enum RegKind {
    GPR, RIP, SEGMENT, CONTROL, DEBUG
}
