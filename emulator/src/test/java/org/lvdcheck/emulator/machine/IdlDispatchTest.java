package org.lvdcheck.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.asm.Mnemonic;
import org.lvdcheck.spec.asm.PlacedInstruction;

/**
 * The driver asks the kernel to run blk_mq_end_request, a kernel function its IDL
 * (idl/dummy-net.idl) does not import. As built no one checks rpc ids (LVD-AS-BUILT.md
 * §1.6) and the kernel runs it; hardened, the dispatcher takes its table from the IDL and
 * refuses (HARDENING.md G9).
 */
class IdlDispatchTest {
    /** Runs CPU 0 to the kernel dispatcher's call of __vmfunc_dispatch for the driver's callback, and rewrites the rpc id. */
    static MachineState atKernelDispatchWithRpc(Machine m, String rpc) {
        LinkedImage kernel = m.system().images().get("kernel");
        long lo = kernel.sectionStart(".text.vmfunc_dispatch");
        long hi = kernel.sectionEnd(".text.vmfunc_dispatch");
        long callSite = kernel.instructions().stream().filter(p -> p.address() >= lo && p.address() < hi)
                .filter(p -> p.insn().mnemonic() == Mnemonic.CALL).mapToLong(PlacedInstruction::address).findFirst().orElseThrow();
        long rpcId = kernel.symbol("RPC_ID_" + rpc).orElseThrow();
        MachineState s = m.initial();
        for (int i = 0; i < 10_000; i++) {
            if (s.cpu(0).regs().rip() == callSite) {
                long msg = s.cpu(0).regs().gpr(ArchRegs.RDI);
                long hpa = m.hostAddress(s, 0, msg);
                return s.withMem(s.mem().edit().write(hpa, 4, rpcId).freeze());
            }
            s = m.next(s, new Action.Execute(0)).state();
        }
        throw new AssertionError("never reached the kernel dispatcher");
    }

    static String dispatchDetail(Step st) {
        return st.events().stream().filter(e -> e instanceof Event.Primitive p && p.name().equals("__vmfunc_dispatch"))
                .map(e -> ((Event.Primitive) e).detail()).findFirst().orElseThrow();
    }

    @Test
    void asBuiltRunsAKernelFunctionTheIdlDoesNotDeclare() throws Exception {
        Machine m = EndToEndTest.machine("lvd-as-built", 1);
        Step st = m.next(atKernelDispatchWithRpc(m, "blk_mq_end_request"), new Action.Execute(0));
        assertTrue(dispatchDetail(st).endsWith("-> blk_mq_end_request"), dispatchDetail(st));
        assertEquals(m.system().images().get("kernel").symbol("blk_mq_end_request").orElseThrow(),
                st.state().cpu(0).regs().rip());
    }

    @Test
    void hardenedRefusesIt() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 1);
        Step st = m.next(atKernelDispatchWithRpc(m, "blk_mq_end_request"), new Action.Execute(0));
        assertTrue(dispatchDetail(st).contains("is not a kernel function net's IDL imports: refused"), dispatchDetail(st));
        long notCalled = m.system().images().get("kernel").symbol("blk_mq_end_request").orElseThrow();
        assertTrue(st.state().cpu(0).regs().rip() != notCalled);
    }

    @Test
    void hardenedStillRunsTheDeclaredCallback() throws Exception {
        Machine m = EndToEndTest.machine("lvd-hardened", 1);
        Step st = m.next(atKernelDispatchWithRpc(m, "consume_skb"), new Action.Execute(0));
        assertEquals(m.system().images().get("kernel").symbol("consume_skb").orElseThrow(), st.state().cpu(0).regs().rip());
    }
}
