package org.lvdcheck.spec.lvd;

import java.util.Map;
import java.util.TreeMap;
import org.lvdcheck.spec.InputError;

/**
 * The VMCS controls a spec may set (DESIGN.md §2 VMCS subset) and the words each takes.
 * Values: yes|no, or a number, or one of the listed words.
 */
public final class VmcsKeys {
    private VmcsKeys() {}

    public static final Map<String, String> KEYS = new TreeMap<>(Map.ofEntries(
            Map.entry("vm-functions", "yes|no"),
            Map.entry("eptp-switching", "yes|no"),
            Map.entry("cr0-mask", "all|none|NUMBER"),
            Map.entry("cr4-mask", "all|none|NUMBER"),
            Map.entry("cr3-load-exiting", "yes|no"),
            Map.entry("cr3-store-exiting", "yes|no"),
            Map.entry("cr3-target-policy", "lru|none"),
            Map.entry("cr8-load-exiting", "yes|no"),
            Map.entry("cr8-store-exiting", "yes|no"),
            Map.entry("tpr-shadow", "yes|no"),
            Map.entry("mov-dr-exiting", "yes|no"),
            Map.entry("msr-bitmap", "all|none|allow-list"),
            Map.entry("msr-allow", "MSR[,MSR...] readable and writable without exit (with msr-bitmap=allow-list)"),
            Map.entry("descriptor-table-exiting", "yes|no"),
            Map.entry("unconditional-io-exiting", "yes|no"),
            Map.entry("hlt-exiting", "yes|no"),
            Map.entry("preemption-timer", "yes|no"),
            Map.entry("exception-bitmap", "NUMBER"),
            Map.entry("nmi-exiting", "yes|no"),
            Map.entry("virtual-nmis", "yes|no"),
            Map.entry("external-interrupt-exiting", "yes|no"),
            Map.entry("xsaves-exiting", "yes|no"),
            Map.entry("vpid", "NUMBER")));

    static void check(Token key, Token value) throws InputError {
        String want = KEYS.get(key.text());
        if (want == null) {
            throw new InputError(key.pos(), "unknown VMCS control '" + key.text() + "'; known: " + String.join(", ", KEYS.keySet()));
        }
        String v = value.text();
        boolean ok;
        if (want.equals("yes|no")) {
            ok = v.equals("yes") || v.equals("no");
        } else if (want.equals("NUMBER")) {
            ok = isNumber(value);
        } else if (want.startsWith("MSR")) {
            ok = true;
            for (String part : v.split(",")) {
                ok &= isNumber(new Token(part, value.pos()));
            }
        } else {
            ok = false;
            for (String w : want.split("\\|")) {
                ok |= w.equals(v) || (w.equals("NUMBER") && isNumber(value));
            }
        }
        if (!ok) {
            throw new InputError(value.pos(), "VMCS control '" + key.text() + "' takes " + want + ", got '" + v + "'");
        }
    }

    private static boolean isNumber(Token t) {
        try {
            Values.number(t, "number");
            return true;
        } catch (InputError e) {
            return false;
        }
    }
}
