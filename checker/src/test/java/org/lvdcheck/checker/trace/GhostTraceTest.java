package org.lvdcheck.checker.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourceSet;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.TargetOp;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * INV5 at a gate return, on lvd-hardened and on lvd-hardened without the {@code popfq} that
 * restores the kernel's RFLAGS in {@code vmfunc_trampoline_out} (HARDENING.md G20, replaced by a
 * plain {@code addq $8, %rsp}): t0 calls net; the driver sets DF with POPF and jumps to the
 * trampoline's way back. Hardened, the kernel resumes as it left; without the fix it resumes with
 * DF set, and the trace of that path names where INV5's copy was taken and where RFLAGS changed.
 */
class GhostTraceTest {
    static final String POPFQ = "        popfq                           # kernel RFLAGS (IF, DF, AC) # hardened: G20-rflags";

    static LvdTransitionSystem system(boolean withoutPopf) throws Exception {
        SpecLoader.Loaded l = SpecLoader.load("lvd-hardened");
        LvdTransitionSystem hardened = Replay.system(l, false); // reads the included files too
        if (!withoutPopf) {
            return hardened;
        }
        Map<String, InputFile> files = new HashMap<>(l.files());
        InputFile g = files.get("asm/hardened/gate-kernel.s");
        assertTrue(g.text().contains(POPFQ + "\n"));
        files.put("asm/hardened/gate-kernel.s", InputFile.of(g.name(), g.text().replace(POPFQ + "\n",
                "        addq $8, %rsp                   # the saved RFLAGS dropped, not restored\n")));
        return Replay.system(SpecLoader.load(l.specPath(), SourceSet.inMemory(files)), false);
    }

    /** A path of choices and what its steps broke. */
    record Path(List<Integer> choices, List<Violation> violations) {}

    /** Takes the first choice of cpu0 whose label starts with {@code label}; returns its target. */
    static CheckState take(LvdTransitionSystem sys, CheckState s, String label, Path p) {
        List<LvdTransitionSystem.Choice> all = sys.choices(s);
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).action().cpu() == 0 && all.get(i).label().startsWith(label)) {
                LvdTransitionSystem.Taken t = sys.take(s, all.get(i));
                p.choices().add(i);
                p.violations().addAll(t.violations());
                return t.target();
            }
        }
        throw new AssertionError("no '" + label + "' for cpu0 among " + all.stream().map(LvdTransitionSystem.Choice::label)
                .toList());
    }

    /** t0 into net, the driver's POPF with AC, DF and TF = 1, a jump to the trampoline's way back, on to t0's return into the wrapper. */
    static Path dfThroughTheGate(LvdTransitionSystem sys) {
        LvdSystem ls = sys.machine().system();
        long dispatch = ls.images().get("net").symbol("vmfunc_dispatch").orElseThrow();
        long back = ls.code().values().stream().filter(c -> c.view().equals("net")
                && c.insn().insn().mnemonic() == Mnemonic.CALL && c.insn().insn().operand(0) instanceof TargetOp t
                && t.address() == dispatch).findFirst().orElseThrow().insn().end();
        Path p = new Path(new ArrayList<>(), new ArrayList<>());
        CheckState s = sys.initialState();
        for (int i = 0; i < 400 && !sys.machine().inDriverCode(s.machine(), 0); i++) {
            s = take(sys, s, "execute", p);
        }
        assertTrue(sys.machine().inDriverCode(s.machine(), 0), "t0 reached net's code");
        assertEquals(2, s.crossing().calls(0).length, "the wrapper's and the trampoline entry's calls are open");
        s = take(sys, s, "driver: popf IF=0 AC=1 DF=1 TF=1", p);
        s = take(sys, s, "driver: jump to 0x" + Long.toHexString(back) + " with IF=0", p);
        for (int i = 0; i < 200 && s.crossing().calls(0).length == 2; i++) {
            s = take(sys, s, "execute", p);
        }
        assertEquals(1, s.crossing().calls(0).length, "vmfunc_trampoline_entry returned into the wrapper");
        return p;
    }

    static List<Violation> inv5(Path p) {
        return p.violations().stream().filter(v -> v.property().equals("INV5")).toList();
    }

    @Test
    void hardenedTheKernelResumesAsItLeft() throws Exception {
        assertEquals(List.of(), inv5(dfThroughTheGate(system(false))));
    }

    @Test
    void withoutTheRflagsRestoreInv5NamesTheFlagsAndTheTraceWhereTheyDiverged() throws Exception {
        LvdTransitionSystem sys = system(true);
        Path p = dfThroughTheGate(sys);
        List<Violation> l = inv5(p);
        assertEquals(1, l.size(), l.toString());
        String e = l.get(0).evidence();
        assertTrue(e.startsWith("cpu0, thread t0: the return from vmfunc_trampoline_entry"), e);
        assertTrue(e.contains("resumes the kernel with rflags (DF, AC, TF, IF, IOPL) 0x200 at the call, 0x40500 now"), e);
        List<CheckState> states = new ArrayList<>();
        List<TraceStep> steps = new TraceRecorder(sys).record(p.choices(), states);
        GhostTrace.Annotated a = GhostTrace.annotate(sys, "INV5", states, steps, e);
        assertTrue(a.evidence().startsWith(e + " — INV5's copy of rflags (DF, AC, TF, IF, IOPL) was taken at step "),
                a.evidence());
        assertTrue(a.evidence().contains("(cpu0: call vmfunc_trampoline_entry  [gate-kernel.s:"), a.evidence());
        assertTrue(a.evidence().contains("the live rflags (DF, AC, TF, IF, IOPL) first differs from it after step "),
                a.evidence());
        assertTrue(a.evidence().contains("has held the value it returns with since step "), a.evidence());
        long marked = a.steps().stream().filter(s -> s.events().stream().anyMatch(x -> x.startsWith("ghost: "))).count();
        assertEquals(3, marked, "the copy, the first divergence and the last change are marked");
        assertTrue(a.steps().stream().anyMatch(s -> s.instruction().startsWith("call vmfunc_trampoline_entry")
                && s.events().contains("ghost: INV5 copies the kernel's registers at this call of vmfunc_trampoline_entry")));
    }
}
