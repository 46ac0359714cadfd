# expect: 2:18
movq 8(%rax,%rbx,3), %rcx
