# expect: 2:18
addq %rax, %rbx, %rcx
