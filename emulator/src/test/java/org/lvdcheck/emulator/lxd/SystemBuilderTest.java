package org.lvdcheck.emulator.lxd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.ept.EptWalk;
import org.lvdcheck.emulator.ept.Eptp;
import org.lvdcheck.emulator.machine.Machine;
import org.lvdcheck.emulator.machine.MachineState;
import org.lvdcheck.spec.lvd.SpecLoader;

/** What the LXD microkernel's boot path leaves in memory, checked against the spec's facts. */
class SystemBuilderTest {
    static SystemBuilder.Built built(String spec) throws Exception {
        return SystemBuilder.build(SpecLoader.load(spec), 1);
    }

    @Test
    void eptpListsHoldTheKernelInSlotZeroAndTheDomainInItsSlot() throws Exception {
        SystemBuilder.Built b = built("lvd-as-built");
        LvdSystem sys = b.system();
        for (int c = 0; c < sys.cpus(); c++) {
            long list = sys.eptpLists()[c];
            assertEquals(sys.eptps()[0][c], b.initial().mem().read(list, 8), "slot 0 on cpu" + c);
            assertEquals(sys.eptps()[1][c], b.initial().mem().read(list + 8, 8), "slot 1 on cpu" + c);
            assertTrue(Eptp.validForVmfunc(sys.eptps()[1][c], sys.caps()));
            assertTrue(Eptp.adEnabled(sys.eptps()[1][c]), "as built the LVD EPTP enables A/D");
            assertTrue(!Eptp.adEnabled(sys.eptps()[0][c]), "Bareflank's EPTP has A/D off");
        }
        assertNotEquals(sys.eptps()[1][0], sys.eptps()[1][1], "one LVD EPT per CPU");
    }

    @Test
    void everyCpusEptpListHasSlotsZeroOneAndTwoValidAndTheRestInvalid() throws Exception {
        for (String spec : new String[] {"lvd-as-built", "lvd-hardened"}) {
            SystemBuilder.Built b = built(spec);
            LvdSystem sys = b.system();
            assertEquals(java.util.List.of("kernel", "net", "blk"), sys.views(), spec);
            assertEquals(2, sys.viewSlots()[2], spec + ": blk in slot 2");
            for (int c = 0; c < sys.cpus(); c++) {
                for (int slot = 0; slot < 512; slot++) {
                    long eptp = b.initial().mem().read(sys.eptpLists()[c] + 8L * slot, 8);
                    String where = spec + " cpu" + c + " slot " + slot;
                    if (slot <= 2) {
                        assertTrue(Eptp.validForVmfunc(eptp, sys.caps()), where + " is a valid EPTP");
                        assertEquals(sys.eptps()[slot][c], eptp, where + " holds the EPT of " + sys.views().get(slot));
                    } else {
                        assertTrue(!Eptp.validForVmfunc(eptp, sys.caps()), where + " is invalid: 0x" + Long.toHexString(eptp));
                    }
                }
            }
            for (int v = 0; v < 3; v++) {
                assertNotEquals(sys.eptps()[v][0], sys.eptps()[v][1], spec + ": one EPT per CPU for " + sys.views().get(v));
            }
            assertNotEquals(sys.eptps()[1][0], sys.eptps()[2][0], spec + ": net and blk have EPTs of their own");
        }
    }

    @Test
    void eachThreadsWorkBlockAndTaskNameTheSlotOfItsDomain() throws Exception {
        SpecLoader.Loaded l = SpecLoader.load("lvd-hardened");
        var block = l.spec().scenarios().stream().filter(x -> x.name().equals("block")).findFirst().orElseThrow();
        for (SystemBuilder.Built b : new SystemBuilder.Built[] {SystemBuilder.build(l, 1), SystemBuilder.build(l, block)}) {
            Machine m = new Machine(b.system(), b.initial());
            var kernel = b.system().images().get("kernel");
            for (var th : b.system().spec().threads()) {
                long slot = b.system().spec().domain(th.domain()).orElseThrow().slot();
                assertEquals(slot, m.peek(b.initial(), 0, 0, th.argGva() + kernel.symbol("WORK_slot").orElseThrow(), 8),
                        th.name() + " WORK_slot");
                assertEquals(slot, m.peek(b.initial(), 0, 0, th.taskGva() + kernel.symbol("TASK_vmfunc_lcd").orElseThrow(), 8),
                        th.name() + " current->vmfunc_lcd");
            }
        }
    }

