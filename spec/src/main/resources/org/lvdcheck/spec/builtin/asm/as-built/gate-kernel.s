# gate-kernel.s -- lvd-as-built
#
# Kernel-only half of the call gate (linked into the kernel view only):
#   vmfunc_klcd_wrapper        lcd-domains/microkernel/vmfunc_switch.c (C, paraphrased)
#   vmfunc_trampoline_entry    lcd-domains/microkernel/vmfunc_entry.c
#   vmfunc_trampoline_out      lcd-domains/microkernel/vmfunc_entry.c
#   vmfunc_kernel_springboard  lcd-domains/microkernel/vmfunc_springboard.c
# Kconfig of the as-built system:
#   CONFIG_LVD_PROTECT_FPU   = y  (save_fpu_regs / restore_fpu_regs calls)
#   CONFIG_DEFEAT_LAZY_TLB   = y  (remap_cr3 on every crossing into the LVD;
#                                  vmfunc_prepare_switch/do_check compiled out)
#   CONFIG_LVD_DISABLE_IRQS  = n  (no CLI/STI around the LVD: interrupts are
#                                  taken inside the driver, entry.s)
#   CONFIG_LCD_VMFUNC_COUNTERS, CONFIG_LCD_TRACE_BUFFER = n
# Provenance and every simplification: docs/GATE-PROVENANCE.md.

.include "asm-offsets.s"

        .section .text.lvd_gate, "ax"

# ===========================================================================
# int vmfunc_klcd_wrapper(struct fipc_message *msg = %rdi, unsigned int ept = %esi)
# vmfunc_switch.c.  C paraphrased: local_irq_save/restore are pushfq;cli /
# popfq; the C helpers are primitives.  The kallsyms lookup of init_pgd is
# the emulator's (remap_cr3 primitive knows init_level4_pgt).
# ===========================================================================
        .p2align 4
        .globl vmfunc_klcd_wrapper
vmfunc_klcd_wrapper:
        pushq %rbp
        pushq %rbx
        movq %rdi, %rbx                 # msg
        movl %esi, %ebp                 # ept
        cmpl $LVD_EPT_MAX, %ebp         # if (ept > 511) return -EINVAL
        ja .Lklcd_einval
        pushfq                          # local_irq_save(flags)
        cli
        movq %gs:current_task, %rax
        movl TASK_nested_count(%rax), %ecx
        leal 1(%rcx), %edx
        movl %edx, TASK_nested_count(%rax)
        testl %ecx, %ecx                # if (current->nested_count++ == 0)
        jnz .Lklcd_have_stack
        movl %ebp, %edi
        call pick_stack                 #   pick_stack(ept)
.Lklcd_have_stack:
        call save_fpu_regs              # CONFIG_LVD_PROTECT_FPU
        popfq                           # local_irq_restore(flags)
        movq %rbx, %rdi
        call vmfunc_trampoline_entry    # vmfunc_trampoline_entry(msg)
        pushfq                          # local_irq_save(flags)
        cli
        movq %gs:current_task, %rax
        decl TASK_nested_count(%rax)    # if (--current->nested_count == 0)
        jnz .Lklcd_keep_stack
        movl %ebp, %edi
        call drop_stack                 #   drop_stack(ept)
.Lklcd_keep_stack:
        popfq                           # local_irq_restore(flags)
        xorl %eax, %eax                 # ret = 0
        jmp .Lklcd_out
.Lklcd_einval:
        movl $-EINVAL, %eax
.Lklcd_out:
        popq %rbx
        popq %rbp
        ret

# ===========================================================================
# void vmfunc_trampoline_entry(struct fipc_message *msg = %rdi)
# vmfunc_entry.c (newest stored version: clears lcd_stack_saved).
# ===========================================================================
        .p2align 4
        .globl vmfunc_trampoline_entry
vmfunc_trampoline_entry:
        pushq %rdi                      # CONFIG_DEFEAT_LAZY_TLB
        call remap_cr3
        popq %rdi
        pushq %rbp                      # callee-saved registers, kernel stack
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        pushq %rdi                      # msg, for the reply
        movq %rdi, %rax
        movq 0(%rax), %rdi              # REG0..REG7 <- msg
        movq 8(%rax), %rsi
        movq 16(%rax), %rdx
        movq 24(%rax), %r8
        movq 32(%rax), %r9
        movq 40(%rax), %r10
        movq 48(%rax), %r11
        movq 56(%rax), %r12
        # CONFIG_LVD_DISABLE_IRQS=n: no cli here
        movq %rsp, vmfunc_state_page + VMFUNC_kernel_esp
        movq %gs:current_task, %r13
        movq lcd_stack_off, %r14
        movq $1, vmfunc_state_page + VMFUNC_entered_lcd
        movq (%r13,%r14), %rsp          # RSP = current->lcd_stack
        movq $0, vmfunc_state_page + VMFUNC_lcd_stack_saved
        movl $0, %eax                   # VMFUNC leaf 0
        movl TASK_vmfunc_lcd(%r13), %ecx # current->vmfunc_lcd's slot (1 as built)
        xorq %rbx, %rbx                 # zero callee-saved registers
        xorq %r13, %r13
        xorq %r14, %r14
        xorq %r15, %r15
        xorq %rbp, %rbp
        jmp vmfunc_trampoline           # shared page (gate.s)

