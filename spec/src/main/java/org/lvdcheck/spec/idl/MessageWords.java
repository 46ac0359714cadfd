package org.lvdcheck.spec.idl;

import java.util.List;

/**
 * The values one RPC marshals, by direction, after D4's default-direction propagation: what
 * the caller sends ({@code call}: every [in] or [in,out] value) and what the callee sends back
 * ({@code reply}: every [out] or [in,out] value), in the order the model's glue marshals them:
 * breadth first, so the return value and the arguments, then the fields of the projections
 * they hold or point to, then the fields below those. A pointer or function pointer crosses as
 * one word, a reference the receiving side resolves (alloc, bind); a projection reached again
 * below itself contributes its reference only. The glue puts one value per message word after
 * the header {@code regs[0]} (docs/IDL.md "Message words").
 */
public record MessageWords(List<Word> call, List<Word> reply) {
    public MessageWords {
        call = List.copyOf(call);
        reply = List.copyOf(reply);
    }

    /** One marshaled value: where it sits in the arguments (e.g. {@code skb->len}) and what it holds. */
    public record Word(String what, MemberKind kind) {
        @Override
        public String toString() {
            return what;
        }
    }

    /** The words sent towards the callee ({@code toCallee}) or back to the caller. */
    public List<Word> towards(boolean toCallee) {
        return toCallee ? call : reply;
    }
}
