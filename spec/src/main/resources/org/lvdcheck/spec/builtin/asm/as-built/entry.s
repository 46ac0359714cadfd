# entry.s -- lvd-as-built
#
# Interrupt, exception and NMI entry/exit of lvd-linux arch/x86/entry/entry_64.S
# (stored version 01f86446, the one whose facts LVD-AS-BUILT.md 2.3 lists),
# reduced to the paths the model needs:
#   apic_timer_interrupt, device_interrupt  -> macro interrupt -> do_IRQ
#   ret_from_intr -> retint_vmfunc_kernel / retint_vmfunc_user
#                 -> restore_vmfunc_regs_and_iret
#   page_fault, general_protection, invalid_op (idtentry, error_entry/exit)
#   double_fault (idtentry paranoid=2, paranoid_entry/exit)
#   nmi
# Every external vector uses IST 5 (IRQ_LVD_STACK), in the kernel as well as
# inside an LVD; NMI uses IST 2, #DF IST 1, #PF/#GP/#UD no IST (stock gates).
# Kconfig: CONFIG_PREEMPT=y, CONFIG_TRACE_IRQFLAGS=n, CONFIG_CONTEXT_TRACKING=n,
# CONFIG_PARAVIRT=n, SMAP off (ASM_CLAC empty).
# The entry text is mapped into every LVD at the kernel's addresses.
# Provenance and every simplification: docs/GATE-PROVENANCE.md.

.include "asm-offsets.s"

        .section .entry.text, "ax"

# ---------------------------------------------------------------------------
# Macros of entry_64.S (ABORT_LCD, VMFUNC_TO_KERNEL, VMFUNC_TO_LCD) and of
# calling.h (pt_regs save/restore).
# ---------------------------------------------------------------------------
.macro ABORT_LCD
        movl $BF_ABORT_LCD, %eax        # hypervisor dumps and halts the vCPU
        cpuid
.endm

.macro VMFUNC_TO_KERNEL
        movl $0, %eax
        movl $0, %ecx
        vmfunc
        cmpl $0, %ecx
        je 0f
        ABORT_LCD
0:
.endm

.macro VMFUNC_TO_LCD                   # to the slot in EBX (1 as built)
        movl $0, %eax
        movl %ebx, %ecx
        vmfunc
        cmpl %ebx, %ecx
        je 0f
        ABORT_LCD
0:
.endm

.macro ALLOC_PT_GPREGS_ON_STACK
        addq $-PT_GPREGS_SIZE, %rsp
.endm

.macro SAVE_C_REGS offset=0
        movq %r11, PT_R11+\offset(%rsp)
        movq %r10, PT_R10+\offset(%rsp)
        movq %r9, PT_R9+\offset(%rsp)
        movq %r8, PT_R8+\offset(%rsp)
        movq %rax, PT_RAX+\offset(%rsp)
        movq %rcx, PT_RCX+\offset(%rsp)
        movq %rdx, PT_RDX+\offset(%rsp)
        movq %rsi, PT_RSI+\offset(%rsp)
        movq %rdi, PT_RDI+\offset(%rsp)
.endm

.macro SAVE_EXTRA_REGS offset=0
        movq %r15, PT_R15+\offset(%rsp)
        movq %r14, PT_R14+\offset(%rsp)
        movq %r13, PT_R13+\offset(%rsp)
        movq %r12, PT_R12+\offset(%rsp)
        movq %rbp, PT_RBP+\offset(%rsp)
        movq %rbx, PT_RBX+\offset(%rsp)
.endm

.macro RESTORE_EXTRA_REGS
        movq PT_R15(%rsp), %r15
        movq PT_R14(%rsp), %r14
        movq PT_R13(%rsp), %r13
        movq PT_R12(%rsp), %r12
        movq PT_RBP(%rsp), %rbp
        movq PT_RBX(%rsp), %rbx
.endm

.macro RESTORE_C_REGS
        movq PT_R11(%rsp), %r11
        movq PT_R10(%rsp), %r10
        movq PT_R9(%rsp), %r9
        movq PT_R8(%rsp), %r8
        movq PT_RAX(%rsp), %rax
        movq PT_RCX(%rsp), %rcx
        movq PT_RDX(%rsp), %rdx
        movq PT_RSI(%rsp), %rsi
        movq PT_RDI(%rsp), %rdi
.endm

.macro REMOVE_PT_GPREGS_FROM_STACK addskip=0
        subq $-(PT_GPREGS_SIZE+\addskip), %rsp
.endm

