package org.lvdcheck.checker.cli;

import java.util.concurrent.Callable;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "mutate", mixinStandardHelpOptions = true,
        description = "Apply every one-line mutation to the gate and entry code and report how many the checker catches.")
public final class MutateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SpecOption specOption = new SpecOption();
    @Mixin ReportOptions reports = new ReportOptions();

    @Option(names = "--workers", paramLabel = "N", description = "Parallel workers (default: all cores).")
    Integer workers;

    @Override
    public Integer call() throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        return NotBuilt.report(spec.commandLine().getErr(), "mutate", "mutation analysis (it needs the explorer)", loaded);
    }
}
