package org.lvdcheck.checker.cli;

import java.util.concurrent.Callable;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "emulate", mixinStandardHelpOptions = true,
        description = "Run one scenario of a spec in the emulator and print its trace, one line per step, "
                + "and a summary of crossings, exits and interrupts.")
public final class EmulateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SpecOption specOption = new SpecOption();

    @Option(names = "--scenario", paramLabel = "NAME", description = "Scenario of the spec (default: its first).")
    String scenario;

    @Option(names = "--steps", paramLabel = "N", description = "Stop after N steps.")
    Long steps;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Resolves what the scenario's schedule leaves open. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--quiet", description = "Print the summary alone.")
    boolean quiet;

    @Override
    public Integer call() throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        return NotBuilt.report(spec.commandLine().getErr(), "emulate", "the emulator", loaded);
    }
}