# ---------------------------------------------------------------------------
# macro interrupt (entry_64.S).  0(%rsp) = ~vector on entry, on the IST 5
# stack.  RBX becomes the "VMFUNC back on exit" flag: the slot of the
# interrupted view, read from its state page (0 in the kernel's; 1 as built).
# ---------------------------------------------------------------------------
.macro interrupt func
        cld
        ALLOC_PT_GPREGS_ON_STACK        # pt_regs on the IST stack, still
        SAVE_C_REGS                     # under whichever EPT was active
        SAVE_EXTRA_REGS
        movl vmfunc_state_page + VMFUNC_ept_id, %ebx
        movl vmfunc_state_page + VMFUNC_in_kernel, %eax
        testl $1, %eax
        jnz 1f
        VMFUNC_TO_KERNEL                # inside an LVD: back to slot 0
        rdgsbase %eax                   # 32-bit GS-base swap via the state page
        movl %eax, vmfunc_state_page + VMFUNC_lcd_gs_base
        movl vmfunc_state_page + VMFUNC_kernel_gs_base, %eax
        wrgsbase %eax
        # RBX holds the slot to VMFUNC back to on exit
        testb $3, PT_CS(%rsp)           # ring 3 is not allowed inside an LVD
        jz 2f
        ABORT_LCD
1:
        testb $3, PT_CS(%rsp)
        jz 2f
        swapgs                          # from user mode
        movq %rsp, %rdi
        call sync_regs                  # frame -> task stack
        movq %rax, %rsp
        jmp 3f
2:
        movq %rsp, %rdi                 # from kernel or LVD mode: frame ->
        movq PT_RSP(%rsp), %rsi         # the stack live at the interrupt
        call sync_stacks
        movq %rax, %rsp
3:
        movq %rsp, %rdi                 # irq_count / irq_stack_ptr switch
        incl %gs:irq_count
        jnz 4f                          # (cmovzq in the source)
        movq %gs:irq_stack_ptr, %rsp
4:
        pushq %rdi
        call \func                      # rdi = pt_regs
.endm

# ---------------------------------------------------------------------------
# External interrupt entry points
# ---------------------------------------------------------------------------
        .p2align 3
        .globl device_interrupt
device_interrupt:                       # the irq_entries_start stub of DEVICE_VECTOR
        pushq $(~DEVICE_VECTOR+0x80)
        jmp common_interrupt

        .p2align 4
        .globl common_interrupt
common_interrupt:
        addq $-0x80, (%rsp)             # vector to [-256, -1]
        interrupt do_IRQ
        .globl ret_from_intr
ret_from_intr:
        cli
        decl %gs:irq_count
        popq %rsp                       # back to the pt_regs stack
        movq %gs:lvd_irq_stack_addr, %r12   # IST pointer, read BEFORE preemption
        testb $3, PT_CS(%rsp)
        jz retint_vmfunc_kernel
        .globl retint_vmfunc_user
retint_vmfunc_user:
        movq %rsp, %rdi
        call prepare_exit_to_usermode
        swapgs
        jmp restore_vmfunc_regs_and_iret
retint_vmfunc_kernel:                   # CONFIG_PREEMPT
        btq $X86_EFLAGS_IF_BIT, PT_EFLAGS(%rsp)
        jnc .Lretint_vmfunc_no_preempt
.Lretint_vmfunc_preempt_loop:
        cmpl $0, %gs:__preempt_count
        jnz .Lretint_vmfunc_no_preempt
        call preempt_schedule_irq       # may switch threads; R12 survives
        jmp .Lretint_vmfunc_preempt_loop
.Lretint_vmfunc_no_preempt:
        .globl restore_vmfunc_regs_and_iret
restore_vmfunc_regs_and_iret:
        testq %rbx, %rbx                # VMFUNC back needed?
        jz .Lrestore_vmfunc_regs
        movq %rsp, %rdi
        movq %r12, %rsi                 # IST stack (mapped in the LVD)
        call sync_stacks
        movq %rax, %rsp
        movl vmfunc_state_page + VMFUNC_lcd_gs_base, %eax
        wrgsbase %eax
        VMFUNC_TO_LCD
.Lrestore_vmfunc_regs:
        RESTORE_EXTRA_REGS
        RESTORE_C_REGS
        REMOVE_PT_GPREGS_FROM_STACK 8
        iretq                           # INTERRUPT_RETURN

        .p2align 4
        .globl apic_timer_interrupt
apic_timer_interrupt:                   # apicinterrupt LOCAL_TIMER_VECTOR
        pushq $~LOCAL_TIMER_VECTOR
        interrupt do_IRQ                # smp_apic_timer_interrupt in the source
        jmp ret_from_intr

# ---------------------------------------------------------------------------
# Exceptions: macro idtentry (entry_64.S).  Tests in_kernel first and aborts
# inside an LVD; there is no VMFUNC path.  do_exception stands for the C
# handler (do_page_fault, do_general_protection, ...); the vector goes in %edx.
# ---------------------------------------------------------------------------
.macro idtentry sym vector has_error_code paranoid=0
        .p2align 4
        .globl \sym
