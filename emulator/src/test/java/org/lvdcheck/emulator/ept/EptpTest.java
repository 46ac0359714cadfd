package org.lvdcheck.emulator.ept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.CpuCaps;

class EptpTest {
    final CpuCaps caps = CpuCaps.skylake();

    @Test
    void makeEncodesWbWalkLengthFourAndAd() {
        long e = Eptp.make(0x1234_5000L, true);
        assertEquals(0x1234_5000L | 6 | (3 << 3) | (1 << 6), e);
        assertEquals(6, Eptp.memoryType(e));
        assertEquals(4, Eptp.walkLength(e));
        assertTrue(Eptp.adEnabled(e));
        assertEquals(0x1234_5000L, Eptp.pml4Address(e, 46));
        assertFalse(Eptp.adEnabled(Eptp.make(0x1000, false)));
    }

    @Test
    void validityForVmfunc() {
        long ok = Eptp.make(0x1234_5000L, false);
        assertTrue(Eptp.validForVmfunc(ok, caps));
        assertTrue(Eptp.validForVmfunc(ok | Eptp.AD_ENABLE, caps));
        assertFalse(Eptp.validForVmfunc(ok | Eptp.AD_ENABLE, caps.withEptAccessedDirty(false)), "A/D without support");
        assertFalse(Eptp.validForVmfunc(ok, caps.withWbSupported(false)), "WB unsupported");
        long uc = ok & ~7L;
        assertTrue(Eptp.validForVmfunc(uc, caps));
        assertFalse(Eptp.validForVmfunc(uc, caps.withUcSupported(false)), "UC unsupported");
        for (int mt : new int[] {1, 2, 3, 4, 5, 7}) {
            assertFalse(Eptp.validForVmfunc((ok & ~7L) | mt, caps), "memory type " + mt);
        }
        for (int wl = 0; wl < 8; wl++) {
            assertEquals(wl == 3, Eptp.validForVmfunc((ok & ~(7L << 3)) | ((long) wl << 3), caps), "walk length " + (wl + 1));
        }
        for (int bit = 7; bit <= 11; bit++) {
            assertFalse(Eptp.validForVmfunc(ok | (1L << bit), caps), "reserved bit " + bit);
        }
        assertFalse(Eptp.validForVmfunc(ok | (1L << 46), caps), "bit MAXPHYADDR");
        assertTrue(Eptp.validForVmfunc(ok | (1L << 45), caps), "bit MAXPHYADDR-1 is address");
        assertFalse(Eptp.validForVmfunc(ok | (1L << 63), caps), "bit 63");
        assertFalse(Eptp.validForVmfunc(0, caps), "a zero slot is not a valid EPTP");
    }
}
