# expect: 2:11
movq %rax,%rxx
