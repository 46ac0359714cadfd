# gate-kernel.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
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
# Hardened: lvd_enter_domain_state / lvd_enter_kernel_state switch FPU, FS base # hardened: G4-fpu
# and IA32_KERNEL_GS_BASE per thread; GS base is switched here in asm.        # hardened: G3-fs-kgs
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
        cmpq $0, lvd_slot_live(,%rbp,8) # no call into a killed domain # hardened: G16-kill-path
        je .Lklcd_einval                # hardened: G16-kill-path
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
        movl %eax, %ebx                 # 0, or -EIO after a kill # hardened: G16-kill-path
        pushfq                          # local_irq_save(flags)
        cli
        movq %gs:current_task, %rax
        decl TASK_nested_count(%rax)    # if (--current->nested_count == 0)
        jnz .Lklcd_keep_stack
        movq $0, TASK_lvd_killed(%rax)  # outermost crossing unwound # hardened: G16-kill-path
        movl %ebp, %edi
        call drop_stack                 #   drop_stack(ept)
.Lklcd_keep_stack:
        popfq                           # local_irq_restore(flags)
        movl %ebx, %eax                 # ret # hardened: G16-kill-path
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
        pushfq                          # kernel RFLAGS for the way back # hardened: G20-rflags
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
        cli                             # domain state and entered_lcd change together # hardened: G4-fpu
        call lvd_enter_domain_state     # FPU, FS base, KERNEL_GS_BASE of the domain # hardened: G4-fpu
        movq TRAMP_FRAME_msg(%rsp), %rax    # msg (the call clobbered %rdi) # hardened: G4-fpu
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
        movq TRAMP_FRAME_rflags(%rsp), %rbx # IF to give the domain # hardened: G20-rflags
        movq %gs:current_task, %r13
        movq lcd_stack_off, %r14
        movq $1, vmfunc_state_page + VMFUNC_entered_lcd
        movq (%r13,%r14), %rsp          # RSP = current->lcd_stack
        movq $0, vmfunc_state_page + VMFUNC_lcd_stack_saved
        movq TASK_lvd_domain_gs(%r13), %rax # hardened: G1-gs-base
        wrgsbase %rax                   # the domain's GS base, not the kernel's # hardened: G1-gs-base
        movl $0, %eax                   # VMFUNC leaf 0
        movl TASK_vmfunc_lcd(%r13), %ecx # current->vmfunc_lcd's slot (1 as built)
        movl %ecx, lvd_landing_ticket   # the slot this CPU is sent into, for its landing # hardened: G29-landing-ticket
        xorq %r13, %r13
        xorq %r14, %r14
        xorq %r15, %r15
        xorq %rbp, %rbp
        andl $X86_EFLAGS_IF, %ebx       # RBX = the IF to give the domain, nothing else # hardened: G20-rflags, G28-kernel-view-if
        # no sti here: under the kernel's EPT the gate never runs with  # hardened: G28-kernel-view-if
        # interrupts on while RSP is the domain's stack; the domain's     # hardened: G28-kernel-view-if
        # copy of the trampoline sets IF from RBX after its VMFUNC        # hardened: G28-kernel-view-if
        # (gate.s)                                                        # hardened: G28-kernel-view-if
        jmp vmfunc_trampoline           # shared page (gate.s)

# ===========================================================================
# vmfunc_trampoline_out: reached from the shared trampoline page after the
# VMFUNC back to slot 0 (vmfunc_entry.c, newest stored version).
# ===========================================================================
        .p2align 4
        .globl vmfunc_trampoline_out
vmfunc_trampoline_out:
        cli                             # hardened: G4-fpu
        rdgsbase %rbp                   # the domain's GS base # hardened: G1-gs-base
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G1-gs-base
        wrgsbase %rax                   # before any %gs use # hardened: G1-gs-base
        movq vmfunc_state_page + VMFUNC_kernel_esp, %r13
        movq %gs:current_task, %rax
        movq %rbp, TASK_lvd_domain_gs(%rax) # hardened: G1-gs-base
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
        call lvd_enter_kernel_state     # FPU, FS base, KERNEL_GS_BASE back # hardened: G4-fpu
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        xorl %eax, %eax                 # hardened: G16-kill-path
        popfq                           # kernel RFLAGS (IF, DF, AC) # hardened: G20-rflags
        ret                             # to vmfunc_klcd_wrapper

# ===========================================================================
# vmfunc_kernel_springboard: reached from the shared springboard page after
# the VMFUNC to slot 0 (vmfunc_springboard.c, stored version with
# CONFIG_LVD_PROTECT_FPU and lcd_stack_saved).  REG0..REG7 hold the request.
# ===========================================================================
        .p2align 4
        .globl vmfunc_kernel_springboard
