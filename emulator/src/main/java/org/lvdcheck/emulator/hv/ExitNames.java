package org.lvdcheck.emulator.hv;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lvdcheck.emulator.vmx.ExitReason;

/**
 * The words a spec uses for exit reasons in {@code exit REASON ...} lines: every basic exit
 * reason by its SDM name in kebab case ({@code control-register-access}, {@code wrmsr},
 * {@code ept-violation}) and the short forms users write ({@code cr-access},
 * {@code descriptor-table} for both 46 and 47, {@code io}, {@code nmi}).
 */
public final class ExitNames {
    private ExitNames() {}

    public static List<ExitReason> lookup(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        switch (w) {
            case "cr-access":
                return List.of(ExitReason.CONTROL_REGISTER_ACCESS);
            case "descriptor-table":
                return List.of(ExitReason.GDTR_IDTR_ACCESS, ExitReason.LDTR_TR_ACCESS);
            case "io":
                return List.of(ExitReason.IO_INSTRUCTION);
            case "nmi":
            case "exception":
                return List.of(ExitReason.EXCEPTION_OR_NMI);
            case "ept-misconfig":
                return List.of(ExitReason.EPT_MISCONFIGURATION);
            default:
                break;
        }
        List<ExitReason> r = new ArrayList<>();
        for (ExitReason e : ExitReason.values()) {
            if (e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(w)) {
                r.add(e);
            }
        }
        return r;
    }

    public static String word(ExitReason e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
