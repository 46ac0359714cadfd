# driver.s -- the domain's code (its module): the driver's entry, called from the
# domain's copy of the trampoline, returns at once.

        .section .text.net, "ax"
        .globl vmfunc_dispatch
vmfunc_dispatch:
        xorq %rax, %rax                 # three bytes: a VMFUNC at the page's first byte lands on the ret
        ret
