package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/** What each RPC marshals per direction ({@link MessageWords}): the words DSAFE and DINTEG hold a message to. */
class MessageWordsTest {
    private static MessageWords of(String text, String rpc) throws InputError {
        return InterfaceModel.of(IdlParser.parse("t.idl", text)).messageWords().get(rpc);
    }

    private static List<String> names(List<MessageWords.Word> words) {
        return words.stream().map(MessageWords.Word::what).toList();
    }

    @Test
    void argumentsFirstThenTheFieldsOfWhatTheyPointTo() throws InputError {
        String idl = "module kernel { rpc_ptr int xmit(projection skb [alloc(callee)] *skb, projection dev *dev, u32 n) {"
                + " projection <struct sk_buff> skb { unsigned int len; u64 data; }"
                + " projection <struct net_device> dev { u64 state; } } }";
        MessageWords w = of(idl, "xmit");
        assertEquals(List.of("skb", "dev", "n", "skb->len", "skb->data", "dev->state"), names(w.call()));
        assertEquals(List.of("return"), names(w.reply()));
        assertEquals(MemberKind.POINTER, w.call().get(0).kind());
        assertEquals(MemberKind.SCALAR, w.call().get(3).kind());
    }

    @Test
    void aVoidReturnSendsNothingBackAndAnEmptyProjectionOnlyItsReference() throws InputError {
        MessageWords w = of("module kernel { rpc void consume(projection skb *skb) {"
                + " projection <struct sk_buff> skb { } } }", "consume");
        assertEquals(List.of("skb"), names(w.call()));
        assertEquals(List.of(), names(w.reply()));
    }

    @Test
    void outFieldsGoBackInOutFieldsBothWaysUnusedNeither() throws InputError {
        MessageWords w = of("module kernel { rpc int probe(projection d *d) {"
                + " projection <struct device> d { u64 [out] status; u64 [in, out] flags; u64 [unused] pad; u32 id; } } }",
                "probe");
        assertEquals(List.of("d", "d->flags", "d->id"), names(w.call()));
        assertEquals(List.of("return", "d->status", "d->flags"), names(w.reply()));
    }

    @Test
    void anInheritedOutDirectionCarriesTheWholeProjectionBack() throws InputError {
        // The return value defaults to [out]: every field of what it points to goes back, none forward.
        MessageWords w = of("module kernel { rpc projection r *get(u32 key) {"
                + " projection <struct ret> r { u64 a; u64 b; } } }", "get");
        assertEquals(List.of("key"), names(w.call()));
        assertEquals(List.of("return", "return->a", "return->b"), names(w.reply()));
    }

    @Test
    void aProjectionBelowItselfSendsOnlyItsReference() throws InputError {
        MessageWords w = of("module kernel { rpc void walk(projection node *head) {"
                + " projection <struct node> node { u32 value; projection node *next; } } }", "walk");
        assertEquals(List.of("head", "head->value", "head->next"), names(w.call()));
    }

    @Test
    void anEmbeddedProjectionsFieldsFollowWithADot() throws InputError {
        MessageWords w = of("module kernel { rpc void set(projection outer *o) {"
                + " projection <struct outer> outer { projection inner in; }"
                + " projection <struct inner> inner { u32 x; } } }", "set");
        assertEquals(List.of("o", "o->in.x"), names(w.call()));
    }

    @Test
    void nestedRpcPtrsAreKeyedByTheirScopedNameAndAFunctionPointerIsOneWord() throws InputError {
        String idl = "module kernel { rpc void reg(rpc_ptr cb fn) { rpc_ptr int cb(u64 cookie) {} } }";
        assertEquals(List.of("fn"), names(of(idl, "reg").call()));
        assertEquals(MemberKind.FUNCTION_POINTER, of(idl, "reg").call().get(0).kind());
        assertEquals(List.of("cookie"), names(of(idl, "reg.cb").call()));
        assertEquals(List.of("return"), names(of(idl, "reg.cb").reply()));
    }

    @Test
    void theBuiltInDriversMarshalWhatTheirGlueSends() throws Exception {
        InterfaceModel net = InterfaceModel.of(IdlParser.parse("dummy-net.idl", BuiltinIdlTest.builtin("dummy-net.idl")));
        // net_xmit_thread: regs[1] = skb, regs[2] = dev, regs[3] = skb->len (netdev->state is sent as 0).
        assertEquals(List.of("skb", "netdev", "skb->len", "netdev->state"),
                names(net.messageWords().get("ndo_start_xmit").call()));
        assertEquals(List.of("return"), names(net.messageWords().get("ndo_start_xmit").reply()));
        assertEquals(List.of("skb"), names(net.messageWords().get("consume_skb").call()));
        InterfaceModel blk = InterfaceModel.of(IdlParser.parse("null-block.idl", BuiltinIdlTest.builtin("null-block.idl")));
        // blk_request_thread: regs[1] = hctx, regs[2] = request, regs[3] = bytes.
        assertEquals(List.of("hctx", "rq", "bytes", "hctx->queue_num", "rq->sector"),
                names(blk.messageWords().get("queue_rq").call()));
        assertEquals(List.of("rq", "error"), names(blk.messageWords().get("blk_mq_end_request").call()));
    }
}
