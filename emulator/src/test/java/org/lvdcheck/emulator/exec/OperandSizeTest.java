package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OperandSizeTest {
    @Test
    void masksAndSignBits() {
        assertEquals(0xFFL, OperandSize.mask(1));
        assertEquals(0xFFFFL, OperandSize.mask(2));
        assertEquals(0xFFFF_FFFFL, OperandSize.mask(4));
        assertEquals(-1L, OperandSize.mask(8));
        assertEquals(0x80L, OperandSize.signBit(1));
        assertEquals(0x8000_0000_0000_0000L, OperandSize.signBit(8));
        assertThrows(IllegalArgumentException.class, () -> OperandSize.mask(3));
    }

    @Test
    void signExtensionFromEachWidth() {
        assertEquals(-1L, OperandSize.signExtend(0xFF, 1));
        assertEquals(0x7FL, OperandSize.signExtend(0x17F, 1));
        assertEquals(-0x8000L, OperandSize.signExtend(0x8000, 2));
        assertEquals(0xFFFF_FFFF_8000_0000L, OperandSize.signExtend(0x8000_0000L, 4));
        assertEquals(0x7FFF_FFFFL, OperandSize.signExtend(0x1_7FFF_FFFFL, 4));
        assertEquals(0x1234L, OperandSize.signExtend(0x1234L, 8));
    }
}
