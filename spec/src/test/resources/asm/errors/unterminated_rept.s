# expect: 2:3
  .rept 2
  nop
