package org.lvdcheck.spec.asm;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An AT&T mnemonic as written: the operation, the size its suffix gives (0 if none), the
 * source width of movz/movs forms, and whether it is movabs.
 */
record Spelling(String text, Mnemonic mnemonic, Condition cond, int size, int srcWidth, boolean movabs) {

    private static final Map<String, Spelling> TABLE = new HashMap<>();

    private static void add(String text, Mnemonic m, int size) {
        TABLE.put(text, new Spelling(text, m, null, size, 0, false));
    }

    /** Adds the bare name and the given suffixes (b=1, w=2, l=4, q=8). */
    private static void sized(String base, Mnemonic m, String suffixes) {
        add(base, m, 0);
        for (char c : suffixes.toCharArray()) {
            add(base + c, m, switch (c) {
                case 'b' -> 1;
                case 'w' -> 2;
                case 'l' -> 4;
                default -> 8;
            });
        }
    }

    static {
        String all = "bwlq";
        sized("mov", Mnemonic.MOV, all);
        for (String s : new String[] {"movabs"}) {
            TABLE.put(s, new Spelling(s, Mnemonic.MOV, null, 0, 0, true));
            TABLE.put(s + "q", new Spelling(s + "q", Mnemonic.MOV, null, 8, 0, true));
        }
        String[][] ext = {
            {"movzbw", "1", "2"}, {"movzbl", "1", "4"}, {"movzbq", "1", "8"}, {"movzwl", "2", "4"},
            {"movzwq", "2", "8"}, {"movsbw", "1", "2"}, {"movsbl", "1", "4"}, {"movsbq", "1", "8"},
            {"movswl", "2", "4"}, {"movswq", "2", "8"}, {"movslq", "4", "8"},
        };
        for (String[] e : ext) {
            Mnemonic m = e[0].startsWith("movz") ? Mnemonic.MOVZX : Mnemonic.MOVSX;
            TABLE.put(e[0], new Spelling(e[0], m, null, Integer.parseInt(e[2]), Integer.parseInt(e[1]), false));
        }
        sized("push", Mnemonic.PUSH, "wq");
        sized("pop", Mnemonic.POP, "wq");
        sized("call", Mnemonic.CALL, "q");
        sized("jmp", Mnemonic.JMP, "q");
        sized("ret", Mnemonic.RET, "q");
        for (String[] alu : new String[][] {{"add", "ADD"}, {"sub", "SUB"}, {"adc", "ADC"}, {"sbb", "SBB"},
                {"xor", "XOR"}, {"and", "AND"}, {"or", "OR"}, {"cmp", "CMP"}, {"test", "TEST"},
                {"inc", "INC"}, {"dec", "DEC"}, {"neg", "NEG"}, {"not", "NOT"}, {"shl", "SHL"},
                {"sal", "SHL"}, {"shr", "SHR"}, {"sar", "SAR"}, {"xchg", "XCHG"}, {"cmpxchg", "CMPXCHG"}}) {
            sized(alu[0], Mnemonic.valueOf(alu[1]), all);
        }
        sized("bt", Mnemonic.BT, "wlq");
        sized("bts", Mnemonic.BTS, "wlq");
        sized("btr", Mnemonic.BTR, "wlq");
        sized("lea", Mnemonic.LEA, "wlq");
        sized("in", Mnemonic.IN, "bwl");
        sized("out", Mnemonic.OUT, "bwl");
        sized("lldt", Mnemonic.LLDT, "w");
        sized("ltr", Mnemonic.LTR, "w");
        sized("nop", Mnemonic.NOP, "wlq"); // nopw/nopl: the multi-byte NOP 0F 1F /0
        add("pushf", Mnemonic.PUSHF, 0);
        add("pushfq", Mnemonic.PUSHF, 8);
        add("popf", Mnemonic.POPF, 0);
        add("popfq", Mnemonic.POPF, 8);
        for (Mnemonic m : new Mnemonic[] {Mnemonic.PAUSE, Mnemonic.UD2, Mnemonic.INT3,
                Mnemonic.CLI, Mnemonic.STI, Mnemonic.CLD, Mnemonic.STD, Mnemonic.CLAC, Mnemonic.STAC,
                Mnemonic.IRETQ, Mnemonic.VMFUNC, Mnemonic.CPUID, Mnemonic.VMCALL, Mnemonic.RDMSR,
                Mnemonic.WRMSR, Mnemonic.LGDT, Mnemonic.LIDT, Mnemonic.SGDT, Mnemonic.SIDT,
                Mnemonic.SWAPGS, Mnemonic.RDFSBASE, Mnemonic.RDGSBASE, Mnemonic.WRFSBASE,
                Mnemonic.WRGSBASE, Mnemonic.XSAVE, Mnemonic.XRSTOR, Mnemonic.XSAVEOPT, Mnemonic.XSAVE64,
                Mnemonic.XRSTOR64, Mnemonic.XSETBV, Mnemonic.XGETBV, Mnemonic.WRPKRU, Mnemonic.RDPKRU,
                Mnemonic.HLT, Mnemonic.LFENCE, Mnemonic.MFENCE, Mnemonic.SFENCE}) {
            add(m.name().toLowerCase(), m, 0);
        }
        // Jcc spellings (SDM Vol. 2A "Jcc"; AT&T uses the Intel names)
        String[][] jcc = {
            {"O", "jo"}, {"NO", "jno"}, {"B", "jb", "jc", "jnae"}, {"AE", "jae", "jnb", "jnc"},
            {"E", "je", "jz"}, {"NE", "jne", "jnz"}, {"BE", "jbe", "jna"}, {"A", "ja", "jnbe"},
            {"S", "js"}, {"NS", "jns"}, {"P", "jp", "jpe"}, {"NP", "jnp", "jpo"}, {"L", "jl", "jnge"},
            {"GE", "jge", "jnl"}, {"LE", "jle", "jng"}, {"G", "jg", "jnle"},
        };
        for (String[] row : jcc) {
            for (int i = 1; i < row.length; i++) {
                TABLE.put(row[i], new Spelling(row[i], Mnemonic.JCC, Condition.valueOf(row[0]), 0, 0, false));
            }
        }
    }

    static Optional<Spelling> lookup(String name) {
        return Optional.ofNullable(TABLE.get(name.toLowerCase()));
    }
}
