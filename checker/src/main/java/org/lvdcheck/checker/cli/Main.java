package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import org.lvdcheck.spec.InputError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lvdcheck} command line (DESIGN.md §8). */
@Command(
        name = "lvdcheck",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {
            "Model checker and invariant verifier for hypervisor-based kernel isolation (LVDs).",
            "Exit codes: 0 holds, 1 violated, 2 bad input or usage, 3 inconclusive."
        },
        subcommands = {
            CheckCommand.class,
            ProveCommand.class,
            EmulateCommand.class,
            ReplayCommand.class,
            AuditCommand.class,
            MutateCommand.class,
            PropertiesCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand, e.g. 'lvdcheck check'");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code; used by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("lvdcheck: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Run 'lvdcheck " + commandPath(ex.getCommandLine()) + "--help' for usage.");
            return ExitCode.BAD_INPUT.code;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            if (ex instanceof InputError ie) {
                err.println(ie.getMessage());
                return ExitCode.BAD_INPUT.code;
            }
            if (ex instanceof UsageError ue) {
                err.println("lvdcheck: " + ue.getMessage());
                return ExitCode.BAD_INPUT.code;
            }
            // An internal error is a bug in lvdcheck: say so plainly, with the trace for the report.
            err.println("lvdcheck: internal error (please report): " + ex);
            ex.printStackTrace(err);
            return 4;
        });
        return cl.execute(args);
    }

    private static String commandPath(CommandLine c) {
        StringBuilder sb = new StringBuilder();
        for (CommandLine p = c; p != null && p.getParent() != null; p = p.getParent()) {
            sb.insert(0, p.getCommandName() + " ");
        }
        return sb.toString();
    }
}
