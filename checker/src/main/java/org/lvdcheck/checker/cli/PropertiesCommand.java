package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.lvdcheck.properties.PropertyId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "properties", mixinStandardHelpOptions = true,
        description = "List the property catalogue: id, name, check kind (state, step or both) and what exactly "
                + "is checked (docs/PROPERTIES.md).")
public final class PropertiesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (PropertyId p : PropertyId.values()) {
            out.printf("%-7s %-21s %-15s %s%n", p.name(), p.propertyName(), p.kind(), p.statement());
        }
        return ExitCode.HOLDS.code;
    }
}
