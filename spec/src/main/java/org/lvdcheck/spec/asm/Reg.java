package org.lvdcheck.spec.asm;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The registers the instruction subset names. GPR numbers follow the SDM encoding order
 * (Vol. 2A 2.1.5, Table 2-2 and 3.1.1.1): rax=0 ... rdi=7, r8..r15=8..15; AH..BH are the
 * legacy high-byte registers encoded as 4..7 without REX, reported here as 0..3 (the GPR
 * whose bits 15:8 they name).
 */
public enum Reg {
    RAX("rax", 0, 8, RegKind.GPR, false, false),
    RCX("rcx", 1, 8, RegKind.GPR, false, false),
    RDX("rdx", 2, 8, RegKind.GPR, false, false),
    RBX("rbx", 3, 8, RegKind.GPR, false, false),
    RSP("rsp", 4, 8, RegKind.GPR, false, false),
    RBP("rbp", 5, 8, RegKind.GPR, false, false),
    RSI("rsi", 6, 8, RegKind.GPR, false, false),
    RDI("rdi", 7, 8, RegKind.GPR, false, false),
    R8("r8", 8, 8, RegKind.GPR, false, true),
    R9("r9", 9, 8, RegKind.GPR, false, true),
    R10("r10", 10, 8, RegKind.GPR, false, true),
    R11("r11", 11, 8, RegKind.GPR, false, true),
    R12("r12", 12, 8, RegKind.GPR, false, true),
    R13("r13", 13, 8, RegKind.GPR, false, true),
    R14("r14", 14, 8, RegKind.GPR, false, true),
    R15("r15", 15, 8, RegKind.GPR, false, true),
    EAX("eax", 0, 4, RegKind.GPR, false, false),
    ECX("ecx", 1, 4, RegKind.GPR, false, false),
    EDX("edx", 2, 4, RegKind.GPR, false, false),
    EBX("ebx", 3, 4, RegKind.GPR, false, false),
    ESP("esp", 4, 4, RegKind.GPR, false, false),
    EBP("ebp", 5, 4, RegKind.GPR, false, false),
    ESI("esi", 6, 4, RegKind.GPR, false, false),
    EDI("edi", 7, 4, RegKind.GPR, false, false),
    R8D("r8d", 8, 4, RegKind.GPR, false, true),
    R9D("r9d", 9, 4, RegKind.GPR, false, true),
    R10D("r10d", 10, 4, RegKind.GPR, false, true),
    R11D("r11d", 11, 4, RegKind.GPR, false, true),
    R12D("r12d", 12, 4, RegKind.GPR, false, true),
    R13D("r13d", 13, 4, RegKind.GPR, false, true),
    R14D("r14d", 14, 4, RegKind.GPR, false, true),
    R15D("r15d", 15, 4, RegKind.GPR, false, true),
    AX("ax", 0, 2, RegKind.GPR, false, false),
    CX("cx", 1, 2, RegKind.GPR, false, false),
    DX("dx", 2, 2, RegKind.GPR, false, false),
    BX("bx", 3, 2, RegKind.GPR, false, false),
    SP("sp", 4, 2, RegKind.GPR, false, false),
    BP("bp", 5, 2, RegKind.GPR, false, false),
    SI("si", 6, 2, RegKind.GPR, false, false),
    DI("di", 7, 2, RegKind.GPR, false, false),
    R8W("r8w", 8, 2, RegKind.GPR, false, true),
    R9W("r9w", 9, 2, RegKind.GPR, false, true),
    R10W("r10w", 10, 2, RegKind.GPR, false, true),
    R11W("r11w", 11, 2, RegKind.GPR, false, true),
    R12W("r12w", 12, 2, RegKind.GPR, false, true),
    R13W("r13w", 13, 2, RegKind.GPR, false, true),
    R14W("r14w", 14, 2, RegKind.GPR, false, true),
    R15W("r15w", 15, 2, RegKind.GPR, false, true),
    AL("al", 0, 1, RegKind.GPR, false, false),
    CL("cl", 1, 1, RegKind.GPR, false, false),
    DL("dl", 2, 1, RegKind.GPR, false, false),
    BL("bl", 3, 1, RegKind.GPR, false, false),
    SPL("spl", 4, 1, RegKind.GPR, false, true),
    BPL("bpl", 5, 1, RegKind.GPR, false, true),
    SIL("sil", 6, 1, RegKind.GPR, false, true),
    DIL("dil", 7, 1, RegKind.GPR, false, true),
    R8B("r8b", 8, 1, RegKind.GPR, false, true),
    R9B("r9b", 9, 1, RegKind.GPR, false, true),
    R10B("r10b", 10, 1, RegKind.GPR, false, true),
    R11B("r11b", 11, 1, RegKind.GPR, false, true),
    R12B("r12b", 12, 1, RegKind.GPR, false, true),
    R13B("r13b", 13, 1, RegKind.GPR, false, true),
    R14B("r14b", 14, 1, RegKind.GPR, false, true),
    R15B("r15b", 15, 1, RegKind.GPR, false, true),
    AH("ah", 0, 1, RegKind.GPR, true, false),
    CH("ch", 1, 1, RegKind.GPR, true, false),
    DH("dh", 2, 1, RegKind.GPR, true, false),
    BH("bh", 3, 1, RegKind.GPR, true, false),
    RIP("rip", -1, 8, RegKind.RIP, false, false),
    ES("es", -1, 2, RegKind.SEGMENT, false, false, 0),
    CS("cs", -1, 2, RegKind.SEGMENT, false, false, 1),
    SS("ss", -1, 2, RegKind.SEGMENT, false, false, 2),
    DS("ds", -1, 2, RegKind.SEGMENT, false, false, 3),
    FS("fs", -1, 2, RegKind.SEGMENT, false, false, 4),
    GS("gs", -1, 2, RegKind.SEGMENT, false, false, 5),
    CR0("cr0", -1, 8, RegKind.CONTROL, false, false, 0),
    CR2("cr2", -1, 8, RegKind.CONTROL, false, false, 2),
    CR3("cr3", -1, 8, RegKind.CONTROL, false, false, 3),
    CR4("cr4", -1, 8, RegKind.CONTROL, false, false, 4),
    CR8("cr8", -1, 8, RegKind.CONTROL, false, true, 8),
    DR0("dr0", -1, 8, RegKind.DEBUG, false, false, 0),
    DR1("dr1", -1, 8, RegKind.DEBUG, false, false, 1),
    DR2("dr2", -1, 8, RegKind.DEBUG, false, false, 2),
    DR3("dr3", -1, 8, RegKind.DEBUG, false, false, 3),
    DR4("dr4", -1, 8, RegKind.DEBUG, false, false, 4),
    DR5("dr5", -1, 8, RegKind.DEBUG, false, false, 5),
    DR6("dr6", -1, 8, RegKind.DEBUG, false, false, 6),
    DR7("dr7", -1, 8, RegKind.DEBUG, false, false, 7);

