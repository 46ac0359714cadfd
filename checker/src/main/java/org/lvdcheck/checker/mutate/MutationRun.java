package org.lvdcheck.checker.mutate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Strategy;
import org.lvdcheck.checker.explore.Verdict;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.DeadStacks;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.model.StepChecks;
import org.lvdcheck.checker.model.WriteOnlyWords;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Mutation analysis: each mutant of a spec's gate and entry code first runs the spec's
 * scenarios with the driver's own program ({@link ScenarioJudge}), and is caught when it no
 * longer does what the original does there; otherwise it is checked by a bounded breadth-first
 * search and then a bounded depth-first search (the same explorer and checks as
 * {@code check}), each stopping at the first violation. A mutant is caught when either finds
 * a violation, invalid when its spec does not load (it does not assemble), and survives
 * otherwise: bounded searches prove nothing, so a survivor is only a candidate for an
 * equivalence argument.
 */
public final class MutationRun {
    /** What became of one mutant. */
    public record Result(Mutants.Mutant mutant, Outcome outcome, String property, String detail) {}

    public enum Outcome { CAUGHT, SURVIVED, INVALID }

    /** Calls per thread in each scenario a mutant runs first. */
    public static final int SCENARIO_CALLS = ScenarioJudge.CALLS;

    private final String spec;
    private final long maxStates;
    private final int workers;
    private final boolean actionWalks;
    private java.util.Set<String> judged;
    /** The scenarios' outcomes on the unmutated spec (null before {@link #baseline}). */
    private ScenarioJudge scenarios;
    /** The witnesses the unmutated spec's complete breadth-first search reaches (empty when it is not complete). */
    private final java.util.Set<String> baseWitnesses = new java.util.TreeSet<>();

    /**
     * What a mutant's (or the original's) searches found: the first property violated, or null;
     * and, when the breadth-first search was complete, the witnesses it reached and its state count
     * (else null and 0).
     */
    private record Search(String violated, java.util.Set<String> reached, String how, long states) {
        Search(String violated, java.util.Set<String> reached) {
            this(violated, reached, "", 0);
        }
    }

    /** A survivor's detail when its breadth-first search explored every reachable state. */
    public static final String COMPLETE_NO_VIOLATION = "its complete search finds no violation";

    /** A survivor's detail when its searches stopped at the bound. */
    public static final String BOUNDED_NO_VIOLATION = "no violation within the bounds";

    public MutationRun(String spec, long maxStates, int workers) {
        this(spec, maxStates, workers, true);
    }

    /**
     * With {@code actionWalks}, a mutant the bounded searches do not catch also gets the action
     * walks of {@link ActionWalks}.
     */
    public MutationRun(String spec, long maxStates, int workers, boolean actionWalks) {
        this.spec = spec;
        this.maxStates = maxStates;
        this.workers = workers;
        this.actionWalks = actionWalks;
        this.judged = new java.util.TreeSet<>();
        StepChecks.CHECKED.forEach(p -> judged.add(p.name()));
    }

    /**
     * Checks the unmutated spec under the same bounds and keeps, for judging mutants, the
     * properties it does not break there (a property the spec already breaks cannot tell a
     * mutant from the original). Returns the properties it breaks.
     */
    public java.util.Set<String> baseline() throws InputError {
        scenarios = new ScenarioJudge(SpecLoader.load(spec));
        java.util.Set<String> broken = new java.util.TreeSet<>();
        while (!judged.isEmpty()) {
            Search s = search(SpecLoader.load(spec), true);
            if (s.violated() == null) {
                if (s.reached() != null) {
                    baseWitnesses.addAll(s.reached());
                }
                break;
            }
            broken.add(s.violated());
            judged.remove(s.violated());
        }
        return broken;
    }

    /** The witnesses a mutant is judged by: those the unmutated spec's complete search reaches. */
    public java.util.Set<String> judgedWitnesses() {
        return java.util.Collections.unmodifiableSet(baseWitnesses);
    }

    /** The scenarios a mutant is judged by (run with at most {@link ScenarioJudge#CALLS} calls per thread). */
    public List<String> judgedScenarios() {
        return scenarios == null ? List.of() : scenarios.names();
    }

    /** The properties a mutant is judged by. */
    public java.util.Set<String> judged() {
        return java.util.Collections.unmodifiableSet(judged);
    }

    public List<Result> run(List<Mutants.Mutant> mutants, Consumer<Result> each) {
        List<Result> out = new ArrayList<>();
        for (Mutants.Mutant m : mutants) {
            Result r = one(m);
            out.add(r);
            each.accept(r);
        }
        return out;
    }

