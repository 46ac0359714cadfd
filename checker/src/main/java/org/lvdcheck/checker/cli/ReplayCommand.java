package org.lvdcheck.checker.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Re-execute a counterexample trace in the emulator and confirm its violation (exit 1), "
                + "or report that it does not reproduce (exit 2).")
public final class ReplayCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TRACE.json", description = "A JSON trace written by 'lvdcheck check'.")
    Path trace;

    @Option(names = "--html", paramLabel = "F", description = "Write the trace as an HTML page to F.")
    Path html;

    @Override
    public Integer call() {
        return NotBuilt.report(spec.commandLine().getErr(), "replay", "trace replay");
    }
}
