# dummy-net.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
#
# Driver side of the dummy network driver (lcd-domains/test_mods/nullnet_gen
# in shape): the handler ndo_start_xmit, reached from the driver's
# __vmfunc_dispatch (handle_rpc_calls) with %rdi = msg on the LVD stack.
# It does what nullnet's start_xmit does -- count the packet and its bytes in
# the device statistics, free the skb -- where freeing is the consume_skb
# callback into the kernel through vmfunc_wrapper (gate.s).
# Linked into the driver's view only.

.include "asm-offsets.s"

        .section .text.dummy_net, "ax"

# int ndo_start_xmit_callee(struct fipc_message *msg = %rdi)
# request: regs[1] = skb, regs[2] = dev, regs[3] = skb->len
# reply:   regs[0] = 1 slot, regs[1] = NETDEV_TX_OK
        .p2align 4
        .globl ndo_start_xmit
ndo_start_xmit:
        pushq %rbx
        movq %rdi, %rbx                 # the request/reply message
        incq dummy_net_stats + DNET_tx_packets      # dev->stats.tx_packets++
        movq FIPC_regs3(%rbx), %rax
        addq %rax, dummy_net_stats + DNET_tx_bytes  # dev->stats.tx_bytes += skb->len
        subq $SIZEOF_FIPC_MESSAGE, %rsp # glue: consume_skb(skb)
        movq $0, FIPC_regs2(%rsp)
        movq $0, FIPC_regs3(%rsp)
        movq $0, FIPC_regs4(%rsp)
        movq $0, FIPC_regs5(%rsp)
        movq $0, FIPC_regs6(%rsp)
        movl $RPC_ID_consume_skb, FIPC_rpc_id(%rsp)
        movl $VMFUNC_RPC_CALL, FIPC_vmfunc_id(%rsp)
        movq $1, FIPC_regs0(%rsp)
        movq FIPC_regs1(%rbx), %rax
        movq %rax, FIPC_regs1(%rsp)
        movq %rsp, %rdi
        call vmfunc_wrapper             # LVD -> kernel through the springboard
        addq $SIZEOF_FIPC_MESSAGE, %rsp
        movq $1, FIPC_regs0(%rbx)
        movq $NETDEV_TX_OK, FIPC_regs1(%rbx)
        xorl %eax, %eax
        popq %rbx
        ret                             # back into vmfunc_dispatch

        .section .data.dummy_net, "aw"
        .p2align 3
        .globl dummy_net_stats
dummy_net_stats:                        # struct net_device_stats (two words)
        .quad 0
        .quad 0
