package org.lvdcheck.emulator.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;

/**
 * Delivery reads the IDT gate, the GDT code descriptor and the TSS IST slot from memory every
 * time: a write to any of them (made here through paging and the EPT, as a compromised driver
 * with a writable mapping would) changes the next delivery.
 */
class IdtCorruptionTest {
    static final int VECTOR = 34; // interrupt gate, IST 5
    final IdtRig rig = new IdtRig();
    final ArchRegs regs = rig.kernel();

    /** Writes 8 bytes at a kernel linear address through paging and the EPT; returns the new memory. */
    PhysMem corrupt(PhysMem mem, long linear, long value) {
        EptGuestPhysical gp = new EptGuestPhysical(mem, rig.ept.eptp(false), rig.caps);
        LinearResult r = new PagedLinearMemory(PagingRegs.of(regs), gp).write(linear, 8, value, LinearAccess.WRITE);
        assertInstanceOf(LinearResult.Value.class, r);
        return gp.memory();
    }

    long read(PhysMem mem, long linear) {
        return mem.read(rig.hpa(linear), 8);
    }

    DeliveryResult deliverOn(PhysMem mem) {
        return InterruptDelivery.deliver(regs, VECTOR, OptionalLong.empty(), EventKind.EXTERNAL,
                new PagedLinearMemory(PagingRegs.of(regs), new EptGuestPhysical(mem, rig.ept.eptp(false), rig.caps)));
    }

    @Test
    void everyStructureOnTheDeliveryPathIsReadFromMemory() {
        PhysMem clean = rig.mem.freeze();
        long ist5Top = IdtRig.IST_STACK_BASE + 5 * 0x1000L + 0x1000;
        DeliveryResult.Delivered ok = assertInstanceOf(DeliveryResult.Delivered.class, deliverOn(clean));
        assertEquals(IdtRig.HANDLER + 0x200, ok.regs().rip());
        assertEquals(ist5Top - 40, ok.regs().rsp());

        long gate = IdtRig.IDT + 16L * VECTOR;
        long lo = read(clean, gate);

        PhysMem notPresent = corrupt(clean, gate, lo & ~(1L << 47));
        DeliveryResult.Fault np = assertInstanceOf(DeliveryResult.Fault.class, deliverOn(notPresent));
        assertEquals(Vectors.NP, np.vector());
        assertEquals(VECTOR * 8 + 2 + 1, np.errorCode());

        long evil = 0xFFFF_FFFF_8123_4560L;
        long retargeted = (lo & 0x0000_FFFF_FFFF_0000L) | (evil & 0xFFFF) | (((evil >>> 16) & 0xFFFF) << 48);
        PhysMem moved = corrupt(clean, gate, retargeted);
        assertEquals(evil, assertInstanceOf(DeliveryResult.Delivered.class, deliverOn(moved)).regs().rip());

        long csDesc = IdtRig.GDT + IdtRig.KCS;
        PhysMem notLong = corrupt(clean, csDesc, read(clean, csDesc) & ~(1L << 53));
        DeliveryResult.Fault gp = assertInstanceOf(DeliveryResult.Fault.class, deliverOn(notLong));
        assertEquals(Vectors.GP, gp.vector());
        assertEquals(IdtRig.KCS + 1, gp.errorCode());

        long istSlot = IdtRig.TSS + 0x24 + 8 * 4;
        long otherStackTop = IdtRig.IST_STACK_BASE + 7 * 0x1000L + 0x800;
        PhysMem restacked = corrupt(clean, istSlot, otherStackTop);
        DeliveryResult.Delivered moved2 = assertInstanceOf(DeliveryResult.Delivered.class, deliverOn(restacked));
        assertEquals(otherStackTop - 40, moved2.regs().rsp());
        assertEquals(regs.rip(), read(afterDelivery(restacked), otherStackTop - 40),
                "the frame was pushed at the new place");
    }

    /** Memory after delivering on {@code mem}. */
    PhysMem afterDelivery(PhysMem mem) {
        EptGuestPhysical gp = new EptGuestPhysical(mem, rig.ept.eptp(false), rig.caps);
        InterruptDelivery.deliver(regs, VECTOR, OptionalLong.empty(), EventKind.EXTERNAL, new PagedLinearMemory(PagingRegs.of(regs), gp));
        return gp.memory();
    }
}
