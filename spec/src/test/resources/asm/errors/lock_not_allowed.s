# expect: 2:1
lock movq %rax, (%rbx)
