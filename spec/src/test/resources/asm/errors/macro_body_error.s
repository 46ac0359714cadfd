# expect: 3:12
.macro LOAD src
movq \src, %cl
.endm
LOAD %rax
