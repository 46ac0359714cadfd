package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.emulator.hv.ExitNames;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.vmx.ExitReason;
import org.lvdcheck.emulator.vmx.Vmcs;
import org.lvdcheck.spec.lvd.Model;

/**
 * The spec's {@code exit REASON ...} policy lines that no VM exit can reach, because the VMCS
 * control that makes the instruction exit is off (SDM Vol. 3C 25.1.3, "Instructions That Cause
 * VM Exits Conditionally"): HLT without HLT exiting, MOV DR without MOV-DR exiting, IN/OUT without
 * unconditional I/O exiting (the model has no I/O bitmaps), and the descriptor-table instructions
 * without descriptor-table exiting. Such a line changes nothing the explorer sees: lvd-hardened's
 * {@code exit hlt origin=domain action=kill} is one (its VMCS leaves HLT exiting off, as
 * Bareflank's does), so a driver's HLT with IF = 0 halts its CPU instead (docs/PROPERTIES.md,
 * AVAIL). {@code check} prints each as a note.
 */
public final class DeadExitRules {
    private DeadExitRules() {
    }

    /** One note per dead line, with its position, in spec order. */
    public static List<String> of(Machine machine) {
        Vmcs v = machine.initial().cpu(0).vmcs();
        List<String> out = new ArrayList<>();
        for (Model.ExitPolicy p : machine.system().spec().exitPolicies()) {
            List<ExitReason> reasons = ExitNames.lookup(p.reason());
            String control = null;
            for (ExitReason r : reasons) {
                String off = switch (r) {
                    case HLT -> v.hltExiting() ? null : "hlt-exiting";
                    case MOV_DR -> v.movDrExiting() ? null : "mov-dr-exiting";
                    case IO_INSTRUCTION -> v.unconditionalIoExiting() ? null : "unconditional-io-exiting";
                    case GDTR_IDTR_ACCESS, LDTR_TR_ACCESS -> v.descriptorTableExitingActive() ? null
                            : "descriptor-table-exiting";
                    default -> null;
                };
                if (off == null) {
                    control = null;
                    break;
                }
                control = off;
            }
            if (control != null) {
                out.add(p.pos() + ": `exit " + p.reason() + "` never applies: the VMCS leaves " + control
                        + " off, so the instruction does not exit");
            }
        }
        return out;
    }
}
