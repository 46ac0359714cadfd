package org.lvdcheck.emulator.cpu;

/** GDTR or IDTR: 64-bit linear base and 16-bit limit (SDM Vol. 3A 2.4.1, 2.4.3). */
public record DescriptorTableReg(long base, int limit) {
    public DescriptorTableReg {
        if (limit < 0 || limit > 0xFFFF) {
            throw new IllegalArgumentException("limit " + limit);
        }
    }

    public static final DescriptorTableReg ZERO = new DescriptorTableReg(0, 0xFFFF);
}
