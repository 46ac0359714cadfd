# expect: 2:5
jmp 1f
nop
