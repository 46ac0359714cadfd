# expect: 2:4
je %rax
