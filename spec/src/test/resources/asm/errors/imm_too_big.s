# expect: 2:6
addq $0x80000000, %rax