\sym:
        pushq %rax
        movl vmfunc_state_page + VMFUNC_in_kernel, %eax
        testl $1, %eax
        popq %rax
        jnz 1f
        ABORT_LCD
1:
        .if \has_error_code == 0
        pushq $-1                       # ORIG_RAX: no syscall to restart
        .endif
        ALLOC_PT_GPREGS_ON_STACK
        .if \paranoid
        call paranoid_entry
        .else
        call error_entry
        .endif
        movq %rsp, %rdi                 # pt_regs
        .if \has_error_code
        movq PT_ORIG_RAX(%rsp), %rsi    # error code
        movq $-1, PT_ORIG_RAX(%rsp)
        .else
        xorl %esi, %esi
        .endif
        movl $\vector, %edx
        call do_exception
        .if \paranoid
        jmp paranoid_exit
        .else
        jmp error_exit
        .endif
.endm

idtentry invalid_op         X86_TRAP_UD has_error_code=0
idtentry double_fault       X86_TRAP_DF has_error_code=1 paranoid=2
idtentry general_protection X86_TRAP_GP has_error_code=1
idtentry page_fault         X86_TRAP_PF has_error_code=1

# error_entry: save registers; EBX=0 from user mode (SWAPGS done), 1 otherwise
        .p2align 4
        .globl error_entry
error_entry:
        cld
        SAVE_C_REGS 8
        SAVE_EXTRA_REGS 8
        xorl %ebx, %ebx
        testb $3, PT_CS+8(%rsp)
        jz .Lerror_kernelspace
        swapgs
        ret
.Lerror_kernelspace:
        incl %ebx
        ret

# error_exit: EBX is the "return to kernel mode" flag
        .globl error_exit
error_exit:
        movl %ebx, %eax
        cli
        testl %eax, %eax
        jnz retint_kernel
        jmp retint_user

        .globl retint_user
retint_user:
        movq %rsp, %rdi
        call prepare_exit_to_usermode
        swapgs
        jmp restore_regs_and_iret
retint_kernel:                          # CONFIG_PREEMPT
        btq $X86_EFLAGS_IF_BIT, PT_EFLAGS(%rsp)
        jnc .Lretint_no_preempt
.Lretint_preempt_loop:
        cmpl $0, %gs:__preempt_count
        jnz .Lretint_no_preempt
        call preempt_schedule_irq
        jmp .Lretint_preempt_loop
.Lretint_no_preempt:
        .globl restore_regs_and_iret
restore_regs_and_iret:
        RESTORE_EXTRA_REGS
        RESTORE_C_REGS
        REMOVE_PT_GPREGS_FROM_STACK 8
        iretq

# paranoid_entry: "are we in kernel?" from MSR_GS_BASE; EBX=0 -> SWAPGS on exit
        .p2align 4
        .globl paranoid_entry
paranoid_entry:
        cld
        SAVE_C_REGS 8
        SAVE_EXTRA_REGS 8
        movl $1, %ebx
        movl $MSR_GS_BASE, %ecx
        rdmsr                           # exits to the hypervisor, emulated
        testl %edx, %edx
        js 1f                           # negative: kernel GS base already
        swapgs
        xorl %ebx, %ebx
1:
        ret

        .globl paranoid_exit
paranoid_exit:
        cli
        testl %ebx, %ebx
        jnz .Lparanoid_exit_restore
        swapgs
.Lparanoid_exit_restore:
        RESTORE_EXTRA_REGS
        RESTORE_C_REGS
        REMOVE_PT_GPREGS_FROM_STACK 8
        iretq

# ---------------------------------------------------------------------------
# nmi (entry_64.S): in_kernel test, ABORT_LCD inside an LVD.  Runs on IST 2.
# The nested-NMI frame copies of the source are left out (docs).
# ---------------------------------------------------------------------------
        .p2align 4
        .globl nmi
nmi:
        pushq %rax
        movl vmfunc_state_page + VMFUNC_in_kernel, %eax
        testl $1, %eax
        popq %rax
        jnz 1f
        ABORT_LCD
1:
        pushq $-1                       # ORIG_RAX
        ALLOC_PT_GPREGS_ON_STACK
        call paranoid_entry
        movq %rsp, %rdi
        movq $-1, %rsi
        call do_nmi
        testl %ebx, %ebx
        jnz .Lnmi_restore
        swapgs
.Lnmi_restore:
        RESTORE_EXTRA_REGS
        RESTORE_C_REGS
        REMOVE_PT_GPREGS_FROM_STACK 8
        iretq