    Result one(Mutants.Mutant m) {
        SpecLoader.Loaded loaded;
        try {
            loaded = SpecLoader.loadPatched(spec, m.patch(), spec + "+mutant");
        } catch (InputError e) {
            return new Result(m, Outcome.INVALID, null, e.getMessage());
        }
        if (scenarios != null) {
            try {
                String d = scenarios.differs(loaded);
                if (d != null) {
                    return new Result(m, Outcome.CAUGHT, d.substring(0, d.indexOf(':')), d);
                }
            } catch (InputError e) {
                return new Result(m, Outcome.INVALID, null, e.getMessage());
            } catch (RuntimeException e) {
                return new Result(m, Outcome.CAUGHT, "scenario", "the scenarios' run ended: " + e.getMessage());
            }
        }
        try {
            Search s;
            String without = "";
            try {
                s = search(loaded, true);
            } catch (RuntimeException e) {
                String failed = reductionFailure(e);
                if (failed == null) {
                    throw e;
                }
                // The reduction's own check refused this mutant (a read of a byte it forgot, a write-only
                // word written otherwise): the mutant is searched again, with the same bounds, without it.
                s = search(loaded, false);
                without = "without reduction, whose check refused the mutant: "
                        + failed.replace("; check again with --no-reduction", "");
            }
            if (s.violated() != null) {
                return new Result(m, Outcome.CAUGHT, s.violated(), joined(s.how(), without));
            }
            if (s.reached() != null) {
                for (String w : baseWitnesses) {
                    if (!s.reached().contains(w)) {
                        return new Result(m, Outcome.CAUGHT, "witness " + w,
                                "its complete search never reaches witness " + w + ", which the original reaches");
                    }
                }
            }
            String how = s.reached() != null
                    ? String.format(java.util.Locale.ROOT, "%s: %,d states", COMPLETE_NO_VIOLATION, s.states())
                    : BOUNDED_NO_VIOLATION;
            return new Result(m, Outcome.SURVIVED, null, joined(how, without));
        } catch (InputError e) {
            return new Result(m, Outcome.INVALID, null, e.getMessage());
        } catch (RuntimeException e) {
            // A mutant may drive the emulator where the model refuses to go (a step it does not
            // model): that mutant's run ends, and it counts as not caught.
            return new Result(m, Outcome.SURVIVED, null, "exploration ended: " + e.getMessage());
        }
    }

    /** {@code a} and {@code b} with "; " between them, or whichever is not empty. */
    private static String joined(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    /**
     * The message of the reduction check that ended {@code e}'s search ({@link DeadStacks.Forgotten},
     * {@link WriteOnlyWords.Observed}, itself or as a cause), or null when something else ended it.
     */
    static String reductionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DeadStacks.Forgotten || t instanceof WriteOnlyWords.Observed) {
                return t.getMessage();
            }
        }
        return null;
    }

    /**
     * A bounded BFS, then (unless the BFS was complete) a bounded DFS, each stopping at the first
     * violation; then the action walks; with the explorer's reductions or without them.
     */
    private Search search(SpecLoader.Loaded loaded, boolean reduction) throws InputError {
        for (Strategy strategy : new Strategy[] {Strategy.BFS, Strategy.DFS}) {
            LvdTransitionSystem sys = Replay.system(loaded, reduction);
            Explorer.Options o = Explorer.Options.defaults().withStrategy(strategy).withStopAtFirst(true)
                    .withMaxStates(maxStates).withWorkers(workers)
                    .withProperties(judged.toArray(String[]::new));
            ExplorationResult r = new Explorer<CheckState>(sys, o).run();
            for (Verdict v : r.verdicts()) {
                if (v.status() == Status.VIOLATED) {
                    return new Search(v.property(), null);
                }
            }
            if (strategy == Strategy.BFS && r.complete()) {
                java.util.Set<String> reached = new java.util.TreeSet<>();
                sys.witnesses().all().forEach(w -> reached.add(w.name()));
                sys.witnesses().unreached().forEach(w -> reached.remove(w.name()));
                // complete: a depth-first search finds nothing more
                return new Search(null, reached, "", r.stats().distinctStates());
            }
        }
        if (actionWalks) {
            ActionWalks.Found f = new ActionWalks(Replay.system(loaded, reduction), judged).firstViolation();
            if (f != null) {
                return new Search(f.property(), null, f.how(), 0);
            }
        }
        return new Search(null, null);
    }
}
