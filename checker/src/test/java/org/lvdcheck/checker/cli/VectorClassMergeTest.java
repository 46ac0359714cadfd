package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check --vector-classes} (docs/MODEL.md, "Vector classes"): on lvd-hardened the timer's
 * arrival stands for the NIC's where no thread can be switched in, with the NIC's run kept beside it
 * and compared at every step. It stores fewer states, breaches nothing, counts the same with one and
 * two workers, and finds a fault in the shared handler code with a shortest trace as long as
 * without it, a trace that replays.
 */
class VectorClassMergeTest {
    private static final Pattern EXPLORED = Pattern.compile("explored ([0-9,]+) distinct states");
    private static final Pattern TRACE = Pattern.compile("counterexample IRQ: ([0-9]+) steps, (\\S+) ");

    private static long explored(CliTest.Run r) {
        Matcher m = EXPLORED.matcher(r.out());
        assertTrue(m.find(), r.out());
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void hardenedToDepth100StoresFewerStatesAndBreachesNothing() {
        CliTest.Run plain = CliTest.run("check", "--max-depth", "100", "--time-limit", "0", "--quiet");
        CliTest.Run merged = CliTest.run("check", "--max-depth", "100", "--time-limit", "0", "--quiet", "--vector-classes");
        CliTest.Run one = CliTest.run("check", "--max-depth", "100", "--time-limit", "0", "--quiet", "--vector-classes",
                "--workers", "1");
        assertEquals(3, plain.code(), plain.out() + plain.err());
        assertEquals(3, merged.code(), merged.out() + merged.err());
        assertTrue(merged.out().contains("merged where no thread can be switched in: timer's arrival stands for nic's"),
                merged.out());
        assertTrue(plain.out().contains("explored apart (check --vector-classes merges them)"), plain.out());
        assertFalse(merged.out().contains("vector class breached"), merged.out());
        long p = explored(plain);
        long m = explored(merged);
        assertTrue(m < p && 2 * m > p, "merged " + m + ", plain " + p);
        assertEquals(m, explored(one), "one and two workers");
        assertEquals(violations(plain), violations(merged));
    }

    private static String violations(CliTest.Run r) {
        StringBuilder b = new StringBuilder();
        for (String l : r.out().split("\n")) {
            if (l.startsWith("  ") && l.contains(" violated")) {
                b.append(l).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void aFaultInTheSharedHandlerCodeIsFoundAsShortAndReplays(@TempDir Path dir) {
        CliTest.Run plain = CliTest.run("check", "--spec", "fault-handler-before-ept", "--stop-at-first", "--property",
                "IRQ", "--time-limit", "0", "--quiet", "--trace-dir", dir.resolve("plain").toString());
        CliTest.Run merged = CliTest.run("check", "--spec", "fault-handler-before-ept", "--stop-at-first", "--property",
                "IRQ", "--time-limit", "0", "--quiet", "--vector-classes", "--trace-dir", dir.resolve("merged").toString());
        assertEquals(1, plain.code(), plain.out() + plain.err());
        assertEquals(1, merged.code(), merged.out() + merged.err());
        Matcher a = TRACE.matcher(plain.out());
        Matcher b = TRACE.matcher(merged.out());
        assertTrue(a.find() && b.find(), plain.out() + merged.out());
        assertEquals(a.group(1), b.group(1), "shortest trace lengths");
        assertTrue(explored(merged) < explored(plain));
        CliTest.Run replay = CliTest.run("replay", b.group(2));
        assertEquals(1, replay.code(), replay.out() + replay.err());
    }

    @Test
    void aSpecWithoutTwoAlikeSourcesOrWithoutReductionIsAUsageError() {
        CliTest.Run mini = CliTest.run("check", "--spec", "src/test/resources/small/mini.lvd", "--vector-classes", "--quiet");
        assertEquals(2, mini.code(), mini.out() + mini.err());
        assertTrue(mini.err().contains("no two interrupt sources"), mini.err());
        CliTest.Run unreduced = CliTest.run("check", "--vector-classes", "--no-reduction", "--max-depth", "3", "--quiet");
        assertEquals(2, unreduced.code(), unreduced.out() + unreduced.err());
        assertTrue(unreduced.err().contains("--vector-classes is a reduction"), unreduced.err());
    }
}