vmfunc_kernel_springboard:
        cli                             # hardened: G4-fpu
        rdgsbase %rbp                   # hardened: G1-gs-base
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G1-gs-base
        wrgsbase %rax                   # hardened: G1-gs-base
        movq vmfunc_state_page + VMFUNC_kernel_esp, %r13
        movq %gs:current_task, %rax
        movq %rbp, TASK_lvd_domain_gs(%rax) # hardened: G1-gs-base
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
        call lvd_enter_kernel_state     # hardened: G4-fpu
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdx
        popq %rsi
        popq %rdi
        pushq TRAMP_FRAME_rflags(%rsp)  # kernel RFLAGS of this crossing # hardened: G20-rflags
        popfq                           # hardened: G20-rflags
        call vmfunc_dispatch            # the kernel's dispatcher (gate.s)
        movq %rsp, vmfunc_state_page + VMFUNC_kernel_esp
        cli                             # hardened: G4-fpu
        pushq %rdi                      # CONFIG_DEFEAT_LAZY_TLB: keep the reply
        pushq %rsi
        pushq %rdx
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        call remap_cr3
        call lvd_enter_domain_state     # hardened: G4-fpu
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdx
        popq %rsi
        popq %rdi
        movq %gs:current_task, %rax     # hardened: G16-kill-path
        cmpq $0, TASK_lvd_killed(%rax)  # hardened: G16-kill-path
        jne lvd_gate_error_return       # RSP = kernel_esp here # hardened: G16-kill-path
        movq TRAMP_FRAME_rflags(%rsp), %rbp # IF to give the domain # hardened: G20-rflags
        movq $1, vmfunc_state_page + VMFUNC_entered_lcd
        movq lcd_stack_off, %rbx
        movq (%rax,%rbx), %rsp          # LVD stack back
        movq $0, vmfunc_state_page + VMFUNC_lcd_stack_saved
        movq TASK_vmfunc_lcd(%rax), %rcx # the slot to return to: current->vmfunc_lcd's
        movl %ecx, lvd_landing_ticket   # hardened: G29-landing-ticket
        movq TASK_lvd_domain_gs(%rax), %rax # hardened: G1-gs-base
        wrgsbase %rax                   # hardened: G1-gs-base
        xorq %rbx, %rbx                 # zero callee-saved registers
        xorq %r13, %r13
        xorq %r14, %r14
        xorq %r15, %r15
        movq $0, %rax                   # leaf 0
        movl %ebp, %ebx                 # hardened: G20-rflags, G28-kernel-view-if
        andl $X86_EFLAGS_IF, %ebx       # RBX = the IF to give the domain # hardened: G20-rflags, G28-kernel-view-if
        # no sti here (G28): the domain's copy of the springboard sets IF # hardened: G28-kernel-view-if
        # from RBX after its VMFUNC (gate.s)                              # hardened: G28-kernel-view-if
        xorq %rbp, %rbp                 # (moved) # hardened: G20-rflags
        jmp vmfunc_springboard_return   # shared page (gate.s)

# lvd_gate_error_return: where lvd_kill_current_domain resumes the kernel    # hardened: G16-kill-path
# caller, and where a crossing back into a killed domain turns around.       # hardened: G16-kill-path
# Entered with RSP = kernel_esp = the frame of the innermost                 # hardened: G16-kill-path
# vmfunc_trampoline_entry; vmfunc_trampoline_entry then returns -EIO.        # hardened: G16-kill-path
        .p2align 4                      # hardened: G16-kill-path
        .globl lvd_gate_error_return    # hardened: G16-kill-path
lvd_gate_error_return:                  # hardened: G16-kill-path
        cli                             # hardened: G16-kill-path
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G16-kill-path
        wrgsbase %rax                   # hardened: G16-kill-path
        movq $0, vmfunc_state_page + VMFUNC_entered_lcd # hardened: G16-kill-path
        call lvd_enter_kernel_state     # hardened: G16-kill-path
        popq %r13                       # msg, left as the caller wrote it # hardened: G16-kill-path
        popq %r15                       # hardened: G16-kill-path
        popq %r14                       # hardened: G16-kill-path
        popq %r13                       # hardened: G16-kill-path
        popq %r12                       # hardened: G16-kill-path
        popq %rbx                       # hardened: G16-kill-path
        popq %rbp                       # hardened: G16-kill-path
        movl $-EIO, %eax                # hardened: G16-kill-path
        popfq                           # hardened: G16-kill-path
        ret                             # hardened: G16-kill-path

# ===========================================================================
# lcd_stack_off: exported by the microkernel, holds offsetof(task_struct,
# lcd_stack); the gate loads it from memory ("mov lcd_stack_off, %r14").
# ===========================================================================
        .section .data.lvd_gate, "aw"
        .p2align 3
        .globl lcd_stack_off
lcd_stack_off:
        .quad TASK_lcd_stack
