# kernel.s -- the kernel side of the small specs' gate (kernel view only).
# call_thread calls the domain once: gate_call saves the kernel RSP in this CPU's state
# page, switches to the domain's stack and jumps to the shared trampoline page (gate.s);
# the trampoline VMFUNCs into the domain, calls the driver, VMFUNCs back and jumps to
# vmfunc_trampoline_out, which takes the kernel stack back from the state page. The caller's
# callee-saved registers (kernel values, from the thread's start) are saved on the kernel stack
# and cleared before the domain runs, and restored on the way back.
# side_thread (mini.lvd's second CPU) never enters the domain: it takes net out of cpu0's
# EPTP list, as the microkernel does first when it destroys a domain, so that cpu0's next
# VMFUNC into net fails (the spec's policy decides what the hypervisor does then).

.include "defs.s"

        .section .text.kthread, "ax"
        .globl call_thread
call_thread:                            # %rdi = the work block
        cmpq $0, WORK_calls_left(%rdi)
        je 1f
        call gate_call
1:
        xorl %edi, %edi
        call do_exit                    # primitive; does not return

        .globl side_thread
side_thread:                            # kernel work on another CPU: never enters a domain
        movq $NET_EPTP_CPU0, %rax       # a CPU-local step
        movq $0, (%rax)                 # net leaves cpu0's EPTP list (a global step)
        call do_exit

        .section .text.lvd_gate, "ax"
        .globl gate_call
gate_call:
        pushq %rbx                      # the caller's callee-saved registers
        pushq %rbp
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        pushfq
        cli
        movq %rsp, vmfunc_state_page + VMFUNC_kernel_esp
        movl vmfunc_state_page + VMFUNC_cpuid, %eax
        shlq $12, %rax                  # one stack page per CPU
        movq $NET_STACKS + NET_STACK_SIZE, %rsp
        addq %rax, %rsp                 # the top of this CPU's stack
        movl $0, %eax                   # VMFUNC leaf 0
        movl $NET_SLOT, %ecx
        xorl %ebx, %ebx                 # no kernel value reaches the driver
        xorl %ebp, %ebp
        xorl %r12d, %r12d
        xorl %r13d, %r13d
        xorl %r14d, %r14d
        xorl %r15d, %r15d
        jmp vmfunc_trampoline

        .globl vmfunc_trampoline_out
vmfunc_trampoline_out:                  # after the VMFUNC back to slot 0
        movq vmfunc_state_page + VMFUNC_kernel_esp, %rsp
        popfq
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbp
        popq %rbx
        xorl %eax, %eax
        ret

        .globl lvd_gate_error_return
lvd_gate_error_return:                  # the kill path: RSP = kernel_esp, interrupts off
        popfq
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbp
        popq %rbx
        movl $-EIO, %eax
        ret

        .globl vmfunc_dispatch
vmfunc_dispatch:                        # the kernel's copy: no call from a domain reaches it here
        ud2
