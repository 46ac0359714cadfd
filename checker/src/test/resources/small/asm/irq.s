# irq.s -- irq.lvd's kernel thread and timer handler (kernel view only).
# irq_thread computes on its own stack (stores, loads and arithmetic over the words at RSP:
# interrupt-transparent instructions) and then goes on as call_thread (kernel.s).
# tiny_timer runs on IST 1, saves RAX, reads the interrupted RSP from the frame the processor
# pushed (as the entry code's PT_RSP read does), computes on it, restores RAX and returns.

.include "defs.s"

        .section .text.kthread, "ax"
        .globl irq_thread
irq_thread:                             # %rdi = the work block
        subq $16, %rsp
        movq $1, (%rsp)
        movq $2, 8(%rsp)
        movq (%rsp), %rax
        addq 8(%rsp), %rax
        movq %rax, (%rsp)
        addq $16, %rsp
        jmp call_thread                 # then as tiny's thread: the call, and do_exit

        .globl tiny_timer
tiny_timer:
        pushq %rax
        movq 32(%rsp), %rax             # the frame's RSP, above the saved RAX
        addq $1, %rax
        popq %rax
        iretq
