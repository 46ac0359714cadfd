package org.lvdcheck.spec.idl;

/**
 * The arithmetic types of D4, one constant per accepted spelling so that a file prints
 * back as written; {@link #canonical()} folds spellings of the same C type.
 */
public enum Primitive {
    UNSIGNED_LONG_LONG("unsigned long long", "u64"),
    LONG_LONG_UNSIGNED_INT("long long unsigned int", "u64"),
    LONG_LONG("long long", "s64"),
    UNSIGNED_LONG("unsigned long", "ulong"),
    LONG_UNSIGNED_INT("long unsigned int", "ulong"),
    UNSIGNED_INT("unsigned int", "u32"),
    UNSIGNED_SHORT("unsigned short", "u16"),
    UNSIGNED_CHAR("unsigned char", "u8"),
    SIGNED_CHAR("signed char", "s8"),
    SHORT("short", "s16"),
    LONG("long", "long"),
    INT("int", "s32"),
    CHAR("char", "char"),
    BOOL("bool", "bool"),
    S64("s64", "s64"),
    S32("s32", "s32"),
    S16("s16", "s16"),
    S8("s8", "s8"),
    U64("u64", "u64"),
    U32("u32", "u32"),
    U16("u16", "u16"),
    U8("u8", "u8");

    private final String spelling;
    private final String canonical;

    Primitive(String spelling, String canonical) {
        this.spelling = spelling;
        this.canonical = canonical;
    }

    public String spelling() {
        return spelling;
    }

    /** The C type this spelling denotes, e.g. {@code u32} for {@code unsigned int}. */
    public String canonical() {
        return canonical;
    }

    public static Primitive bySpelling(String words) {
        for (Primitive p : values()) {
            if (p.spelling.equals(words)) {
                return p;
            }
        }
        throw new IllegalArgumentException("not a D4 primitive: " + words);
    }
}
