# expect: 3:2
nop
	frobnicate %rax
