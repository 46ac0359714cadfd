package org.lvdcheck.emulator.lxd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The frames domains can write, found by walking their EPTs after the build (DESIGN.md §3):
 * what lvd-hardened confines and lvd-as-built leaves open, and which code is the driver's.
 */
class DomainWritesTest {
    private static LvdSystem system(String spec) throws Exception {
        return SystemBuilder.build(SpecLoader.load(spec), 1).system();
    }

    private static long frame(long hpa) {
        return hpa >>> 12;
    }

    @Test
    void hardenedHavocIsTheDomainsOwnMemoryAndEachCpusIstStacksAreTracked() throws Exception {
        LvdSystem sys = system("lvd-hardened");
        DomainWrites w = sys.domainWrites();
        long stack = sys.spec().region("net.stack").orElseThrow().hpa();
        assertTrue(w.havoc(frame(stack)), "the LVD stacks: every CPU's domain view writes them");
        assertTrue(w.havoc(frame(sys.spec().region("net.heap").orElseThrow().hpa())));
        assertFalse(w.domainWritable(frame(sys.spec().region("net.pt").orElseThrow().hpa())), "page tables are r--");
        assertFalse(w.domainWritable(frame(0x1000000)), ".entry.text is --x in the domain");
        assertFalse(w.domainWritable(frame(0x1800000)), "the IDT is r--");
        assertFalse(w.domainWritable(frame(0x2000000)), "cpu0's GDT is r--");
        assertEquals(0, w.trackedCpu(frame(0x2004000)), "cpu0's IST stacks: only cpu0's EPT maps them");
        assertEquals(1, w.trackedCpu(frame(0x2024000)));
        assertFalse(w.havoc(frame(0x2004000)));
        int net = sys.views().indexOf("net");
        long[] mine = w.trackedWritable(net, 0);
        assertEquals(12, mine.length, "48 KiB of IST stacks");
        assertEquals(frame(0x2004000), mine[0]);
        assertTrue(Arrays.stream(mine).allMatch(f -> w.trackedCpu(f) == 0));
        assertEquals(0, w.trackedWritable(0, 0).length, "the kernel view is no domain");
    }

    @Test
    void asBuiltLetsTheDomainWriteTheKernelsEntryTextIdtAndIstStacks() throws Exception {
        DomainWrites w = system("lvd-as-built").domainWrites();
        assertTrue(w.havoc(frame(0x1000000)), ".entry.text rwx in every CPU's domain EPT");
        assertTrue(w.havoc(frame(0x1800000)), "the IDT");
        assertTrue(w.havoc(frame(0x2004000)), "cpu0's IST stacks are mapped into cpu1's domain EPT too");
        assertEquals(-1, w.trackedCpu(frame(0x2004000)));
        assertFalse(w.domainWritable(frame(0x3000000)), "the kernel's own page tables are not mapped");
    }

    @Test
    void driverCodeIsTheDomainsOwnSectionsNotTheSharedGatePages() throws Exception {
        LvdSystem sys = system("lvd-hardened");
        LinkedImage net = sys.images().get("net");
        long xmit = net.symbol("ndo_start_xmit").orElseThrow();
        long trampoline = net.symbol("vmfunc_trampoline").orElseThrow();
        long wrapper = net.symbol("vmfunc_wrapper").orElseThrow();
        int seen = 0;
        for (LvdSystem.CodeAt at : sys.code().values()) {
            long a = at.insn().address();
            if (at.view().equals("net") && (a == xmit || a == wrapper)) {
                assertTrue(at.driver(), "0x" + Long.toHexString(a));
                seen++;
            }
            if (a == trampoline) {
                assertFalse(at.driver(), "the trampoline page is transition code in " + at.view());
                seen++;
            }
            if (at.view().equals("kernel")) {
                assertFalse(at.driver());
            }
        }
        assertEquals(2 + sys.views().size(), seen, "two driver entry points and the trampoline in every view");
    }
}
