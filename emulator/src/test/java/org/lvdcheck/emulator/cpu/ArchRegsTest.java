package org.lvdcheck.emulator.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArchRegsTest {
    final ArchRegs base = ArchRegs.zero().withGpr(ArchRegs.RAX, 0x1122334455667788L);

    @Test
    void thirtyTwoBitWritesZeroExtend() {
        ArchRegs r = base.withGpr(ArchRegs.RAX, 32, false, 0xFFFF_FFFF_AABB_CCDDL);
        assertEquals(0x0000_0000_AABB_CCDDL, r.gpr(ArchRegs.RAX));
    }

    @Test
    void eightAndSixteenBitWritesMerge() {
        assertEquals(0x112233445566AABBL, base.withGpr(ArchRegs.RAX, 16, false, 0xAABB).gpr(ArchRegs.RAX));
        assertEquals(0x11223344556677AAL, base.withGpr(ArchRegs.RAX, 8, false, 0x1AA).gpr(ArchRegs.RAX));
        assertEquals(0x112233445566AA88L, base.withGpr(ArchRegs.RAX, 8, true, 0xAA).gpr(ArchRegs.RAX));
        assertEquals(0xFFFFFFFFFFFFFFFFL, base.withGpr(ArchRegs.RAX, 64, false, -1).gpr(ArchRegs.RAX));
    }

    @Test
    void narrowReadsZeroExtend() {
        assertEquals(0x88, base.gpr(ArchRegs.RAX, 8, false));
        assertEquals(0x77, base.gpr(ArchRegs.RAX, 8, true));
        assertEquals(0x7788, base.gpr(ArchRegs.RAX, 16, false));
        assertEquals(0x55667788L, base.gpr(ArchRegs.RAX, 32, false));
        assertEquals(0x1122334455667788L, base.gpr(ArchRegs.RAX, 64, false));
        assertThrows(IllegalArgumentException.class, () -> base.gpr(ArchRegs.RSP, 8, true));
        assertThrows(IllegalArgumentException.class, () -> base.gpr(ArchRegs.RAX, 4, false));
    }

    @Test
    void writersReturnNewValuesAndLeaveTheOriginal() {
        ArchRegs r = base.withRip(0x1000).withRsp(0x8000).withCr3(0x5000);
        assertEquals(0, base.rip());
        assertEquals(0, base.rsp());
        assertEquals(0x1000, r.rip());
        assertEquals(0x8000, r.gpr(ArchRegs.RSP));
        assertSame(base, base.withGpr(ArchRegs.RAX, 0x1122334455667788L), "no-op writes share");
        assertNotEquals(base, r);
        assertEquals(r, r.toBuilder().build());
        assertEquals(r.hashCode(), r.toBuilder().build().hashCode());
        assertEquals(r.contentHash(7), r.toBuilder().build().contentHash(7));
        assertNotEquals(r.contentHash(7), r.withBlockingByNmi(true).contentHash(7));
    }

    @Test
    void cplIsTheRplOfCs() {
        assertEquals(3, base.withCs(Segment.code64(0x33)).cpl());
        assertEquals(0, base.withCs(Segment.code64(0x10)).cpl());
    }

    @Test
    void segmentBasesAndInterruptibilityEncoding() {
        ArchRegs r = base.withGsBase(0xFFFF_8880_0000_0000L).withFsBase(0x7000);
        assertEquals(0xFFFF_8880_0000_0000L, r.gs().base());
        assertEquals(0x7000, r.seg(ArchRegs.FS).base());
        assertEquals(0b1011, r.withBlockingBySti(true).withBlockingByMovSs(true).withBlockingByNmi(true).interruptibility());
        assertEquals(Rflags.FIXED1, ArchRegs.zero().rflags());
    }

    @Test
    void descriptorDecoding() {
        // Linux __KERNEL_CS: 0x00af9b000000ffff (L=1, D=0, G=1, P=1, DPL 0, type 0xB).
        Segment cs = Segment.fromDescriptor(0x10, 0x00af9b000000ffffL);
        assertEquals(0xB, cs.type());
        assertEquals(0, cs.dpl());
        assertEquals(true, cs.present());
        assertEquals(true, cs.longMode());
        assertEquals(0xFFFFFFFFL, cs.limit());
        Segment ds = Segment.fromDescriptor(0x18, 0x00cf93000000ffffL);
        assertEquals(false, ds.longMode());
        assertEquals(3, ds.type());
    }
}
