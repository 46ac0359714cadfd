package org.lvdcheck.checker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lvdcheck.checker.audit.AuditReports;
import org.lvdcheck.checker.audit.AuditRun;
import org.lvdcheck.spec.InputError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Audit a driver interface change written in the LVD IDL: what it lets a driver read, "
                + "write or call that it could not before. Exit 1 if a change weakens CALL or DINTEG "
                + "(or anything the policy makes an error), 0 otherwise; DSAFE widenings are warnings.")
public final class AuditCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--base", paramLabel = "OLD.idl", required = true, description = "The IDL file before the change.")
    Path base;

    @Option(names = "--head", paramLabel = "NEW.idl", required = true, description = "The IDL file after the change.")
    Path head;

    @Option(names = "--policy", paramLabel = "F", description = "A policy file naming sensitive functions and fields.")
    Path policy;

    @Mixin ReportOptions reports = new ReportOptions();

    @Override
    public Integer call() throws InputError {
        if (reports.junit != null || reports.html != null) {
            throw new UsageError("audit writes --json and --sarif reports; --junit and --html are not supported "
                    + "for audit in lvdcheck " + Version.VERSION);
        }
        AuditRun run;
        try {
            run = AuditRun.run(base, head, policy);
        } catch (InputError e) {
            if (reports.json != null) {
                try {
                    AuditReports.jsonError(Version.VERSION, e.getMessage(), reports.json);
                } catch (IOException io) {
                    throw new UsageError("cannot write the report: " + io.getMessage());
                }
            }
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        AuditReports.text(run, out);
        try {
            if (reports.json != null) {
                AuditReports.json(run, Version.VERSION, reports.json);
            }
            if (reports.sarif != null) {
                AuditReports.sarif(run, Version.VERSION, reports.sarif);
            }
        } catch (IOException e) {
            throw new UsageError("cannot write the report: " + e.getMessage());
        }
        return run.violated() ? ExitCode.VIOLATED.code : ExitCode.HOLDS.code;
    }
}
