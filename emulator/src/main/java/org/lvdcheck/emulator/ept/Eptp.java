package org.lvdcheck.emulator.ept;

import org.lvdcheck.emulator.cpu.CpuCaps;

/**
 * The extended-page-table pointer (SDM Vol. 3C 24.6.11, Table 24-8): bits 2:0 memory type,
 * 5:3 page-walk length minus 1, 6 enable accessed/dirty flags, 11:7 reserved,
 * MAXPHYADDR-1:12 the PML4 table address, 63:MAXPHYADDR reserved.
 */
public final class Eptp {
    private Eptp() {
    }

    public static final long AD_ENABLE = 1L << 6;

    /** An EPTP with memory type WB, walk length 4 and A/D as given, as LVD builds it (create.c). */
    public static long make(long pml4Hpa, boolean adEnable) {
        if ((pml4Hpa & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("PML4 address 0x%x not 4 KiB aligned", pml4Hpa));
        }
        return pml4Hpa | EptEntry.MT_WB | (3L << 3) | (adEnable ? AD_ENABLE : 0);
    }

    public static int memoryType(long eptp) {
        return (int) (eptp & 7);
    }

    /** Page-walk length (bits 5:3 plus 1). */
    public static int walkLength(long eptp) {
        return (int) ((eptp >>> 3) & 7) + 1;
    }

    public static boolean adEnabled(long eptp) {
        return (eptp & AD_ENABLE) != 0;
    }

    /** The PML4 table's host-physical address (bits MAXPHYADDR-1:12). */
    public static long pml4Address(long eptp, int maxPhysAddr) {
        return eptp & ((1L << maxPhysAddr) - 1) & ~0xFFFL;
    }

    /**
     * Whether {@code eptp} passes the EPTP checks that VMFUNC leaf 0 applies to the selected
     * EPTP-list entry (25.5.5.3, which refers to the VM-entry checks of 26.2.1.1): memory type UC
     * or WB and supported; walk length 4; A/D only if supported; bits 11:7 and 63:MAXPHYADDR zero.
     * A zero entry fails (memory type UC passes only with UC support, but walk length 1 never).
     */
    public static boolean validForVmfunc(long eptp, CpuCaps caps) {
        int mt = memoryType(eptp);
        boolean typeOk = (mt == EptEntry.MT_UC && caps.ucSupported()) || (mt == EptEntry.MT_WB && caps.wbSupported());
        if (!typeOk || walkLength(eptp) != 4) {
            return false;
        }
        if (adEnabled(eptp) && !caps.eptAccessedDirty()) {
            return false;
        }
        long reserved = (0x1FL << 7) | ~((1L << caps.maxPhysAddr()) - 1);
        return (eptp & reserved) == 0;
    }
}
