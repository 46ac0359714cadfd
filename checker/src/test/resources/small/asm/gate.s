# gate.s -- the shared trampoline page, linked into the kernel view and the domain's
# at one GVA (transition code). vmfunc_dispatch is each view's own: the driver's entry in
# the domain, unreachable in the kernel; lcd_ept_id is the view's slot (-1 in the kernel).
# In the domain's copy vmfunc_trampoline_out resolves to the abort (weak in the module).

.include "defs.s"

        .section .vmfunc.trampoline.text, "ax"
        .globl vmfunc_trampoline
vmfunc_trampoline:
        vmfunc                          # to the domain's slot (ECX)
        cmpl $lcd_ept_id, %ecx
        jne vmfunc_trampoline_abort
        call vmfunc_dispatch            # the driver
        movl $0, %eax
        movl $0, %ecx
        vmfunc                          # back to the kernel
        cmpl $0, %ecx
        jne vmfunc_trampoline_abort
        jmp vmfunc_trampoline_out
        .globl vmfunc_trampoline_abort
vmfunc_trampoline_abort:
        movl $LVD_GATE_ABORT, %eax
        cpuid                           # the hypervisor kills the domain
        ud2
