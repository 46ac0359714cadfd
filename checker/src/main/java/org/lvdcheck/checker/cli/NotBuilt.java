package org.lvdcheck.checker.cli;

import java.io.PrintWriter;

/**
 * The honest answer of a subcommand whose engine has not landed yet: it says what did
 * not run and exits 3 (inconclusive). It never prints a verdict.
 */
final class NotBuilt {
    private NotBuilt() {}

    static int report(PrintWriter err, String command, String what) {
        err.println("lvdcheck " + command + ": " + what + " is not built in lvdcheck " + Version.VERSION
                + "; nothing was checked (exit 3, inconclusive).");
        return ExitCode.INCONCLUSIVE.code;
    }
}
