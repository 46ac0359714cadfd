package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lvdcheck.checker.explore.Status;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * DSAFE and DINTEG over the message a domain receives ({@link MessageChecks}): tiny.lvd with an
 * IDL ({@code small/idl/xmit.idl}: xmit takes an object's reference and its {@code len}, two
 * words) and a gate that puts a message in the registers before it enters the domain. In each case
 * one property breaks or neither does; a property that holds does so after a complete search.
 */
class MessageChecksTest {
    /** The kernel's gate_call: word 0 names rpc 1 (xmit) as a VMFUNC_RPC_CALL, two words follow. */
    private static final String MESSAGE = """
            movabsq $0x300000001, %rdi      # word 0: rpc_id 1 (xmit), vmfunc_id VMFUNC_RPC_CALL
            movq $2, %rsi                   # regs[0]: two words
            movq $0x1000, %rdx              # regs[1]: obj, a reference
            movq $64, %r8                   # regs[2]: obj->len
    """;

    private static SpecLoader.Loaded tinyWithMessage(String message) throws InputError {
        String spec = SmallSpecs.oneLineDiff(SmallSpecs.text("tiny.lvd"), "domain net slot=1 ept-ad=no ept-pool=lxd.ept",
                "domain net slot=1 ept-ad=no ept-pool=lxd.ept idl=idl/xmit.idl");
        String kernel = SmallSpecs.oneLineDiff(SmallSpecs.text("asm/kernel.s"),
                "        movl $0, %eax                   # VMFUNC leaf 0",
                message.stripTrailing() + "\n        movl $0, %eax\n.equ RPC_ID_xmit, 1");
        return SmallSpecs.loadWithFiles("tiny.lvd", Map.of("tiny.lvd", spec, "asm/kernel.s", kernel));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // the declared words hold a reference and a length: nothing of the kernel's crosses
        "a message of declared words | | | HOLDS | HOLDS | ",
        // regs[3] is not a word of xmit's call: a kernel code address there is DSAFE
        "a kernel value in an undeclared word | movq $64, %r8 | movq $64, %r8\\n movq $call_thread, %r9 | VIOLATED | HOLDS"
                + " | regs[3] (r9) = 0xffffffff81002000 (the kernel's .text.kthread)",
        // regs[1] is obj's reference: a kernel pointer there is DINTEG
        "a kernel pointer for the reference | movq $0x1000, %rdx | movq $call_thread, %rdx | HOLDS | VIOLATED"
                + " | regs[1] (rdx, obj) = 0xffffffff81002000 (the kernel's .text.kthread)",
        // word 0 names no RPC of the IDL: no word is declared, so the same value in regs[1] is DSAFE
        "an undeclared RPC | movq $0x1000, %rdx | movq $call_thread, %rdx\\n movabsq $0x300000002, %rdi | VIOLATED | HOLDS"
                + " | regs[1] (rdx) = 0xffffffff81002000 (the kernel's .text.kthread)",
        // a header is declared: a kernel code address in regs[0] is DINTEG
        "a kernel pointer in a header | movq $2, %rsi | movq $call_thread, %rsi | HOLDS | VIOLATED | regs[0] (rsi) = 0xffffffff81002000 (the kernel's .text.kthread)"})
    void theMessageCarriesOnlyWhatTheInterfaceDeclares(String name, String from, String to, Status dsafe,
                                                       Status dinteg, String evidence) throws InputError {
        String message = from == null ? MESSAGE : SmallSpecs.oneLineDiff(MESSAGE, from, to.replace("\\n", "\n"));
        Map<String, Status> expected = Map.of("DSAFE", dsafe, "DINTEG", dinteg);
        for (String p : List.of("DSAFE", "DINTEG")) {
            // One property per run: a violation cuts the search, and the other would hold only up to the cut.
            SmallSpecs.Explored e = SmallSpecs.explore(tinyWithMessage(message), true, false, 1, List.of(p));
            assertTrue(expected.get(p) != Status.HOLDS || e.result().complete(), name);
            assertEquals(expected.get(p), e.result().verdict(p).status(), name + ": " + p);
            e.result().counterexample(p).ifPresent(c -> {
                Violation v = c.violation();
                assertTrue(v.evidence().startsWith("cpu0 enters net's driver code at 0xffffffffa0000000 with "), v.evidence());
                assertTrue(v.evidence().contains(evidence), v.evidence());
            });
        }
    }
}
