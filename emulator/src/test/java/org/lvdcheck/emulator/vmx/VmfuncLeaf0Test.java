package org.lvdcheck.emulator.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.mem.PhysMem;

class VmfuncLeaf0Test {
    static final long LIST = 0x5000;
    final CpuCaps caps = CpuCaps.skylake();
    final long kernelEptp = Eptp.make(0x10_0000L, true);
    final long driverEptp = Eptp.make(0x20_0000L, true);
    final PhysMem mem = PhysMem.empty(46).edit()
            .write(LIST, 8, kernelEptp)
            .write(LIST + 8, 8, driverEptp)
            .write(LIST + 8 * 511, 8, driverEptp)
            .write(LIST + 8 * 3, 8, driverEptp | (1L << 8)) // reserved bit 8
            .freeze();
    final Vmcs vmcs = Vmcs.zero().withActivateSecondaryControls(true).withEnableVmFunctions(true)
            .withVmFunctionControls(1).withEptpListAddress(LIST).withEptp(kernelEptp);

    @Test
    void validIndexSwitches() {
        VmfuncResult.Switched s = assertInstanceOf(VmfuncResult.Switched.class, VmfuncLeaf0.execute(vmcs, 0, 1, mem, caps));
        assertEquals(driverEptp, s.newEptp());
        assertEquals(1, s.index());
        VmfuncResult.Switched back = (VmfuncResult.Switched) VmfuncLeaf0.execute(vmcs, 0, 0, mem, caps);
        assertEquals(kernelEptp, back.newEptp());
        assertEquals(511, ((VmfuncResult.Switched) VmfuncLeaf0.execute(vmcs, 0, 511, mem, caps)).index());
    }

    @Test
    void readsEcxAndEaxNotTheFullRegisters() {
        VmfuncResult.Switched s = (VmfuncResult.Switched) VmfuncLeaf0.execute(vmcs, 0xFFFF_FFFF_0000_0000L, 0x1234_5678_0000_0001L, mem, caps);
        assertEquals(1, s.index());
    }

    @Test
    void ecxOf512OrMoreExits() {
        VmfuncResult.VmExit e = assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 0, 512, mem, caps));
        assertEquals(ExitReason.VMFUNC, e.reason());
        assertEquals(59, e.reason().number());
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 0, 0xFFFF_FFFFL, mem, caps));
    }

    @Test
    void invalidEntriesExit() {
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 0, 2, mem, caps), "zero slot");
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 0, 3, mem, caps), "reserved bit");
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 0, 1, mem, caps.withEptAccessedDirty(false)),
                "A/D enabled without support");
    }

    @Test
    void clearControlBitExits() {
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs.withVmFunctionControls(0), 0, 1, mem, caps));
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 1, 1, mem, caps), "EAX=1 with bit 1 clear");
        assertInstanceOf(VmfuncResult.VmExit.class, VmfuncLeaf0.execute(vmcs, 63, 1, mem, caps), "EAX=63 with bit 63 clear");
    }

    @Test
    void eaxOf64OrMoreIsInvalidOpcode() {
        assertInstanceOf(VmfuncResult.InvalidOpcode.class, VmfuncLeaf0.execute(vmcs, 64, 1, mem, caps));
        assertInstanceOf(VmfuncResult.InvalidOpcode.class, VmfuncLeaf0.execute(vmcs.withVmFunctionControls(-1L), 0x8000_0000L, 1, mem, caps));
    }

    @Test
    void disabledVmFunctionsAreInvalidOpcode() {
        assertInstanceOf(VmfuncResult.InvalidOpcode.class, VmfuncLeaf0.execute(vmcs.withEnableVmFunctions(false), 0, 1, mem, caps));
        assertInstanceOf(VmfuncResult.InvalidOpcode.class, VmfuncLeaf0.execute(vmcs.withActivateSecondaryControls(false), 0, 1, mem, caps),
                "secondary controls off means all secondary controls read as 0");
    }
}
