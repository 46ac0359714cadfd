package org.lvdcheck.spec.asm;

import java.io.ByteArrayOutputStream;

/**
 * Alignment padding in code, byte for byte as GNU as 2.40 writes it for x86-64: the
 * longest multi-byte NOP is 11 bytes (66 66 2e 0f 1f 84 00 00 00 00 00); padding is as many
 * of those as fit, then one shorter NOP for the rest (SDM Vol. 2B "NOP", Table 4-12 forms).
 */
final class NopFill {
    private static final int[][] PATTERNS = {
        {},
        {0x90},
        {0x66, 0x90},
        {0x0f, 0x1f, 0x00},
        {0x0f, 0x1f, 0x40, 0x00},
        {0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };

    private NopFill() {
    }

    /** The padding of {@code n} bytes. */
    static byte[] of(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (n > 0) {
            int k = Math.min(n, 11);
            for (int b : PATTERNS[k]) {
                out.write(b);
            }
            n -= k;
        }
        return out.toByteArray();
    }
}
