package org.lvdcheck.emulator.vmx;

import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.mem.PhysReader;

/**
 * VMFUNC and its leaf 0, EPTP switching (SDM Vol. 3C 25.5.5 and 25.5.5.3). Legal at any CPL.
 * The checks in order: "enable VM functions" (else #UD); EAX &lt; 64 (else #UD); bit EAX of the
 * VM-function controls (else VM exit 59); for leaf 0, ECX &lt; 512 (else VM exit); the 8-byte
 * EPTP-list entry at address + 8·ECX must be a valid EPTP (else VM exit).
 */
public final class VmfuncLeaf0 {
    private VmfuncLeaf0() {
    }

    private static final VmfuncResult.InvalidOpcode UD = new VmfuncResult.InvalidOpcode();

    /**
     * Executes VMFUNC with the given RAX and RCX (only EAX and ECX, their low 32 bits, are read)
     * against the EPTP list in host-physical memory.
     */
    public static VmfuncResult execute(Vmcs vmcs, long rax, long rcx, PhysReader mem, CpuCaps caps) {
        long eax = rax & 0xFFFFFFFFL;
        long ecx = rcx & 0xFFFFFFFFL;
        if (!vmcs.vmFunctionsActive() || eax >= 64) {
            return UD;
        }
        if ((vmcs.vmFunctionControls() & (1L << eax)) == 0) {
            return new VmfuncResult.VmExit(ExitReason.VMFUNC, "VM-function control bit " + eax + " is 0");
        }
        if (eax != 0) {
            // Only leaf 0 exists; an enabled other leaf cannot be set on real hardware (its
            // capability bit is 0, so VM entry would fail): treat it as the function failing.
            return new VmfuncResult.VmExit(ExitReason.VMFUNC, "VM function " + eax + " is not modelled");
        }
        if (ecx >= 512) {
            return new VmfuncResult.VmExit(ExitReason.VMFUNC, "EPTP index " + ecx + " >= 512");
        }
        long entry = mem.read(vmcs.eptpListAddress() + 8 * ecx, 8);
        if (!Eptp.validForVmfunc(entry, caps)) {
            return new VmfuncResult.VmExit(ExitReason.VMFUNC,
                    String.format("EPTP-list entry %d (0x%x) is not a valid EPTP", ecx, entry));
        }
        return new VmfuncResult.Switched(entry, (int) ecx);
    }
}