# ===========================================================================
# vmfunc_trampoline_out: reached from the shared trampoline page after the
# VMFUNC back to slot 0 (vmfunc_entry.c, newest stored version).
# ===========================================================================
        .p2align 4
        .globl vmfunc_trampoline_out
vmfunc_trampoline_out:
        movq vmfunc_state_page + VMFUNC_kernel_esp, %r13
        # source: "TODO: restore %gs" -- %gs still holds whatever the LVD left
        movq %gs:current_task, %rax
        movq lcd_stack_off, %rbx
        movq %rsp, (%rax,%rbx)          # current->lcd_stack = LVD RSP
        movq $1, vmfunc_state_page + VMFUNC_lcd_stack_saved
        movq %r13, %rsp                 # kernel stack
        movq $0, vmfunc_state_page + VMFUNC_entered_lcd
        popq %r13                       # msg
        movq %rdi, 0(%r13)              # reply REG0..REG7 -> msg
        movq %rsi, 8(%r13)
        movq %rdx, 16(%r13)
        movq %r8, 24(%r13)
        movq %r9, 32(%r13)
        movq %r10, 40(%r13)
        movq %r11, 48(%r13)
        movq %r12, 56(%r13)
        # CONFIG_LVD_DISABLE_IRQS=n: no sti here
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret                             # to vmfunc_klcd_wrapper

# ===========================================================================
# vmfunc_kernel_springboard: reached from the shared springboard page after
# the VMFUNC to slot 0 (vmfunc_springboard.c, stored version with
# CONFIG_LVD_PROTECT_FPU and lcd_stack_saved).  REG0..REG7 hold the request.
# ===========================================================================
        .p2align 4
        .globl vmfunc_kernel_springboard
vmfunc_kernel_springboard:
        movq vmfunc_state_page + VMFUNC_kernel_esp, %r13
        # source: "TODO: restore %gs"
        movq %gs:current_task, %rax
        movq lcd_stack_off, %rbx
        movq %rsp, (%rax,%rbx)          # save LVD RSP in current->lcd_stack
        movq $1, vmfunc_state_page + VMFUNC_lcd_stack_saved
        movq %r13, %rsp                 # kernel stack
        movq $0, vmfunc_state_page + VMFUNC_entered_lcd
        # CONFIG_LVD_DISABLE_IRQS=n: no sti here
        pushq %rdi                      # CONFIG_LVD_PROTECT_FPU: keep REG0..REG7
        pushq %rsi
        pushq %rdx
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        call restore_fpu_regs
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdx
        popq %rsi
        popq %rdi
        call vmfunc_dispatch            # the kernel's dispatcher (gate.s)
        movq %rsp, vmfunc_state_page + VMFUNC_kernel_esp
        # CONFIG_LVD_DISABLE_IRQS=n: no cli here
        pushq %rdi                      # CONFIG_DEFEAT_LAZY_TLB: keep the reply
        pushq %rsi
        pushq %rdx
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        call remap_cr3
        call save_fpu_regs              # CONFIG_LVD_PROTECT_FPU (between the pushes and pops)
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdx
        popq %rsi
        popq %rdi
        movq $1, vmfunc_state_page + VMFUNC_entered_lcd
        movq %gs:current_task, %rax
        movq lcd_stack_off, %rbx
        movq (%rax,%rbx), %rsp          # LVD stack back
        movq $0, vmfunc_state_page + VMFUNC_lcd_stack_saved
        movq TASK_vmfunc_lcd(%rax), %rcx # the slot to return to: current->vmfunc_lcd's
        xorq %rbx, %rbx                 # zero callee-saved registers
        xorq %r13, %r13
        xorq %r14, %r14
        xorq %r15, %r15
        xorq %rbp, %rbp
        movq $0, %rax                   # leaf 0
        jmp vmfunc_springboard_return   # shared page (gate.s)

# ===========================================================================
# lcd_stack_off: exported by the microkernel, holds offsetof(task_struct,
# lcd_stack); the gate loads it from memory ("mov lcd_stack_off, %r14").
# ===========================================================================
        .section .data.lvd_gate, "aw"
        .p2align 3
        .globl lcd_stack_off
lcd_stack_off:
        .quad TASK_lcd_stack