    @Test
    void aNewThreadHoldsItsCallersDistinctValuesInTheCalleeSavedRegistersAndTheFpu() throws Exception {
        SystemBuilder.Built b = built("lvd-hardened");
        int[] calleeSaved = {org.lvdcheck.emulator.cpu.ArchRegs.RBX, org.lvdcheck.emulator.cpu.ArchRegs.RBP,
            org.lvdcheck.emulator.cpu.ArchRegs.R12, org.lvdcheck.emulator.cpu.ArchRegs.R13,
            org.lvdcheck.emulator.cpu.ArchRegs.R14, org.lvdcheck.emulator.cpu.ArchRegs.R15};
        java.util.Set<Long> all = new java.util.HashSet<>();
        for (int t = 0; t < b.initial().threads().size(); t++) {
            var th = b.system().spec().threads().get(t);
            var regs = b.initial().threads().get(t).saved();
            for (int k = 0; k < calleeSaved.length; k++) {
                long v = regs.gpr(calleeSaved[k]);
                assertEquals(SystemBuilder.callerValue(th.taskGva(), k), v, th.name() + " register " + calleeSaved[k]);
                assertTrue(v > th.taskGva() && v < (th.taskGva() | 0xFFF), th.name() + ": in its task_struct's page, below "
                        + "the stack");
                assertTrue(all.add(v), "distinct: 0x" + Long.toHexString(v));
            }
            for (int comp = 0; comp < 3; comp++) {
                long tok = regs.xstate(comp);
                assertEquals(SystemBuilder.fpuToken(t, comp), tok, th.name() + " FPU component " + comp);
                assertNotEquals(0, tok, "not the reset state's");
                assertTrue(all.add(tok), "distinct: 0x" + Long.toHexString(tok));
            }
            assertEquals(th.argGva(), regs.gpr(org.lvdcheck.emulator.cpu.ArchRegs.RDI), "entry(arg)");
            assertEquals(th.stackTop(), regs.rsp());
        }
    }

    @Test
    void eachViewsCopyOfTheGatePagesChecksEcxAgainstItsOwnSlot() throws Exception {
        LvdSystem sys = built("lvd-as-built").system();
        assertEquals(-1L, sys.images().get("kernel").symbol(SystemBuilder.EPT_ID_SYMBOL).orElseThrow());
        assertEquals(1L, sys.images().get("net").symbol(SystemBuilder.EPT_ID_SYMBOL).orElseThrow());
        assertEquals(2L, sys.images().get("blk").symbol(SystemBuilder.EPT_ID_SYMBOL).orElseThrow());
        // The copies lie at the same GVA with the same instruction boundaries: a VMFUNC lands on an instruction.
        for (String sec : new String[] {".vmfunc.trampoline.text", ".vmfunc.springboard.text"}) {
            for (String view : new String[] {"net", "blk"}) {
                assertEquals(starts(sys.images().get("kernel"), sec), starts(sys.images().get(view), sec), view + " " + sec);
            }
        }
    }

    private static java.util.List<Long> starts(org.lvdcheck.spec.asm.LinkedImage img, String sec) {
        return img.instructions().stream().map(p -> p.address())
                .filter(a -> a >= img.sectionStart(sec) && a < img.sectionEnd(sec)).toList();
    }

