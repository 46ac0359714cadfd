# kthread.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
#
# The workload's kernel side (not LVD code; shaped like the KSplit glue of
# lcd-domains/test_mods/nullnet_gen and nullblk_gen, docs/GATE-PROVENANCE.md):
#   net_xmit_thread, blk_request_thread   kernel threads calling into a driver
#   consume_skb, blk_mq_end_request       kernel-side RPC handlers the drivers
#                                         call back (small asm, reached from the
#                                         kernel's __vmfunc_dispatch primitive)
# A thread is started as kthread_run(fn, data): %rdi = its work block
# (WORK_* in asm-offsets.s), filled by the spec; WORK_slot is the EPTP-list
# slot of the domain the thread calls (its spec line's domain=).

.include "asm-offsets.s"

        .section .text.kthread, "ax"

# Zero a fipc_message at %rsp and set its word 0 (struct fipc_message buffer = {0};
# then glue_call_client: rpc_id, vmfunc_id = VMFUNC_RPC_CALL).
.macro FIPC_INIT_ON_STACK rpc_id
        movq $0, FIPC_regs0(%rsp)
        movq $0, FIPC_regs1(%rsp)
        movq $0, FIPC_regs2(%rsp)
        movq $0, FIPC_regs3(%rsp)
        movq $0, FIPC_regs4(%rsp)
        movq $0, FIPC_regs5(%rsp)
        movq $0, FIPC_regs6(%rsp)
        movl $\rpc_id, FIPC_rpc_id(%rsp)
        movl $VMFUNC_RPC_CALL, FIPC_vmfunc_id(%rsp)
.endm

# ---------------------------------------------------------------------------
# int net_xmit_thread(struct work *w = %rdi)
# Calls ndo_start_xmit(skb, dev) in the net domain (slot WORK_slot)
# WORK_calls_left times: regs[0] = 3 slots, regs[1] = skb, regs[2] = dev,
# regs[3] = skb->len.
# ---------------------------------------------------------------------------
        .p2align 4
        .globl net_xmit_thread
net_xmit_thread:
        pushq %rbx
        movq %rdi, %rbx                 # work block
        subq $SIZEOF_FIPC_MESSAGE, %rsp # the message lives on the thread's stack
.Lnet_xmit_loop:
        cmpq $0, WORK_calls_left(%rbx)
        je .Lnet_xmit_done
        FIPC_INIT_ON_STACK RPC_ID_ndo_start_xmit
        movq $3, FIPC_regs0(%rsp)
        movq WORK_arg_obj(%rbx), %rax
        movq %rax, FIPC_regs1(%rsp)
        movq WORK_arg_dev(%rbx), %rax
        movq %rax, FIPC_regs2(%rsp)
        movq WORK_arg_len(%rbx), %rax
        movq %rax, FIPC_regs3(%rsp)
        movq %rsp, %rdi
        movl WORK_slot(%rbx), %esi      # the domain's EPTP-list slot
        call vmfunc_klcd_wrapper        # reply (netdev_tx_t) in regs[1]
        decq WORK_calls_left(%rbx)
        jmp .Lnet_xmit_loop
.Lnet_xmit_done:
        addq $SIZEOF_FIPC_MESSAGE, %rsp
        popq %rbx
        xorl %edi, %edi
        call do_exit                    # primitive; does not return

# ---------------------------------------------------------------------------
# int blk_request_thread(struct work *w = %rdi)
# Calls queue_rq(hctx, bd) in the block domain (slot WORK_slot) WORK_calls_left
# times: regs[0] = 3 slots, regs[1] = hctx, regs[2] = request, regs[3] = bytes.
# ---------------------------------------------------------------------------
        .p2align 4
        .globl blk_request_thread
blk_request_thread:
        pushq %rbx
        movq %rdi, %rbx
        subq $SIZEOF_FIPC_MESSAGE, %rsp
.Lblk_request_loop:
        cmpq $0, WORK_calls_left(%rbx)
        je .Lblk_request_done
        FIPC_INIT_ON_STACK RPC_ID_queue_rq
        movq $3, FIPC_regs0(%rsp)
        movq WORK_arg_dev(%rbx), %rax
        movq %rax, FIPC_regs1(%rsp)
        movq WORK_arg_obj(%rbx), %rax
        movq %rax, FIPC_regs2(%rsp)
        movq WORK_arg_len(%rbx), %rax
        movq %rax, FIPC_regs3(%rsp)
        movq %rsp, %rdi
        movl WORK_slot(%rbx), %esi      # the domain's EPTP-list slot
        call vmfunc_klcd_wrapper        # reply (blk_status_t) in regs[1]
        decq WORK_calls_left(%rbx)
        jmp .Lblk_request_loop
.Lblk_request_done:
        addq $SIZEOF_FIPC_MESSAGE, %rsp
        popq %rbx
        xorl %edi, %edi
        call do_exit

# ---------------------------------------------------------------------------
# Kernel-side RPC handlers (consume_skb_callee / blk_mq_end_request_callee of
# the glue).  Reached by a tail call from the kernel's __vmfunc_dispatch with
# %rdi = msg (on the kernel stack, built by vmfunc_dispatch from the driver's
# registers: every word is attacker data).  They use the values as data only.
# ---------------------------------------------------------------------------
        .p2align 4
        .globl consume_skb
consume_skb:                            # regs[1] = skb handle
        incq net_skbs_consumed          # kernel's own bookkeeping
        movq $0, FIPC_regs0(%rdi)       # void: no reply slots
        xorl %eax, %eax
        ret

        .p2align 4
        .globl blk_mq_end_request
blk_mq_end_request:                     # regs[1] = request handle, regs[2] = status
        incq blk_requests_ended
        movq $0, FIPC_regs0(%rdi)
        xorl %eax, %eax
        ret

        .section .data.kthread, "aw"
        .p2align 3
        .globl net_skbs_consumed
net_skbs_consumed:
        .quad 0
        .globl blk_requests_ended
blk_requests_ended:
        .quad 0
