package org.lvdcheck.checker.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lvdcheck.checker.emulate.TraceFormat;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.InstructionText;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.lvd.Model;
import org.lvdcheck.spec.lvd.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "emulate", mixinStandardHelpOptions = true,
        description = {"Run one scenario of a spec in the emulator and print its trace, one line per step, "
                + "and a summary of crossings, exits and interrupts.",
            "Emulation runs one path: it checks no property (use 'lvdcheck check')."})
public final class EmulateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SpecOption specOption = new SpecOption();

    @Option(names = "--scenario", paramLabel = "NAME", description = "Scenario of the spec (default: its first).")
    String scenario;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10000000",
            description = "Stop after N steps. Default: ${DEFAULT-VALUE}.")
    long steps;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Picks which CPU moves first; the rest of the schedule is the scenario's. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--quiet", description = "Print the summary alone.")
    boolean quiet;

    @Override
    public Integer call() throws InputError {
        PrintWriter out = spec.commandLine().getOut();
        SpecLoader.Loaded loaded = SpecLoader.load(specOption.spec);
        Model.Scenario sc = chooseScenario(loaded);
        if (steps <= 0) {
            throw new UsageError("--steps must be positive");
        }
        SystemBuilder.Built built = SystemBuilder.build(loaded, sc);
        Machine machine = new Machine(built.system(), built.initial());
        TraceFormat fmt = new TraceFormat(new InstructionText(built.system()));
        out.println("lvdcheck emulate: spec " + loaded.spec().name() + ", scenario " + sc.name() + " (" + sc.title() + "): "
                + sc.threads().size() + (sc.threads().size() == 1 ? " thread (" : " threads (") + String.join(", ", sc.threads())
                + ") x " + sc.calls() + " calls, timer every " + sc.timerEvery()
                + " steps on every CPU, seed " + seed);
        ScenarioRunner.Summary s = new ScenarioRunner(machine, sc).run(steps, seed, quiet ? null : t -> out.println(fmt.line(t)));
        out.println("---");
        out.println("steps:              " + s.steps() + " (" + s.end() + ")");
        out.println("threads done:       " + s.threadsDone() + " of " + s.threads());
        out.println("crossings:          " + s.domainEntries() + " into a domain"
                + (s.domainEntriesByView().isEmpty() ? "" : " (" + format(s.domainEntriesByView()) + ")") + ", "
                + s.kernelEntries() + " into the kernel (VMFUNC)");
        out.println("VM exits:           " + (s.exits().isEmpty() ? "none" : format(s.exits())));
        out.println("interrupts:         " + s.interruptsDelivered() + " delivered, " + s.interruptsDeliveredInDomain()
                + " inside a domain, " + s.interruptsExitless() + " of them without a VM exit");
        for (String stop : s.stops()) {
            out.println("stopped:            " + stop);
        }
        out.println("No property was checked: emulation runs one path (use 'lvdcheck check').");
        return ExitCode.HOLDS.code;
    }

    private Model.Scenario chooseScenario(SpecLoader.Loaded loaded) throws InputError {
        if (loaded.spec().scenarios().isEmpty()) {
            throw new InputError(new SourcePos(loaded.specFile().name(), 1, 1),
                    "the spec has no scenario: add 'scenario NAME calls=N timer-every=K timer=SOURCE'");
        }
        if (scenario == null) {
            return loaded.spec().scenarios().get(0);
        }
        return loaded.spec().scenarios().stream().filter(x -> x.name().equals(scenario)).findFirst()
                .orElseThrow(() -> new UsageError("no scenario '" + scenario + "' in spec " + loaded.spec().name()
                        + "; it has: " + String.join(", ", loaded.spec().scenarios().stream().map(Model.Scenario::name).toList())));
    }

    private static String format(Map<String, Integer> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" ").append(v));
        return sb.toString();
    }
}
