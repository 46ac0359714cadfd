package org.lvdcheck.emulator.hv;

import java.util.HashMap;
import java.util.Map;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.vmx.MsrBitmap;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.Model.VmcsSetting;
import org.lvdcheck.spec.lvd.Token;
import org.lvdcheck.spec.lvd.Values;

/**
 * Builds a CPU's VMCS controls from the spec's {@code vmcs} lines, the way the hypervisor
 * writes them at launch (lvd-bflank vcpu.cpp, write_control_state). EPT is always on
 * (Bareflank's enable_ept); the EPTP, EPTP-list address and index are filled in by the
 * microkernel.
 */
public final class VmcsSetup {
    /** Whether the hypervisor keeps the last CR3 values as CR3-target values (Bareflank's 4-slot LRU). */
    public record Result(Vmcs vmcs, boolean cr3TargetLru) {}

    private VmcsSetup() {}

    public static Result build(Iterable<VmcsSetting> settings, CpuCaps caps) throws InputError {
        Map<String, VmcsSetting> s = new HashMap<>();
        for (VmcsSetting v : settings) {
            VmcsSetting before = s.put(v.key(), v);
            if (before != null) {
                throw new InputError(v.pos(), "VMCS control '" + v.key() + "' is set twice (first at " + before.pos() + ")");
            }
        }
        Vmcs.Builder b = Vmcs.builder().activateSecondaryControls(true).enableEpt(true).unrestrictedGuest(true);
        b.enableVmFunctions(yes(s, "vm-functions"));
        b.vmFunctionControls(yes(s, "eptp-switching") ? 1 : 0);
        b.cr0GuestHostMask(mask(s.get("cr0-mask")));
        b.cr4GuestHostMask(mask(s.get("cr4-mask")));
        b.cr3LoadExiting(yes(s, "cr3-load-exiting"));
        b.cr3StoreExiting(yes(s, "cr3-store-exiting"));
        boolean lru = s.containsKey("cr3-target-policy") && s.get("cr3-target-policy").value().equals("lru");
        b.cr3TargetCount(lru ? caps.cr3TargetCount() : 0);
        b.cr8LoadExiting(yes(s, "cr8-load-exiting"));
        b.cr8StoreExiting(yes(s, "cr8-store-exiting"));
        b.useTprShadow(yes(s, "tpr-shadow"));
        b.movDrExiting(yes(s, "mov-dr-exiting"));
        b.descriptorTableExiting(yes(s, "descriptor-table-exiting"));
        b.unconditionalIoExiting(yes(s, "unconditional-io-exiting"));
        b.hltExiting(yes(s, "hlt-exiting"));
        b.activatePreemptionTimer(yes(s, "preemption-timer"));
        b.nmiExiting(yes(s, "nmi-exiting"));
        b.virtualNmis(yes(s, "virtual-nmis"));
        b.externalInterruptExiting(yes(s, "external-interrupt-exiting"));
        b.enableXsaves(yes(s, "xsaves-exiting"));
        b.enableVpid(s.containsKey("vpid"));
        if (s.containsKey("exception-bitmap")) {
            b.exceptionBitmap((int) num(s.get("exception-bitmap").value(), s.get("exception-bitmap").pos()));
        }
        VmcsSetting bitmap = s.get("msr-bitmap");
        VmcsSetting allow = s.get("msr-allow");
        if (bitmap == null) {
            b.useMsrBitmaps(false); // without MSR bitmaps every RDMSR/WRMSR exits (SDM 25.1.3)
        } else {
            b.useMsrBitmaps(true);
            MsrBitmap m = switch (bitmap.value()) {
                case "none" -> MsrBitmap.NO_EXITS;
                default -> MsrBitmap.ALL_EXIT;
            };
            if (bitmap.value().equals("allow-list")) {
                if (allow == null) {
                    throw new InputError(bitmap.pos(), "msr-bitmap=allow-list needs msr-allow=MSR,...");
                }
                for (String part : allow.value().split(",")) {
                    long msr = num(part, allow.pos());
                    if (!MsrBitmap.inRange(msr)) {
                        throw new InputError(allow.pos(), "MSR 0x" + Long.toHexString(msr) + " is outside the MSR bitmap's "
                                + "ranges (0-1FFFH, C0000000H-C0001FFFH): it always exits");
                    }
                    m = m.withExit(msr, false, false).withExit(msr, true, false);
                }
            } else if (allow != null) {
                throw new InputError(allow.pos(), "msr-allow needs msr-bitmap=allow-list");
            }
            b.msrBitmap(m);
        }
        return new Result(b.build(), lru);
    }

    private static boolean yes(Map<String, VmcsSetting> s, String key) {
        VmcsSetting v = s.get(key);
        return v != null && v.value().equals("yes");
    }

    private static long num(String text, org.lvdcheck.spec.SourcePos pos) throws InputError {
        return Values.number(new Token(text, pos), "number");
    }

    private static long mask(VmcsSetting v) throws InputError {
        if (v == null || v.value().equals("none")) {
            return 0;
        }
        return v.value().equals("all") ? -1L : num(v.value(), v.pos());
    }
}
