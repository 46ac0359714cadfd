# expect: 5:1
.macro SAVE r
pushq %\r
.endm
SAVE_ALL rax
