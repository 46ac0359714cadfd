package org.lvdcheck.checker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lvdcheck.checker.io.OutputFiles;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.checker.trace.TraceFile;
import org.lvdcheck.checker.trace.TraceHtml;
import org.lvdcheck.checker.trace.TraceJson;
import org.lvdcheck.spec.InputError;
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
    public Integer call() throws InputError {
        PrintWriter out = spec.commandLine().getOut();
        TraceFile t = TraceJson.read(trace);
        Replay.Outcome o = Replay.run(t);
        if (!o.reproduced()) {
            throw new InputError(new org.lvdcheck.spec.SourcePos(trace.toString(), 1, 1),
                    "the trace does not reproduce: " + o.message());
        }
        out.println("replayed " + t.steps().size() + " steps of " + trace + " on spec " + t.specName()
                + ": " + t.property() + " " + t.propertyName() + " violated");
        out.println("evidence: " + o.message());
        if (html != null) {
            try {
                OutputFiles.write(html, TraceHtml.page("lvdcheck trace " + trace.getFileName(), List.of(t)));
            } catch (IOException e) {
                throw new UsageError("cannot write " + html + ": " + e.getMessage());
            }
            out.println("page: " + html);
        }
        return ExitCode.VIOLATED.code;
    }
}
