package org.lvdcheck.checker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The INVEPT obligation (docs/MODEL.md, "Paging-structure caches"): tiny.lvd's kernel thread
 * first asks the hypervisor (hypercall 0x4BF00034, which issues no INVEPT) to map a page of the
 * kernel's EPT (a page of kernel.low no code uses). Remapping it to another frame leaves a stale
 * translation: the run cannot hold. Mapping it to the frame and rights it already has changes
 * nothing: the run holds as tiny.lvd does.
 */
class InveptObligationTest {
    /** The properties tiny.lvd satisfies (all but INV5 and DINTEG, which its toy gate breaks). */
    private static final String[] PROPERTIES = {"INV1", "INV2", "INV3", "INV4", "IRQ", "EXEC", "CALL", "DSAFE", "ENTRY",
        "TAINT", "AVAIL"};

    @TempDir
    Path dir;

    private CliTest.Run checkWithHypercall(long gpa, long hpa) throws IOException {
        CliTest.copySmallSpecs(dir);
        Path kernel = dir.resolve("asm/kernel.s");
        String text = Files.readString(kernel);
        String call = "        call gate_call\n";
        assertEquals(text.indexOf(call), text.lastIndexOf(call));
        text = text.replace(call, String.format("""
                        movl $0x4BF00034, %%eax         # map a page of the kernel's EPT
                        movl $0x%x, %%ebx
                        movl $0x%x, %%ecx
                        cpuid
                """, gpa, hpa) + call);
        Files.writeString(kernel, text);
        String[] args = Stream.concat(Stream.of("check", "--spec", dir.resolve("tiny.lvd").toString(), "--quiet",
                "--trace-dir", dir.resolve("out").toString()),
                Stream.of(PROPERTIES).flatMap(p -> Stream.of("--property", p))).toArray(String[]::new);
        return CliTest.run(args);
    }

    @Test
    void aRemapWithoutInveptKeepsTheRunFromHolding() throws IOException {
        CliTest.Run r = checkWithHypercall(0x800000L, 0x900000L);
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("exploration complete"), r.out());
        assertTrue(r.out().contains("INVEPT obligation unmet: hypercall 0x4bf00034 changed GPA 0x800000 in the kernel "
                + "EPT of cpu0 with no INVEPT"), r.out());
        assertTrue(r.out().contains("INV3   pa-disjoint            inconclusive (INVEPT obligation unmet)"), r.out());
        assertTrue(r.out().contains("verdict: inconclusive"), r.out());
    }

    @Test
    void aRemapToTheFrameAndRightsItHasChangesNothing() throws IOException {
        CliTest.Run r = checkWithHypercall(0x800000L, 0x800000L);
        assertEquals(0, r.code(), r.out() + r.err());
        assertFalse(r.out().contains("INVEPT obligation unmet"), r.out());
        assertTrue(r.out().contains("verdict: holds"), r.out());
    }
}
