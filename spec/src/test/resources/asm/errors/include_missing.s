# expect: 3:5
nop
    .include "nothere.s"
