package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lvdcheck.checker.explore.ExplorationResult;
import org.lvdcheck.checker.explore.Explorer;
import org.lvdcheck.checker.model.CheckState;
import org.lvdcheck.checker.model.LvdTransitionSystem;
import org.lvdcheck.checker.model.WriteOnlyWords;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The write-only-word reduction (docs/MODEL.md, "Write-only words"): lvd-hardened's two
 * statistics are found; a kernel thread of tiny.lvd that counts for ever has infinitely many
 * states without the reduction and five with it; a counter that is read, whose flags are read,
 * or that a data word points at is not reduced; and one reached through a computed address
 * ends the exploration as inconclusive instead of being explored wrongly.
 */
class WriteOnlyWordsTest {
    /** The counting thread: tiny.lvd's call_thread, replaced. */
    private static final String COUNTING = """
            call_thread:
            1:      incq stat_count
            %s
                    xorl %%eax, %%eax
                    jmp 1b
                    .section .data.count, "aw"
                    .globl stat_count
            stat_count:
                    .quad 0
            %s
                    .section .text.kthread, "ax"
            stray_call_thread:
            """;

    @TempDir
    Path dir;

    /** tiny.lvd whose thread counts for ever, with {@code between} after the increment and {@code data} after the counter. */
    private Path counting(String between, String data) throws IOException {
        CliTest.copySmallSpecs(dir);
        Path kernel = dir.resolve("asm/kernel.s");
        String text = Files.readString(kernel);
        String label = "(?m)^call_thread:.*\n";
        String patched = text.replaceFirst(label, java.util.regex.Matcher.quoteReplacement(
                String.format(COUNTING, between, data)));
        assertTrue(patched.contains("incq stat_count"), "call_thread replaced");
        assertEquals(1, patched.lines().filter(l -> l.startsWith("call_thread:")).count());
        Files.writeString(kernel, patched);
        Path spec = dir.resolve("tiny.lvd");
        String s = Files.readString(spec);
        s = s.replace("section .text.kthread ", "section .data.count gva=0xffffffff81003000\nsection .text.kthread ");
        s = s.replaceAll("(?m)^witness .*$", "");
        Files.writeString(spec, s);
        return spec;
    }

    private static List<String> names(LvdTransitionSystem sys) {
        return sys.writeOnlyWords().stream().map(WriteOnlyWords.Word::name).toList();
    }

    private static LvdTransitionSystem system(Path spec, boolean reduction) throws InputError {
        return Replay.system(SpecLoader.load(spec.toString()), reduction);
    }

    @Test
    void lvdHardenedKeepsItsTwoStatisticsAtZero() throws InputError {
        LvdTransitionSystem sys = Replay.system(SpecLoader.load("lvd-hardened"), true);
        assertEquals(List.of("net_skbs_consumed", "blk_requests_ended"), names(sys));
        for (WriteOnlyWords.Word w : sys.writeOnlyWords()) {
            assertEquals(8, w.size());
            assertEquals(0, w.initial());
            assertEquals(1, w.updaters().length, w.name() + ": one incq");
        }
        assertEquals(List.of(), names(Replay.system(SpecLoader.load("lvd-hardened"), false)));
    }

    @Test
    void aThreadThatCountsForEverHasFiveStatesWithTheReductionAndNoEndWithout() throws Exception {
        Path spec = counting("", "");
        LvdTransitionSystem with = system(spec, true);
        assertEquals(List.of("stat_count"), names(with));
        ExplorationResult r = new Explorer<CheckState>(with, Explorer.Options.defaults().withWorkers(1)).run();
        assertTrue(r.complete(), r.toString());
        // The initial state (the idle CPU), the loop's three instructions, and its head again with
        // the flags XOR left (the first time it had the initial ones).
        assertEquals(5, r.stats().distinctStates());
        ExplorationResult without = new Explorer<CheckState>(system(spec, false),
                Explorer.Options.defaults().withWorkers(1).withMaxDepth(300)).run();
        assertFalse(without.complete());
        assertTrue(without.stats().distinctStates() > 290, without.stats().toString());
    }

    @Test
    void aCounterThatIsReadIsNotReduced() throws Exception {
        assertEquals(List.of(), names(system(counting("        movq stat_count, %rdx", ""), true)));
    }

    @Test
    void aCounterWhoseFlagsAreReadIsNotReduced() throws Exception {
        assertEquals(List.of(), names(system(counting("        jz 1b", ""), true)));
    }

    @Test
    void aCounterADataWordPointsAtIsNotReduced() throws Exception {
        assertEquals(List.of(), names(system(counting("", "        .quad stat_count"), true)));
    }

    @Test
    void aCounterWhoseAddressIsTakenIsNotReduced() throws Exception {
        assertEquals(List.of(), names(system(counting("        leaq stat_count, %rdx", ""), true)));
    }

    @Test
    void aCounterReachedThroughAComputedAddressEndsTheRunInconclusive() throws Exception {
        // The immediate points 8 bytes below the counter, so the code takes no address inside it:
        // only the run shows the read.
        Path spec = counting("        movq $stat_count - 8, %rax\n        movq 8(%rax), %rdx", "");
        assertEquals(List.of("stat_count"), names(system(spec, true)));
        Explorer<CheckState> ex = new Explorer<>(system(spec, true), Explorer.Options.defaults().withWorkers(1));
        assertThrows(WriteOnlyWords.Observed.class, ex::run);
        CliTest.Run r = CliTest.run("check", "--spec", spec.toString(), "--quiet", "--trace-dir",
                dir.resolve("out").toString());
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("error: the write-only-word reduction keeps stat_count at its initial value, but "),
                r.out());
        assertTrue(r.out().contains("check again with --no-reduction"), r.out());
        assertTrue(r.out().contains("verdict: inconclusive"), r.out());
    }

    @Test
    void replayingStepsThroughSuchAReadSaysTheyDoNotReproduce() throws Exception {
        // Steps recorded without the reduction, replayed with it: the replay says where it stops
        // reproducing (not an internal error).
        Path spec = counting("        movq $stat_count - 8, %rax\n        movq 8(%rax), %rdx", "");
        SpecLoader.Loaded loaded = SpecLoader.load(spec.toString());
        List<org.lvdcheck.checker.trace.TraceStep> steps = new org.lvdcheck.checker.trace.TraceRecorder(
                Replay.system(loaded, false)).record(java.util.Collections.nCopies(8, 0));
        org.lvdcheck.checker.trace.TraceFile t = new org.lvdcheck.checker.trace.TraceFile("lvdcheck", loaded.spec().sdm(),
                loaded.spec().name(), loaded.specPath(), loaded.files(), 0, "AVAIL", "availability", "", steps);
        Replay.Outcome o = Replay.run(t);
        assertFalse(o.reproduced());
        assertTrue(o.message().startsWith("the write-only-word reduction keeps stat_count at its initial value"),
                o.message());
    }
}
