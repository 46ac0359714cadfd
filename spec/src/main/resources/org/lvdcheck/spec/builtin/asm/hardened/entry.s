# entry.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
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
        movl $LVD_GATE_ABORT, %eax      # kill the domain, do not halt # hardened: G8-abort
        cpuid
        ud2                             # unreachable # hardened: G8-abort
.endm

# Kill from an entry path that already runs under the kernel EPT. # hardened: G8-abort
.macro LVD_KILL_FROM_IST                # hardened: G8-abort
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G8-abort
        wrgsbase %rax                   # hardened: G8-abort
        movq %rsp, %rdi                 # hardened: G8-abort
        call lvd_kill_current_domain    # does not return # hardened: G8-abort
.endm                                   # hardened: G8-abort

.macro VMFUNC_TO_KERNEL
        movl $0, %eax
        movl $0, %ecx
        vmfunc
        cmpl $0, %ecx
        je 0f
        ABORT_LCD
0:
.endm

# VMFUNC_TO_LCD moved to the slot's own gate page: vmfunc_irq_return (gate.s) # hardened: G24-irq-return-landing

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
        leaq SIZEOF_PTREGS(%rsp), %rax  # this entry's frame ends at the IST top # hardened: G23-entry-rsp
        cmpq vmfunc_state_page + VMFUNC_irq_stack_top, %rax # hardened: G23-entry-rsp
        je 8f                           # hardened: G23-entry-rsp
9:      movq vmfunc_state_page + VMFUNC_irq_stack_top, %rsp # a VMFUNC of the driver's own # hardened: G23-entry-rsp, G26-forged-irq
        LVD_KILL_FROM_IST               # hardened: G23-entry-rsp
8:      movq vmfunc_state_page + VMFUNC_irq_stack_top, %rax; subq $SIZEOF_PTREGS, %rax; movq %rax, %rsp; call lvd_irq_in_service; testq %rax, %rax; js 9b; notq %rax; movq %rax, PT_ORIG_RAX(%rsp) # the frame from the state page, not the driver's equal RSP; the vector from the local APIC, not the frame; none in service: a forged entry # hardened: G23-entry-rsp, G25-entry-frame-rsp, G26-forged-irq
        # GS-base swap moved to the domain/window path below # hardened: G2-gs-width
        # RBX holds the slot to VMFUNC back to on exit
        testb $3, PT_CS(%rsp)           # ring 3 is not allowed inside an LVD
        jz 1f                           # hardened: G11-window
        LVD_KILL_FROM_IST               # hardened: G8-abort
1:
        movq vmfunc_state_page + VMFUNC_entered_lcd, %r12 # domain or gate window # hardened: G11-window
        testq %r12, %r12                # hardened: G11-window
        jnz 5f                          # hardened: G11-window
        testq %rbx, %rbx                # in a domain EPT without a gate entry? # hardened: G11-window
        jz 6f                           # hardened: G11-window
        LVD_KILL_FROM_IST               # hardened: G11-window
6:                                      # hardened: G11-window
        testb $3, PT_CS(%rsp)
        jz 2f
        swapgs                          # from user mode
        movq %rsp, %rdi
        call sync_regs                  # frame -> task stack
        movq %rax, %rsp
        jmp 3f
5:                                      # domain or gate window # hardened: G11-window
        testb $3, PT_CS(%rsp); jnz 4f; testq %rbx, %rbx; jnz 7f # under the kernel's EPT (RBX = 0) the gate never runs with IF set (G28): the interrupt follows a driver's own VMFUNC # hardened: G11-window, G27-window-rip, G28-kernel-view-if
4:                                      # ring 3, or the kernel's view with a domain entered: a driver's landing # hardened: G11-window, G27-window-rip, G28-kernel-view-if
        LVD_KILL_FROM_IST               # hardened: G11-window
