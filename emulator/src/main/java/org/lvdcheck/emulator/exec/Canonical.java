package org.lvdcheck.emulator.exec;

/**
 * Canonical 48-bit linear addresses (SDM Vol. 1 3.3.7.1; 4-level paging, LA57 not modelled):
 * bits 63:47 all equal. Branch targets, FS/GS bases written by WRFSBASE/WRMSR and IRET's RIP
 * must be canonical.
 */
final class Canonical {
    private Canonical() {
    }

    static boolean is(long linear) {
        return (linear << 16) >> 16 == linear;
    }
}
