package org.lvdcheck.emulator.cpu;

/**
 * A segment register's visible selector and hidden part (base, limit, access rights). The access
 * rights use the VMCS format (SDM Vol. 3C 24.4.1, Table 24-2): bits 3:0 type, 4 S, 6:5 DPL, 7 P,
 * 12 AVL, 13 L (64-bit code), 14 D/B, 15 G, 16 segment unusable.
 */
public record Segment(int selector, long base, long limit, int accessRights) {
    public static final int AR_ACCESSED = 1;
    public static final int AR_S = 1 << 4;
    public static final int AR_P = 1 << 7;
    public static final int AR_L = 1 << 13;
    public static final int AR_DB = 1 << 14;
    public static final int AR_G = 1 << 15;
    public static final int AR_UNUSABLE = 1 << 16;

    public Segment {
        if (selector < 0 || selector > 0xFFFF) {
            throw new IllegalArgumentException("selector " + selector);
        }
    }

    /** A null selector with the given RPL, marked unusable (what 64-bit delivery loads into SS). */
    public static Segment nullSelector(int rpl) {
        return new Segment(rpl & 3, 0, 0, AR_UNUSABLE);
    }

    /** A present, accessed 64-bit code segment (type 0xB, L=1, D=0) with DPL = selector RPL. */
    public static Segment code64(int selector) {
        int dpl = selector & 3;
        return new Segment(selector, 0, 0xFFFFFFFFL, 0xB | AR_S | (dpl << 5) | AR_P | AR_L | AR_G);
    }

    /** A present, accessed, writable flat data segment (type 3) with DPL = selector RPL. */
    public static Segment flatData(int selector) {
        int dpl = selector & 3;
        return new Segment(selector, 0, 0xFFFFFFFFL, 0x3 | AR_S | (dpl << 5) | AR_P | AR_DB | AR_G);
    }

    /** A busy 64-bit TSS (type 0xB, as after LTR) at {@code base} with the given limit. */
    public static Segment tss64(int selector, long base, long limit) {
        return new Segment(selector, base, limit, 0xB | AR_P);
    }

    /**
     * Decodes a GDT/LDT code or data descriptor (SDM Vol. 3A 3.4.5, Figure 3-8) loaded with
     * {@code selector}: base 31:0, limit 19:0 scaled by G, and the access-rights bits.
     */
    public static Segment fromDescriptor(int selector, long descriptor) {
        long base = ((descriptor >>> 16) & 0xFFFFFFL) | (((descriptor >>> 56) & 0xFF) << 24);
        long rawLimit = (descriptor & 0xFFFF) | (((descriptor >>> 48) & 0xF) << 16);
        int ar = (int) ((descriptor >>> 40) & 0xFF) | (int) (((descriptor >>> 52) & 0xF) << 12);
        long limit = (ar & AR_G) != 0 ? (rawLimit << 12) | 0xFFF : rawLimit;
        return new Segment(selector, base, limit, ar);
    }

    public int type() {
        return accessRights & 0xF;
    }

    public int dpl() {
        return (accessRights >>> 5) & 3;
    }

    public int rpl() {
        return selector & 3;
    }

    public boolean present() {
        return (accessRights & AR_P) != 0;
    }

    public boolean longMode() {
        return (accessRights & AR_L) != 0;
    }

    public boolean unusable() {
        return (accessRights & AR_UNUSABLE) != 0;
    }

    public Segment withSelector(int v) {
        return new Segment(v, base, limit, accessRights);
    }

    public Segment withBase(long v) {
        return new Segment(selector, v, limit, accessRights);
    }

    public Segment withLimit(long v) {
        return new Segment(selector, base, v, accessRights);
    }

    public Segment withAccessRights(int v) {
        return new Segment(selector, base, limit, v);
    }
}
