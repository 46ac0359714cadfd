# expect: 3:1
nop
.if 1
nop
