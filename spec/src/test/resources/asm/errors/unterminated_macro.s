# expect: 2:1
.macro M
nop
