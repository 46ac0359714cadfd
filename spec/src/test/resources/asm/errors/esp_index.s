# expect: 2:12
leaq (%rax,%rsp,2), %rbx
