# expect: 3:20
.text
    movl $1, %eax; inc (%rax)