    @Test
    void theKernelsCr3WalksTheDomainsOwnPageTableUnderTheDomainsEpt() throws Exception {
        SystemBuilder.Built b = built("lvd-as-built");
        LvdSystem sys = b.system();
        long cr3 = b.initial().cpu(0).regs().cr3();
        EptResult k = EptWalk.translate(b.initial().mem(), sys.eptps()[0][0], cr3, EptAccess.READ, sys.caps());
        EptResult d = EptWalk.translate(b.initial().mem(), sys.eptps()[1][0], cr3, EptAccess.READ, sys.caps());
        assertEquals(cr3, ((EptResult.Ok) k).hpa(), "identity in the kernel EPT");
        assertEquals(sys.spec().region("net.pt").orElseThrow().hpa(), ((EptResult.Ok) d).hpa(),
                "remap_cr3: the same GPA reaches the LVD's PGD");
    }

    @Test
    void idtGatesPointAtTheirHandlersOnTheirIst() throws Exception {
        SystemBuilder.Built b = built("lvd-hardened");
        Machine m = new Machine(b.system(), b.initial());
        MachineState s = b.initial();
        long idt = b.system().layout().idt();
        for (var v : b.system().spec().vectors()) {
            long lo = m.peek(s, 0, 0, idt + 16L * v.number(), 8);
            long hi = m.peek(s, 0, 0, idt + 16L * v.number() + 8, 8);
            long target = (lo & 0xFFFF) | (lo >>> 48 & 0xFFFF) << 16 | (hi & 0xFFFFFFFFL) << 32;
            assertEquals(b.system().images().get("kernel").symbol(v.handler()).orElseThrow(), target, v.name());
            assertEquals(v.ist(), (int) (lo >>> 32 & 7), v.name() + " IST");
            assertEquals(SystemBuilder.KERNEL_CS, (int) (lo >>> 16 & 0xFFFF));
            assertEquals(1, lo >>> 47 & 1, "present");
        }
    }

    @Test
    void theStatePageReadsDifferentlyInEachView() throws Exception {
        SystemBuilder.Built b = built("lvd-hardened");
        Machine m = new Machine(b.system(), b.initial());
        long inKernel = b.system().layout().stateGva()
                + b.system().images().get("kernel").symbol("VMFUNC_in_kernel").orElseThrow();
        long eptId = b.system().layout().stateGva() + b.system().images().get("kernel").symbol("VMFUNC_ept_id").orElseThrow();
        for (int c = 0; c < b.system().cpus(); c++) {
            assertEquals(1, m.peek(b.initial(), 0, c, inKernel, 4), "kernel view, cpu" + c);
            for (int v = 1; v < b.system().views().size(); v++) {
                assertEquals(0, m.peek(b.initial(), v, c, inKernel, 4), b.system().views().get(v) + " view, cpu" + c);
            }
            for (int v = 0; v < b.system().views().size(); v++) {
                assertEquals(b.system().viewSlots()[v], m.peek(b.initial(), v, c, eptId, 4),
                        "the state page names its view's slot: " + b.system().views().get(v) + ", cpu" + c);
            }
        }
        long k0 = b.system().spec().eptMappings().stream().filter(e -> e.view().equals("kernel") && e.cpu() == 0).count();
        assertTrue(k0 >= 1, "the kernel's state page is remapped per CPU");
    }

    @Test
    void eachCpusIstStacksAreMappedOnlyInItsOwnDomainEptWhenHardened() throws Exception {
        SystemBuilder.Built b = built("lvd-hardened");
        LvdSystem sys = b.system();
        long ist5cpu0 = 0x200c000L; // cpu0 IST 5 (GPA = HPA in the direct map)
        assertTrue(EptWalk.translate(b.initial().mem(), sys.eptps()[1][0], ist5cpu0, EptAccess.WRITE, sys.caps())
                instanceof EptResult.Ok);
        assertTrue(EptWalk.translate(b.initial().mem(), sys.eptps()[1][1], ist5cpu0, EptAccess.READ, sys.caps())
                instanceof EptResult.Violation, "cpu1's domain view cannot reach cpu0's IST stack");
        SystemBuilder.Built a = built("lvd-as-built");
        assertTrue(EptWalk.translate(a.initial().mem(), a.system().eptps()[1][1], ist5cpu0, EptAccess.WRITE,
                a.system().caps()) instanceof EptResult.Ok, "as built every CPU's IST stacks are RWX everywhere");
    }
}
