# expect: 2:11
mov %cr3, %eax
