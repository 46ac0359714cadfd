package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.asm.ImmOp;
import org.lvdcheck.spec.asm.Instruction;
import org.lvdcheck.spec.asm.MemOp;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.Operand;
import org.lvdcheck.spec.asm.Reg;
import org.lvdcheck.spec.asm.RegOp;
import org.lvdcheck.spec.lvd.SpecLoader;

/** Which registers an instruction reads and writes whole, and which a view's code may still read. */
class RegisterLivenessTest {
    private static final int RAX = 1;
    private static final int RCX = 1 << 1;
    private static final int RDX = 1 << 2;
    private static final int RBX = 1 << 3;
    private static final int RSP = 1 << 4;

    private static int[] ud(Mnemonic m, int size, Operand... ops) {
        return RegisterLiveness.useDef(new Instruction(m, null, size, List.of(ops), false, null));
    }

    @Test
    void aWholeWriteDefinesAPartialOneReads() {
        assertEquals(List.of(0, RAX), List.of(ud(Mnemonic.MOV, 4, new ImmOp(5), new RegOp(Reg.EAX))[0],
                ud(Mnemonic.MOV, 4, new ImmOp(5), new RegOp(Reg.EAX))[1]), "movl $5, %eax zero-extends: a whole write");
        int[] al = ud(Mnemonic.MOV, 1, new ImmOp(5), new RegOp(Reg.AL));
        assertEquals(RAX, al[0], "movb keeps bits 63:8: a use");
        assertEquals(0, al[1]);
        int[] lea = ud(Mnemonic.LEA, 8, new MemOp(null, 8, Reg.RBX, Reg.RCX, 4, false, 8), new RegOp(Reg.RDX));
        assertEquals(RBX | RCX, lea[0]);
        assertEquals(RDX, lea[1]);
        int[] store = ud(Mnemonic.MOV, 8, new RegOp(Reg.RAX), new MemOp(null, 0, Reg.RDX, null, 1, false, 8));
        assertEquals(RAX | RDX, store[0], "a store reads its value and its address");
        assertEquals(0, store[1]);
        int[] add = ud(Mnemonic.ADD, 8, new RegOp(Reg.RCX), new RegOp(Reg.RAX));
        assertEquals(RAX | RCX, add[0], "read-modify-write");
        assertEquals(0, add[1]);
        int[] cpuid = ud(Mnemonic.CPUID, 0);
        assertEquals(RAX | RCX, cpuid[0]);
        assertEquals(RBX | RDX, cpuid[1]);
        int[] push = ud(Mnemonic.PUSH, 8, new RegOp(Reg.RBX));
        assertEquals(RBX | RSP, push[0]);
        int[] pop = ud(Mnemonic.POP, 8, new RegOp(Reg.RBX));
        assertEquals(RSP, pop[0]);
        assertEquals(RBX, pop[1]);
    }

    @Test
    void inTheTinyKernelRaxIsDeadBeforeTheKillPathLoadsItAndEveryRegisterIsLiveAtARet() throws Exception {
        var sys = Replay.system(SpecLoader.load("src/test/resources/small/tiny.lvd"), true).machine().system();
        var kernel = sys.images().get("kernel");
        RegisterLiveness l = RegisterLiveness.of(kernel);
        long popf = kernel.symbol("lvd_gate_error_return").orElseThrow();
        int live = l.liveAt(popf);
        assertEquals(0, live & RAX, "popfq; movl $-EIO, %eax: RAX is written whole before any read");
        assertEquals(RCX | RDX | RSP, live & (RCX | RDX | RSP), "the ret after it hands every other register on");
        var insns = kernel.instructions();
        long ret = insns.stream().filter(i -> i.address() > popf && i.insn().mnemonic() == Mnemonic.RET).findFirst()
                .orElseThrow().address();
        assertEquals(RegisterLiveness.ALL, l.liveAt(ret));
        assertEquals(RegisterLiveness.ALL, l.liveAt(0x1234), "not an instruction of the image");
        assertTrue(l.covers(popf));
        assertTrue(!l.covers(0x1234));
    }
}
