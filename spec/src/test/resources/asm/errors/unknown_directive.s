# expect: 2:1
.frob 1
