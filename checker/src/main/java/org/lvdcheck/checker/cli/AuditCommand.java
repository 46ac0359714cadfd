package org.lvdcheck.checker.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Audit a driver interface change written in the LVD IDL: what it lets a driver read, "
                + "write or call that it could not before.")
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
    public Integer call() {
        return NotBuilt.report(spec.commandLine().getErr(), "audit", "the IDL auditor");
    }
}
