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

    @Test
    void taintedRegistersHoldTheCanonicalZeroSoEveryTopStateCoincides() {
        ArchRegs a = base.withGpr(ArchRegs.RBX, 5).withFsBase(0x7000).withPkru(3).withXstate(ArchRegs.XSTATE_SSE, 9)
                .withRflags(Rflags.FIXED1 | Rflags.IF | Rflags.DF | Rflags.CF | Rflags.ZF);
        long mask = ArchRegs.tGpr(ArchRegs.RBX) | ArchRegs.T_FS_BASE | ArchRegs.T_PKRU | ArchRegs.T_SSE | ArchRegs.T_FLAGS;
        ArchRegs t = a.withTaint(mask, true);
        assertEquals(0, t.gpr(ArchRegs.RBX));
        assertEquals(0, t.fsBase());
        assertEquals(0, t.pkru());
        assertEquals(0, t.xstate(ArchRegs.XSTATE_SSE));
        assertEquals(Rflags.FIXED1 | Rflags.IF | Rflags.DF, t.rflags(), "control flags stay concrete, status flags are ⊤");
        assertEquals(0x1122334455667788L, t.gpr(ArchRegs.RAX), "untainted registers keep their values");
        ArchRegs other = base.withGpr(ArchRegs.RBX, 77).withFsBase(0x1234).withPkru(1).withXstate(ArchRegs.XSTATE_SSE, 2)
                .withRflags(Rflags.FIXED1 | Rflags.IF | Rflags.DF | Rflags.OF).withTaint(mask, true);
        assertEquals(t, other, "two ⊤ register files with the same concrete rest are one state");
        assertEquals(t.contentHash(3), other.contentHash(3));
        assertNotEquals(a.withGpr(ArchRegs.RBX, 0), a.withGpr(ArchRegs.RBX, 0).withTaint(ArchRegs.tGpr(ArchRegs.RBX), true),
                "the mask is part of equality");
        assertNotEquals(a.withGpr(ArchRegs.RBX, 0).contentHash(3),
                a.withGpr(ArchRegs.RBX, 0).withTaint(ArchRegs.tGpr(ArchRegs.RBX), true).contentHash(3), "and of the hash");
        assertEquals(mask, t.toBuilder().build().taintMask(), "a builder copy keeps the mask");
    }

    @Test
    void concreteWritesClearTaintButPartialWritesIntoTopStayTop() {
        ArchRegs t = base.withTaint(ArchRegs.tGpr(ArchRegs.RCX) | ArchRegs.T_GS_BASE | ArchRegs.T_RIP, true);
        assertEquals(true, t.gprTainted(ArchRegs.RCX));
        assertEquals(false, t.withGpr(ArchRegs.RCX, 32, false, 1).gprTainted(ArchRegs.RCX), "a 32-bit write is whole");
        assertEquals(1, t.withGpr(ArchRegs.RCX, 32, false, 1).gpr(ArchRegs.RCX));
        assertEquals(false, t.withGpr(ArchRegs.RCX, 0).gprTainted(ArchRegs.RCX), "writing 0 concretely clears it too");
        assertSame(t, t.withGpr(ArchRegs.RCX, 8, false, 0x55), "8-bit writes of clean data keep ⊤");
        assertSame(t, t.withGpr(ArchRegs.RCX, 16, false, 0x55), "16-bit writes keep ⊤");
        assertEquals(false, t.withGsBase(0x10).tainted(ArchRegs.T_GS_BASE));
        assertEquals(false, t.withRip(0x10).tainted(ArchRegs.T_RIP));
        assertEquals(true, t.withRflags(Rflags.FIXED1).withCr3(0x9000).tainted(ArchRegs.T_GS_BASE | ArchRegs.T_RIP),
                "unrelated writes keep the mask");
        assertEquals(0, t.withTaint(ArchRegs.T_ALL, false).taintMask());
    }
}
