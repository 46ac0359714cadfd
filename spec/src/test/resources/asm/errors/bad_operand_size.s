# expect: 2:6
movq %eax,%rbx
