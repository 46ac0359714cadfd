package org.lvdcheck.emulator.cpu;

/**
 * The spec's {@code cpu} block: the processor capabilities the SDM rules depend on (what
 * CPUID and IA32_VMX_EPT_VPID_CAP / IA32_VMX_MISC report on real hardware, Vol. 3D A.10, A.6).
 *
 * @param maxPhysAddr MAXPHYADDR, CPUID.80000008H:EAX[7:0] (36..52)
 * @param eptExecuteOnly EPT entries with R=0, W=0, X=1 allowed (EPT_VPID_CAP bit 0)
 * @param eptAccessedDirty EPT accessed/dirty flags (EPT_VPID_CAP bit 21)
 * @param virtualizationExceptions the "EPT-violation #VE" control and EPTP index exist
 * @param pages1G 1-GiB pages in EPT (EPT_VPID_CAP bit 17) and in guest paging (CPUID.80000001H:EDX[26])
 * @param pages2M 2-MiB pages in EPT (EPT_VPID_CAP bit 16)
 * @param cr3TargetCount number of CR3-target values supported (IA32_VMX_MISC bits 24:16); at most 4 here
 * @param ucSupported EPTP memory type UC allowed (EPT_VPID_CAP bit 8)
 * @param wbSupported EPTP memory type WB allowed (EPT_VPID_CAP bit 14)
 */
public record CpuCaps(int maxPhysAddr, boolean eptExecuteOnly, boolean eptAccessedDirty,
        boolean virtualizationExceptions, boolean pages1G, boolean pages2M, int cr3TargetCount,
        boolean ucSupported, boolean wbSupported) {

    public CpuCaps {
        if (maxPhysAddr < 36 || maxPhysAddr > 52) {
            throw new IllegalArgumentException("MAXPHYADDR must be 36..52, got " + maxPhysAddr);
        }
        if (cr3TargetCount < 0 || cr3TargetCount > 4) {
            throw new IllegalArgumentException("CR3-target count must be 0..4, got " + cr3TargetCount);
        }
    }

    /** A Skylake-class server part, the hardware LVD ran on: 46-bit MAXPHYADDR, everything supported. */
    public static CpuCaps skylake() {
        return new CpuCaps(46, true, true, true, true, true, 4, true, true);
    }

    public CpuCaps withMaxPhysAddr(int v) {
        return new CpuCaps(v, eptExecuteOnly, eptAccessedDirty, virtualizationExceptions, pages1G, pages2M, cr3TargetCount, ucSupported, wbSupported);
    }

    public CpuCaps withEptExecuteOnly(boolean v) {
        return new CpuCaps(maxPhysAddr, v, eptAccessedDirty, virtualizationExceptions, pages1G, pages2M, cr3TargetCount, ucSupported, wbSupported);
    }

    public CpuCaps withEptAccessedDirty(boolean v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, v, virtualizationExceptions, pages1G, pages2M, cr3TargetCount, ucSupported, wbSupported);
    }

    public CpuCaps withVirtualizationExceptions(boolean v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, eptAccessedDirty, v, pages1G, pages2M, cr3TargetCount, ucSupported, wbSupported);
    }

    public CpuCaps withPages1G(boolean v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, eptAccessedDirty, virtualizationExceptions, v, pages2M, cr3TargetCount, ucSupported, wbSupported);
    }

    public CpuCaps withPages2M(boolean v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, eptAccessedDirty, virtualizationExceptions, pages1G, v, cr3TargetCount, ucSupported, wbSupported);
    }

    public CpuCaps withCr3TargetCount(int v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, eptAccessedDirty, virtualizationExceptions, pages1G, pages2M, v, ucSupported, wbSupported);
    }

    public CpuCaps withUcSupported(boolean v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, eptAccessedDirty, virtualizationExceptions, pages1G, pages2M, cr3TargetCount, v, wbSupported);
    }

    public CpuCaps withWbSupported(boolean v) {
        return new CpuCaps(maxPhysAddr, eptExecuteOnly, eptAccessedDirty, virtualizationExceptions, pages1G, pages2M, cr3TargetCount, ucSupported, v);
    }

    /** Mask of physical-address bits 51:MAXPHYADDR, reserved in every EPT and paging entry. */
    public long reservedAddressMask() {
        return ((1L << 52) - 1) & ~((1L << maxPhysAddr) - 1);
    }
}
