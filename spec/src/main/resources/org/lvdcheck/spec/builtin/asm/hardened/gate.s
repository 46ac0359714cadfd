# gate.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
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
        cmpl $lcd_ept_id, lvd_landing_ticket # and sent by the kernel, on this CPU? # hardened: G29-landing-ticket
        jne vmfunc_trampoline_abort     # hardened: G29-landing-ticket
        btl $X86_EFLAGS_IF_BIT, %ebx    # the kernel caller's IF (gate-kernel.s); RBX holds nothing else # hardened: G28-kernel-view-if
        jnc 1f                          # hardened: G28-kernel-view-if
        sti                             # in the domain's view, not the kernel's # hardened: G28-kernel-view-if
1:      call vmfunc_dispatch            # the LVD's dispatcher (this view's copy) # hardened: G28-kernel-view-if
        cli                             # no VMFUNC into the kernel with IF set # hardened: G28-kernel-view-if
        movl $0, %eax                   # return path: leaf 0, slot 0
        movl $0, %ecx
        vmfunc                          # back to the kernel EPT
        cmpl $0, %ecx
        jne vmfunc_trampoline_abort
        jmp vmfunc_trampoline_out
        .globl vmfunc_trampoline_abort
vmfunc_trampoline_abort:
        # abort: a hypercall the hardened hypervisor never returns from # hardened: G8-abort
        movl $LVD_GATE_ABORT, %eax      # hardened: G8-abort
        cpuid                           # hardened: G8-abort
        ud2                             # unreachable # hardened: G8-abort

# vmfunc_call_empty_switch removed from the shared page # hardened: G15-empty-switch

# vmfunc_irq_return: the interrupt exit's VMFUNC back into the interrupted     # hardened: G24-irq-return-landing
# domain (VMFUNC_TO_LCD of entry.s, moved to the gate page each view links    # hardened: G24-irq-return-landing
# itself).  After the VMFUNC the next fetch is from the target view's copy,   # hardened: G24-irq-return-landing
# whose first instruction compares ECX with that view's own slot, an         # hardened: G24-irq-return-landing
# immediate (-1 in the kernel's copy): a VMFUNC a domain executes here lands  # hardened: G24-irq-return-landing
# on that check, never on a compare with a register the domain chose.         # hardened: G24-irq-return-landing
# Entered from restore_vmfunc_regs_and_iret (entry.s) with EAX = 0, ECX = the # hardened: G24-irq-return-landing
# slot, RSP = the pt_regs on this CPU's IST 5 stack; restores them and IRETs. # hardened: G24-irq-return-landing
        .p2align 4                      # hardened: G24-irq-return-landing
        .globl vmfunc_irq_return        # hardened: G24-irq-return-landing
vmfunc_irq_return:                      # hardened: G24-irq-return-landing
        vmfunc                          # to the slot in ECX # hardened: G24-irq-return-landing
        cmpl $lcd_ept_id, %ecx          # this view's own slot # hardened: G24-irq-return-landing
        jne vmfunc_trampoline_abort     # hardened: G24-irq-return-landing
        cmpl $lcd_ept_id, lvd_landing_ticket # the thread's own domain, sent by the kernel # hardened: G29-landing-ticket
        jne vmfunc_trampoline_abort     # hardened: G29-landing-ticket
        movq PT_R15(%rsp), %r15         # RESTORE_EXTRA_REGS # hardened: G24-irq-return-landing
        movq PT_R14(%rsp), %r14         # hardened: G24-irq-return-landing
        movq PT_R13(%rsp), %r13         # hardened: G24-irq-return-landing
        movq PT_R12(%rsp), %r12         # hardened: G24-irq-return-landing
        movq PT_RBP(%rsp), %rbp         # hardened: G24-irq-return-landing
        movq PT_RBX(%rsp), %rbx         # hardened: G24-irq-return-landing
        movq PT_R11(%rsp), %r11         # RESTORE_C_REGS # hardened: G24-irq-return-landing
        movq PT_R10(%rsp), %r10         # hardened: G24-irq-return-landing
        movq PT_R9(%rsp), %r9           # hardened: G24-irq-return-landing
        movq PT_R8(%rsp), %r8           # hardened: G24-irq-return-landing
        movq PT_RAX(%rsp), %rax         # hardened: G24-irq-return-landing
        movq PT_RCX(%rsp), %rcx         # hardened: G24-irq-return-landing
        movq PT_RDX(%rsp), %rdx         # hardened: G24-irq-return-landing
        movq PT_RSI(%rsp), %rsi         # hardened: G24-irq-return-landing
        movq PT_RDI(%rsp), %rdi         # hardened: G24-irq-return-landing
        subq $-(PT_GPREGS_SIZE+8), %rsp # REMOVE_PT_GPREGS_FROM_STACK 8 # hardened: G24-irq-return-landing
        iretq                           # hardened: G24-irq-return-landing

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
        cli                             # no VMFUNC into the kernel with IF set # hardened: G28-kernel-view-if
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
        cmpl $lcd_ept_id, lvd_landing_ticket # hardened: G29-landing-ticket
        jne vmfunc_springboard_abort    # hardened: G29-landing-ticket
        btl $X86_EFLAGS_IF_BIT, %ebx    # the kernel's IF for this crossing # hardened: G28-kernel-view-if
        jnc 2f                          # hardened: G28-kernel-view-if
        sti                             # in the domain's view # hardened: G28-kernel-view-if
2:      popq %r13                       # msg pointer saved by the entry # hardened: G28-kernel-view-if
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
        movl $LVD_GATE_ABORT, %eax      # hardened: G8-abort
        cpuid                           # hardened: G8-abort
        ud2                             # unreachable # hardened: G8-abort

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