7:                                      # hardened: G11-window
        rdgsbase %r14                   # interrupted GS base, 64-bit, kept in R14 # hardened: G14-lcd-gs-percpu
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G2-gs-width
        wrgsbase %rax                   # hardened: G2-gs-width
        movq vmfunc_state_page + VMFUNC_kernel_esp, %r13 # this thread's gate frame # hardened: G13-kernel-esp
        movq $0, vmfunc_state_page + VMFUNC_entered_lcd # hardened: G13-kernel-esp
        call lvd_enter_kernel_state     # FPU, FS base, KERNEL_GS_BASE # hardened: G4-fpu
        movq %rsp, %rdi                 # hardened: G12-irq-frame-dest
        movq %r13, %rsi                 # the kernel stack, not the domain's RSP # hardened: G12-irq-frame-dest
        call sync_stacks                # hardened: G12-irq-frame-dest
        movq %rax, %rsp                 # hardened: G12-irq-frame-dest
        jmp 3f                          # hardened: G12-irq-frame-dest
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
        # IST pointer read after the preemption loop # hardened: G5-ist-reread
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
        testq %r12, %r12                # domain or gate-window state to put back? # hardened: G11-window
        jz .Lrestore_vmfunc_regs
        movq %gs:current_task, %rax     # hardened: G16-kill-path
        cmpq $0, TASK_lvd_killed(%rax)  # hardened: G16-kill-path
        jne .Lrestore_vmfunc_killed     # hardened: G16-kill-path
        movl TASK_vmfunc_lcd(%rax), %eax # the thread's domain, not the slot the interrupted view names # hardened: G29-landing-ticket
        movl %eax, lvd_landing_ticket   # its landing checks it # hardened: G29-landing-ticket
        call lvd_enter_domain_state     # hardened: G4-fpu
        movq %r13, vmfunc_state_page + VMFUNC_kernel_esp # this thread's, this CPU's page # hardened: G13-kernel-esp
        movq %r12, vmfunc_state_page + VMFUNC_entered_lcd # hardened: G13-kernel-esp
        testq %rbx, %rbx                # VMFUNC back needed? # hardened: G11-window
        jz .Lrestore_gate_window        # hardened: G11-window
        movq %rsp, %rdi
        movq %gs:lvd_irq_stack_addr, %rsi # this CPU's IST 5, read now # hardened: G5-ist-reread
        call sync_stacks
        movq %rax, %rsp
        wrgsbase %r14                   # 64-bit, from R14 # hardened: G14-lcd-gs-percpu
        movl $0, %eax                   # VMFUNC_TO_LCD, in the slot's gate page # hardened: G24-irq-return-landing
        movl %ebx, %ecx                 # the slot in EBX # hardened: G24-irq-return-landing
        jmp vmfunc_irq_return           # restores pt_regs and IRETs there # hardened: G24-irq-return-landing
.Lrestore_gate_window:                  # hardened: G11-window
        wrgsbase %r14                   # hardened: G11-window
.Lrestore_vmfunc_regs:
        RESTORE_EXTRA_REGS
        RESTORE_C_REGS
        REMOVE_PT_GPREGS_FROM_STACK 8
        iretq                           # INTERRUPT_RETURN
.Lrestore_vmfunc_killed:                # hardened: G16-kill-path
        movq %r13, %rsp                 # the gate frame of this crossing # hardened: G16-kill-path
        jmp lvd_gate_error_return       # hardened: G16-kill-path

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
        testl $1, vmfunc_state_page + VMFUNC_in_kernel # no stack use before the test # hardened: G6-exc-halt
        jnz 1f
        jmp lvd_exception_in_domain     # hardened: G6-exc-halt
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
        rdgsbase %rbx                   # whatever GS base was live, 64-bit # hardened: G22-paranoid-gs
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G22-paranoid-gs
        wrgsbase %rax                   # never trust a negative GS base # hardened: G22-paranoid-gs
        ret

        .globl paranoid_exit
paranoid_exit:
        cli
        wrgsbase %rbx                   # hardened: G22-paranoid-gs
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
        testl $1, vmfunc_state_page + VMFUNC_in_kernel # hardened: G7-nmi-halt
        jnz 1f
        jmp lvd_exception_in_domain     # hardened: G7-nmi-halt
1:
        pushq $-1                       # ORIG_RAX
        ALLOC_PT_GPREGS_ON_STACK
        call paranoid_entry
        movq %rsp, %rdi
        movq $-1, %rsi
        call do_nmi
        wrgsbase %rbx                   # hardened: G22-paranoid-gs
.Lnmi_restore:
        RESTORE_EXTRA_REGS
        RESTORE_C_REGS
        REMOVE_PT_GPREGS_FROM_STACK 8
        iretq

# ---------------------------------------------------------------------------     # hardened: G6-exc-halt
# An exception or NMI inside a domain: back to slot 0 under the same checks as   # hardened: G6-exc-halt
# the interrupt entry, off the domain's stack onto this thread's kernel stack,   # hardened: G6-exc-halt
# kernel GS base, then kill the domain.  The hardware frame is not read: for     # hardened: G6-exc-halt
# vectors without an IST it lies on the domain's stack.                          # hardened: G6-exc-halt
# ---------------------------------------------------------------------------     # hardened: G6-exc-halt
        .p2align 4                      # hardened: G6-exc-halt
        .globl lvd_exception_in_domain  # hardened: G6-exc-halt
lvd_exception_in_domain:                # hardened: G6-exc-halt
        VMFUNC_TO_KERNEL                # hardened: G6-exc-halt
        movq vmfunc_state_page + VMFUNC_kernel_esp, %rsp # hardened: G6-exc-halt
        movq vmfunc_state_page + VMFUNC_kernel_gs_base, %rax # hardened: G6-exc-halt
        wrgsbase %rax                   # hardened: G6-exc-halt
        addq $-SIZEOF_PTREGS, %rsp      # pt_regs of the attacker's registers # hardened: G6-exc-halt
        SAVE_C_REGS                     # hardened: G6-exc-halt
        SAVE_EXTRA_REGS                 # hardened: G6-exc-halt
        movq %rsp, %rdi                 # hardened: G6-exc-halt
        call lvd_kill_current_domain    # does not return # hardened: G6-exc-halt
