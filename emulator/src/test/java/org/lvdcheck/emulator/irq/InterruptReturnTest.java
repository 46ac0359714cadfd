package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.vmx.Vmcs;

class InterruptReturnTest {
    final IdtRig rig = new IdtRig();

    /** Delivers on the rig, then returns the handler's registers and the memory they see. */
    Object[] deliver(ArchRegs from, int vector, EventKind kind) {
        PagedLinearMemory lm = rig.linear(from);
        DeliveryResult.Delivered d = assertInstanceOf(DeliveryResult.Delivered.class,
                InterruptDelivery.deliver(from, vector, OptionalLong.empty(), kind, lm));
        return new Object[] {d.regs(), rig.memoryAfter(lm)};
    }

    PagedLinearMemory over(PhysMem m, ArchRegs regs) {
        return new PagedLinearMemory(PagingRegs.of(regs), new EptGuestPhysical(m, rig.ept.eptp(false), rig.caps));
    }

    @Test
    void iretUndoesDeliveryFromUserMode() {
        ArchRegs user = rig.user();
        Object[] d = deliver(user, 32, EventKind.EXTERNAL);
        ArchRegs handler = (ArchRegs) d[0];
        InterruptReturn.Result.Returned r = assertInstanceOf(InterruptReturn.Result.Returned.class,
                InterruptReturn.iretq(handler, over((PhysMem) d[1], handler), null));
        assertEquals(user.rip(), r.regs().rip());
        assertEquals(user.rsp(), r.regs().rsp());
        assertEquals(IdtRig.UCS, r.regs().cs().selector());
        assertEquals(IdtRig.UDS, r.regs().ss().selector());
        assertEquals(3, r.regs().cpl());
        assertTrue((r.regs().rflags() & Rflags.IF) != 0, "IF restored from the frame");
    }

    @Test
    void iretUnblocksNmisEvenWhenItFaults() {
        Object[] d = deliver(rig.kernel(), Vectors.NMI, EventKind.NMI);
        ArchRegs handler = (ArchRegs) d[0];
        assertTrue(handler.blockingByNmi());
        InterruptReturn.Result.Returned r = assertInstanceOf(InterruptReturn.Result.Returned.class,
                InterruptReturn.iretq(handler, over((PhysMem) d[1], handler), null));
        assertFalse(r.regs().blockingByNmi());
        assertEquals(rig.kernel().rsp(), r.regs().rsp());

        PhysMem m = (PhysMem) d[1];
        // Corrupt the saved CS to a user selector with a kernel-DPL descriptor: RPL 3 but DPL 0.
        PhysMem bad = m.edit().write(rig.hpa(handler.rsp() + 8), 8, IdtRig.KCS | 3).freeze();
        InterruptReturn.Result.Fault f = assertInstanceOf(InterruptReturn.Result.Fault.class,
                InterruptReturn.iretq(handler, over(bad, handler), null));
        assertEquals(Vectors.GP, f.vector());
        assertEquals(IdtRig.KCS, f.errorCode());
        assertFalse(f.regs().blockingByNmi(), "unblocked although IRET faulted");
        Vmcs nmiExiting = Vmcs.zero().withNmiExiting(true);
        InterruptReturn.Result.Returned stays = assertInstanceOf(InterruptReturn.Result.Returned.class,
                InterruptReturn.iretq(handler, over(m, handler), nmiExiting));
        assertTrue(stays.regs().blockingByNmi(), "NMI exiting without virtual NMIs: blocking stays in non-root");
    }

    @Test
    void userModeIretCannotRaiseIoplOrSetIfAboveIopl() {
        PhysMem m = rig.mem.freeze();
        // Build a frame at the user stack that tries to set IOPL 3 and return to CPL 3.
        ArchRegs user = rig.user().withRflags(Rflags.FIXED1);
        long sp = user.rsp() - 64;
        long base = IdtRig.USTACK_GPA + (sp - (IdtRig.USTACK_TOP - 0x2000));
        PhysMem frame = m.edit().write(base, 8, 0x40_2000L).write(base + 8, 8, IdtRig.UCS)
                .write(base + 16, 8, Rflags.FIXED1 | Rflags.IOPL | Rflags.IF | Rflags.CF)
                .write(base + 24, 8, user.rsp()).write(base + 32, 8, IdtRig.UDS).freeze();
        ArchRegs atIret = user.withRsp(sp);
        InterruptReturn.Result.Returned r = assertInstanceOf(InterruptReturn.Result.Returned.class,
                InterruptReturn.iretq(atIret, over(frame, atIret), null));
        assertEquals(0, Rflags.iopl(r.regs().rflags()), "IOPL changes only at CPL 0");
        assertEquals(0, r.regs().rflags() & Rflags.IF, "IF changes only when CPL <= IOPL");
        assertEquals(Rflags.CF, r.regs().rflags() & Rflags.CF);
        assertEquals(0x40_2000L, r.regs().rip());
        assertEquals(3, r.regs().cpl());
    }
}
