package org.lvdcheck.checker.trace;

import java.util.List;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.model.StepChecks;
import org.lvdcheck.emulator.lxd.SystemBuilder;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Re-executes a trace from the inputs it embeds and confirms its violation by running the
 * steps again (DESIGN.md §7): every step must be enabled, taken by the same CPU with the same
 * action, and the last must break the trace's property; a trace of no steps (a state property
 * the initial state breaks) is confirmed by checking the rebuilt initial state again.
 */
public final class Replay {
    /** The outcome: whether the violation reproduced, why not if not, and the re-recorded steps. */
    public record Outcome(boolean reproduced, String message, List<TraceStep> steps) {}

    private Replay() {
    }

    /** Builds the explored system of a loaded spec exactly as {@code check} does: against the compromised driver. */
    public static LvdTransitionSystem system(SpecLoader.Loaded loaded, boolean reduction) throws InputError {
        return system(loaded, reduction, false);
    }

    /** The same, with interrupts only at coarse interrupt points ({@code check --coarse-interrupts}). */
    public static LvdTransitionSystem system(SpecLoader.Loaded loaded, boolean reduction, boolean coarseInterrupts)
            throws InputError {
        SystemBuilder.Built built = SystemBuilder.build(loaded, loaded.spec().workload().callsPerThread());
        Machine machine = new Machine(built.system(), built.initial(), Machine.Semantics.COMPROMISED_DRIVER);
        return new LvdTransitionSystem(machine, new StepChecks(machine), reduction, coarseInterrupts);
    }

    public static Outcome run(TraceFile t) throws InputError {
        SpecLoader.Loaded loaded = SpecLoader.load(t.specPath(), SourceSet.inMemory(t.inputs()));
        LvdTransitionSystem sys = system(loaded, true);
        List<TraceStep> steps;
        try {
            steps = new TraceRecorder(sys).record(t.choices());
        } catch (TraceRecorder.NotReplayable e) {
            return new Outcome(false, e.getMessage(), List.of());
        } catch (org.lvdcheck.checker.model.DeadStacks.Forgotten | org.lvdcheck.checker.model.WriteOnlyWords.Observed e) {
            // A reduction the explorer checks does not apply to these inputs: check itself would
            // have ended there, so no trace it wrote goes through such a step.
            return new Outcome(false, e.getMessage(), List.of());
        }
        for (int i = 0; i < steps.size(); i++) {
            TraceStep want = t.steps().get(i);
            TraceStep got = steps.get(i);
            if (want.cpu() != got.cpu() || !want.action().equals(got.action()) || want.rip() != got.rip()) {
                return new Outcome(false, "step " + (i + 1) + " differs: the trace says cpu" + want.cpu() + " "
                        + want.action() + " at 0x" + Long.toHexString(want.rip()) + ", the machine took cpu" + got.cpu()
                        + " " + got.action() + " at 0x" + Long.toHexString(got.rip()), steps);
            }
        }
        if (steps.isEmpty()) {
            for (Violation v : sys.checkInitial(sys.initialState())) {
                if (v.property().equals(t.property())) {
                    return new Outcome(true, v.evidence(), steps);
                }
            }
            return new Outcome(false, "the initial state does not break " + t.property() + " when rebuilt", steps);
        }
        TraceStep last = steps.get(steps.size() - 1);
        for (TraceStep.TraceViolation v : last.violations()) {
            if (v.property().equals(t.property())) {
                return new Outcome(true, v.evidence(), steps);
            }
        }
        return new Outcome(false, "the last step does not break " + t.property() + " when re-executed", steps);
    }
}
