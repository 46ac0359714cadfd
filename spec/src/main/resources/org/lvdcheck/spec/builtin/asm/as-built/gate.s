# gate.s -- lvd-as-built
#
# The code of lcd-domains/common/vmfunc_calls.c that both sides share.  This
# file is linked twice: into the kernel view and into the driver's view.  The
# two sections .vmfunc.trampoline.text and .vmfunc.springboard.text are the
# shared gate pages: each view has its own copy at the same GVA, and after a
# VMFUNC the next instruction is fetched from the other view's copy.
# Cross-references stay symbolic so that each link resolves them in its view:
#   vmfunc_dispatch           -> that view's dispatcher (below)
#   vmfunc_trampoline_out     -> kernel: gate-kernel.s; driver view: the
#                                abort label (the .weak fallback of the source)
#   vmfunc_kernel_springboard -> kernel: gate-kernel.s; driver view: the
#                                springboard abort label (same reason)
#   lcd_ept_id                -> the view's EPTP-list slot (lcd_arch->ept_id,
#                                1 as built): each domain's copy checks that
#                                ECX names it; -1 in the kernel's copy
# Provenance and every simplification: docs/GATE-PROVENANCE.md.

.include "asm-offsets.s"

# ===========================================================================
# Shared trampoline page (kernel -> LVD).  vmfunc_calls.c, asm block
# "vmfunc_trampoline".  Entered from vmfunc_trampoline_entry with EAX=0,
# ECX = the domain's slot, RSP = current->lcd_stack and REG0..REG7 holding the
# message.
# ===========================================================================
        .section .vmfunc.trampoline.text, "ax"
        .p2align 4
        .globl vmfunc_trampoline
vmfunc_trampoline:
        vmfunc                          # EPTP switch to the domain's slot (ECX)
        cmpl $lcd_ept_id, %ecx          # arrived through the expected switch?
        jne vmfunc_trampoline_abort
        call vmfunc_dispatch            # the LVD's dispatcher (this view's copy)
        movl $0, %eax                   # return path: leaf 0, slot 0
        movl $0, %ecx
        vmfunc                          # back to the kernel EPT
        cmpl $0, %ecx
        jne vmfunc_trampoline_abort
        jmp vmfunc_trampoline_out
        .globl vmfunc_trampoline_abort
vmfunc_trampoline_abort:
        # abort: CPUID 0xabcd is not a hypercall leaf of lvd-bflank; CPUID
        # executes natively and execution falls through to whatever follows.
        movl $CPUID_GATE_ABORT_MARKER, %eax
        cpuid

# vmfunc_calls.c, vmfunc_call_empty_switch (microbenchmark helper compiled
# into the trampoline page with __vmfunc_trampoline): a second VMFUNC pair
# on the shared page.
        .p2align 4
        .globl vmfunc_call_empty_switch
vmfunc_call_empty_switch:
        movl $0, %eax
        movl $1, %ecx
        vmfunc                          # to slot 1
        xorl %ecx, %ecx
        vmfunc                          # back to slot 0
        ret

# ===========================================================================
# Shared springboard page (LVD -> kernel).  vmfunc_calls.c, asm blocks
# "vmfunc_springboard_entry" and "vmfunc_springboard_return".
# ===========================================================================
        .section .vmfunc.springboard.text, "ax"
        .p2align 4
        .globl vmfunc_springboard_entry
vmfunc_springboard_entry:               # (struct fipc_message *msg = %rdi)
        pushq %rbp                      # callee-saved registers on the LVD stack
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        pushq %rdi                      # msg, for the reply
        movq %rdi, %rax
        movq 0(%rax), %rdi              # REG0 = word 0 (rpc_id, vmfunc_id)
        movq 8(%rax), %rsi              # REG1 = regs[0]
        movq 16(%rax), %rdx             # REG2
        movq 24(%rax), %r8              # REG3
        movq 32(%rax), %r9              # REG4
        movq 40(%rax), %r10             # REG5
        movq 48(%rax), %r11             # REG6
        movq 56(%rax), %r12             # REG7
        xorq %rax, %rax                 # leaf 0
        movl $0, %ecx                   # slot 0: always the kernel
        vmfunc
        cmpl $0, %ecx
        jne vmfunc_springboard_abort
        jmp vmfunc_kernel_springboard

        .p2align 4
        .globl vmfunc_springboard_return
vmfunc_springboard_return:              # from vmfunc_kernel_springboard: RAX=0, RCX=slot
        vmfunc                          # back into the LVD
        cmpl $lcd_ept_id, %ecx
        jne vmfunc_springboard_abort
        popq %r13                       # msg pointer saved by the entry
        movq %rdi, 0(%r13)              # reply REG0..REG7 -> msg
        movq %rsi, 8(%r13)
        movq %rdx, 16(%r13)
        movq %r8, 24(%r13)
        movq %r9, 32(%r13)
        movq %r10, 40(%r13)
        movq %r11, 48(%r13)
        movq %r12, 56(%r13)
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret                             # into the LVD's vmfunc_wrapper
        .globl vmfunc_springboard_abort
vmfunc_springboard_abort:
        movl $CPUID_GATE_ABORT_MARKER, %eax
        cpuid                           # native CPUID; execution continues

# ===========================================================================
# vmfunc_dispatch (vmfunc_calls.c): REG0..REG7 -> fipc_message on the current
# stack, call __vmfunc_dispatch(msg), reply back into REG0..REG7.
# In the real build the symbol lives in .text; a section of its own here.
# ===========================================================================
        .section .text.vmfunc_dispatch, "ax"
        .p2align 4
        .globl vmfunc_dispatch
vmfunc_dispatch:
        pushq %r12                      # regs[6]  (highest address)
        pushq %r11
        pushq %r10
        pushq %r9
        pushq %r8
        pushq %rdx
        pushq %rsi                      # regs[0]
        pushq %rdi                      # word 0   (lowest address = msg)
        movq %rsp, %rdi
        call __vmfunc_dispatch          # primitive: klcd_handler / handle_rpc_calls
        popq %rdi
        popq %rsi
        popq %rdx
        popq %r8
        popq %r9
        popq %r10
        popq %r11
        popq %r12
        ret

# ===========================================================================
# vmfunc_wrapper (vmfunc_calls.c, section .vmfuncwrapper.text): the LVD's
# entry into the springboard.  module_create_lvd.c re-applies this section's
# relocation so that the call reaches the springboard page's GVA.
# int vmfunc_wrapper(struct fipc_message *request)
# ===========================================================================
        .section .vmfuncwrapper.text, "ax"
        .p2align 4
        .globl vmfunc_wrapper
vmfunc_wrapper:
        call vmfunc_springboard_entry
        xorl %eax, %eax                 # return 0
        ret
