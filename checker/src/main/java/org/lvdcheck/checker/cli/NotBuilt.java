package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The honest answer of a subcommand whose engine has not landed yet: it says what did
 * run (the input was read and checked) and what did not, and exits 3 (inconclusive).
 * It never prints a verdict.
 */
final class NotBuilt {
    private NotBuilt() {}

    static int report(PrintWriter err, String command, String what) {
        err.println("lvdcheck " + command + ": " + what + " is not built in lvdcheck " + Version.VERSION
                + "; nothing was checked (exit 3, inconclusive).");
        return ExitCode.INCONCLUSIVE.code;
    }

    static int report(PrintWriter err, String command, String what, SpecLoader.Loaded loaded) {
        err.println("lvdcheck " + command + ": read spec '" + loaded.spec().name() + "' (" + loaded.files().size()
                + " input files, all well-formed).");
        return report(err, command, what);
    }
}
