package org.lvdcheck.checker.cli;

import java.util.concurrent.Callable;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prove", mixinStandardHelpOptions = true,
        description = "Prove the address-space invariants for every address and every handler call with Z3.")
public final class ProveCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SpecOption specOption = new SpecOption();
    @Mixin PropertySelection selection = new PropertySelection();
    @Mixin ReportOptions reports = new ReportOptions();

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "60",
            description = "Solver timeout per query in seconds (an unknown is never a proof). Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(names = "--gate-runs", paramLabel = "K",
            description = "Add bounded symbolic runs of the gate and entry code up to K steps.")
    Integer gateRuns;

    @Override
    public Integer call() throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        return NotBuilt.report(spec.commandLine().getErr(), "prove", "the Z3 prover", loaded);
    }
}
