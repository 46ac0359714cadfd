package org.lvdcheck.spec.asm;

/**
 * One constant per operation of the subset. AT&T spellings map onto these: movzbl/movzwq
 * are MOVZX, movsbl/movslq are MOVSX (the source operand's width tells them apart), sal is
 * SHL, every jcc is JCC with a {@link Condition}, pushfq is PUSHF. MOV covers moves to and
 * from control and debug registers too; the register's {@link RegKind} distinguishes them.
 */
public enum Mnemonic {
    MOV, MOVZX, MOVSX, PUSH, POP, CALL, RET, JMP, JCC,
    CMP, TEST, ADD, SUB, ADC, SBB, XOR, AND, OR,
    INC, DEC, NEG, NOT, SHL, SHR, SAR, BT, BTS, BTR,
    LEA, XCHG, CMPXCHG,
    NOP, PAUSE, UD2, INT3, CLI, STI, CLD, STD, CLAC, STAC,
    PUSHF, POPF, IRETQ, VMFUNC, CPUID, VMCALL,
    RDMSR, WRMSR, LGDT, LIDT, SGDT, SIDT, LLDT, LTR, SWAPGS,
    RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE,
    XSAVE, XRSTOR, XSAVEOPT, XSAVE64, XRSTOR64, XSETBV, XGETBV, WRPKRU, RDPKRU,
    HLT, IN, OUT, LFENCE, MFENCE, SFENCE
}
