# expect: 3:1
nop
.else
