# expect: 2:7
movq $0x12g, %rax
