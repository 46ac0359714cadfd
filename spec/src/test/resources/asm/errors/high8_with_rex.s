# expect: 2:6
movb %ah, %r8b