    private static final Map<String, Reg> BY_NAME = new HashMap<>();

    static {
        for (Reg r : values()) {
            BY_NAME.put(r.asmName, r);
        }
        // GNU as spells debug registers %db0..%db7 as well as %dr0..%dr7.
        for (int i = 0; i < 8; i++) {
            BY_NAME.put("db" + i, valueOf("DR" + i));
        }
    }

    private final String asmName;
    private final int gpr;
    private final int width;
    private final RegKind kind;
    private final boolean high8;
    private final boolean needsRex;
    private final int number;

    Reg(String asmName, int gpr, int width, RegKind kind, boolean high8, boolean needsRex) {
        this(asmName, gpr, width, kind, high8, needsRex, gpr);
    }

    Reg(String asmName, int gpr, int width, RegKind kind, boolean high8, boolean needsRex, int number) {
        this.asmName = asmName;
        this.gpr = gpr;
        this.width = width;
        this.kind = kind;
        this.high8 = high8;
        this.needsRex = needsRex;
        this.number = number;
    }

    /** GPR number 0..15 in SDM encoding order (AH..BH: 0..3), -1 for other registers. */
    public int gpr() {
        return gpr;
    }

    /** Width in bytes (segment registers 2, control and debug registers 8). */
    public int width() {
        return width;
    }

    /** True for AH, CH, DH, BH (bits 15:8 of rax..rbx). */
    public boolean high8() {
        return high8;
    }

    public RegKind kind() {
        return kind;
    }

    /** The name as written after '%' in AT&T syntax. */
    public String asmName() {
        return asmName;
    }

    /**
     * The number in the ModRM reg/rm field including the REX extension bit: GPRs 0..15
     * (AH..BH 4..7), segment registers ES=0..GS=5, CRn and DRn their n.
     */
    int encoding() {
        return high8 ? gpr + 4 : number;
    }

    /** True when encoding this register requires a REX prefix (r8..r15, spl/bpl/sil/dil, cr8). */
    boolean needsRex() {
        return needsRex;
    }

    /** The register named {@code name} (without '%', case-insensitive; %db0 is DR0). */
    public static Optional<Reg> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The general-purpose register with SDM number {@code gpr} (0..15) and the given width. */
    public static Reg ofGpr(int gpr, int width) {
        for (Reg r : values()) {
            if (r.kind == RegKind.GPR && r.gpr == gpr && r.width == width && !r.high8) {
                return r;
            }
        }
        throw new IllegalArgumentException("no GPR " + gpr + " of width " + width);
    }
}
