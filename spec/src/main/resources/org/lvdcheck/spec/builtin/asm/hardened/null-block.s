# null-block.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
#
# Driver side of the null block driver (lcd-domains/test_mods/nullblk_gen in
# shape): the handler queue_rq, reached from the driver's __vmfunc_dispatch
# with %rdi = msg on the LVD stack.  Like null_blk with irqmode=none it
# completes the request at once: count it, then end it with
# blk_mq_end_request(rq, BLK_STS_OK), a callback into the kernel through
# vmfunc_wrapper (gate.s).  Linked into the driver's view only.

.include "asm-offsets.s"

        .section .text.null_blk, "ax"

# int queue_rq_callee(struct fipc_message *msg = %rdi)
# request: regs[1] = hctx, regs[2] = request, regs[3] = bytes
# reply:   regs[0] = 1 slot, regs[1] = BLK_STS_OK
        .p2align 4
        .globl queue_rq
queue_rq:
        pushq %rbx
        movq %rdi, %rbx
        incq null_blk_stats + NULLB_requests
        movq FIPC_regs3(%rbx), %rax
        addq %rax, null_blk_stats + NULLB_bytes
        subq $SIZEOF_FIPC_MESSAGE, %rsp # glue: blk_mq_end_request(rq, BLK_STS_OK)
        movq $0, FIPC_regs3(%rsp)
        movq $0, FIPC_regs4(%rsp)
        movq $0, FIPC_regs5(%rsp)
        movq $0, FIPC_regs6(%rsp)
        movl $RPC_ID_blk_mq_end_request, FIPC_rpc_id(%rsp)
        movl $VMFUNC_RPC_CALL, FIPC_vmfunc_id(%rsp)
        movq $2, FIPC_regs0(%rsp)
        movq FIPC_regs2(%rbx), %rax
        movq %rax, FIPC_regs1(%rsp)
        movq $BLK_STS_OK, FIPC_regs2(%rsp)
        movq %rsp, %rdi
        call vmfunc_wrapper
        addq $SIZEOF_FIPC_MESSAGE, %rsp
        movq $1, FIPC_regs0(%rbx)
        movq $BLK_STS_OK, FIPC_regs1(%rbx)
        xorl %eax, %eax
        popq %rbx
        ret

        .section .data.null_blk, "aw"
        .p2align 3
        .globl null_blk_stats
null_blk_stats:
        .quad 0
        .quad 0
