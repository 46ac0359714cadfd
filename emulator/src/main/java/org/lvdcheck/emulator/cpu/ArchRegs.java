package org.lvdcheck.emulator.cpu;

import java.util.Arrays;
import java.util.Objects;
import org.lvdcheck.emulator.mem.Hash64;

/**
 * The architectural register file of one logical processor, immutable: every change returns a
 * new value (withers for single fields, {@link Builder} for several). GPRs are numbered as in the
 * SDM (Vol. 2A 2.1.5, Table 2-2: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15),
 * segment registers as in the VMX instruction-information field (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS).
 * Extended state (x87, SSE, AVX) is modelled by one opaque 64-bit token per XSAVE component so that
 * save/restore can be checked without modelling the registers themselves.
 *
 * <p>Taint (DESIGN.md §3, the compromised driver): a mask of {@code T_*} bits says which registers
 * hold ⊤, a value the attacker chose. A tainted register's value is canonically 0, so every ⊤
 * register file with the same concrete rest is one state; {@link #equals} and
 * {@link #contentHash} include the mask. The control flags IF, DF, AC and TF are never ⊤ (the
 * adversary picks them concretely); {@link #T_FLAGS} covers the six status flags. A concrete
 * write of a register clears its bit; {@link #withTaint} sets bits.
 *
 * <p>Generated once from a field list; edit by hand.
 */
public final class ArchRegs {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final int R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    /** XSAVE state components of the extended-state tokens (SDM Vol. 1 13.1). */
    public static final int XSTATE_X87 = 0, XSTATE_SSE = 1, XSTATE_AVX = 2;

    /** Taint bits: bit n (0..15) is GPR n; then the status flags, segment bases, and the rest. */
    public static final long T_GPRS = 0xFFFFL;
    public static final long T_FLAGS = 1L << 16, T_FS_BASE = 1L << 17, T_GS_BASE = 1L << 18,
            T_KERNEL_GS_BASE = 1L << 19, T_DR = 1L << 20, T_XCR0 = 1L << 21, T_PKRU = 1L << 22,
            T_MXCSR = 1L << 23, T_X87 = 1L << 24, T_SSE = 1L << 25, T_AVX = 1L << 26, T_RIP = 1L << 27;
    /** Every taint bit. */
    public static final long T_ALL = (1L << 28) - 1;
    /** The status flags T_FLAGS covers (SDM Vol. 1 3.4.3.1). */
    public static final long STATUS_FLAGS = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.OF;
    private static final long[] T_XSTATE = {T_X87, T_SSE, T_AVX};
    private static final long[] NO_MSRS = {};

    /** The taint bit of GPR {@code n}. */
    public static long tGpr(int n) {
        return 1L << n;
    }

    /** The taint bit of XSAVE component {@code c}. */
    public static long tXstate(int c) {
        return T_XSTATE[c];
    }

    private final long[] gprs;
    private final long rip;
    private final long rflags;
    private final Segment es;
    private final Segment cs;
    private final Segment ss;
    private final Segment ds;
    private final Segment fs;
    private final Segment gs;
    private final Segment ldtr;
    private final Segment tr;
    private final DescriptorTableReg gdtr;
    private final DescriptorTableReg idtr;
    private final long kernelGsBase;
    private final long cr0;
    private final long cr2;
    private final long cr3;
    private final long cr4;
    private final long cr8;
    private final long efer;
    private final long dr0;
    private final long dr1;
    private final long dr2;
    private final long dr3;
    private final long dr6;
    private final long dr7;
    private final long xcr0;
    private final int pkru;
    private final int mxcsr;
    private final long x87State;
    private final long sseState;
    private final long avxState;
    /** The other MSRs written since boot, as (index, value) pairs sorted by index ({@link #msr}). */
    private final long[] msrs;
    private final boolean blockingBySti;
    private final boolean blockingByMovSs;
    private final boolean blockingByNmi;
    private final ActivityState activity;
    private final long taint;

    private ArchRegs(Builder b) {
        long t = b.taint & T_ALL;
        this.taint = t;
        this.gprs = b.gprs.clone();
        for (int n = 0; (t & T_GPRS) != 0 && n < 16; n++) {
            if ((t & tGpr(n)) != 0) {
                gprs[n] = 0;
            }
        }
        this.rip = (t & T_RIP) != 0 ? 0 : b.rip;
        this.rflags = (t & T_FLAGS) != 0 ? b.rflags & ~STATUS_FLAGS : b.rflags;
        this.es = Objects.requireNonNull(b.es, "es");
        this.cs = Objects.requireNonNull(b.cs, "cs");
        this.ss = Objects.requireNonNull(b.ss, "ss");
        this.ds = Objects.requireNonNull(b.ds, "ds");
        this.fs = (t & T_FS_BASE) != 0 ? b.fs.withBase(0) : Objects.requireNonNull(b.fs, "fs");
        this.gs = (t & T_GS_BASE) != 0 ? b.gs.withBase(0) : Objects.requireNonNull(b.gs, "gs");
        this.ldtr = Objects.requireNonNull(b.ldtr, "ldtr");
        this.tr = Objects.requireNonNull(b.tr, "tr");
        this.gdtr = Objects.requireNonNull(b.gdtr, "gdtr");
        this.idtr = Objects.requireNonNull(b.idtr, "idtr");
        this.kernelGsBase = (t & T_KERNEL_GS_BASE) != 0 ? 0 : b.kernelGsBase;
        this.cr0 = b.cr0;
        this.cr2 = b.cr2;
        this.cr3 = b.cr3;
        this.cr4 = b.cr4;
        this.cr8 = b.cr8;
        this.efer = b.efer;
        boolean dr = (t & T_DR) != 0;
        this.dr0 = dr ? 0 : b.dr0;
        this.dr1 = dr ? 0 : b.dr1;
        this.dr2 = dr ? 0 : b.dr2;
        this.dr3 = dr ? 0 : b.dr3;
        this.dr6 = dr ? 0 : b.dr6;
        this.dr7 = dr ? 0 : b.dr7;
        this.xcr0 = (t & T_XCR0) != 0 ? 0 : b.xcr0;
        this.pkru = (t & T_PKRU) != 0 ? 0 : b.pkru;
        this.mxcsr = (t & T_MXCSR) != 0 ? 0 : b.mxcsr;
        this.x87State = (t & T_X87) != 0 ? 0 : b.x87State;
        this.sseState = (t & T_SSE) != 0 ? 0 : b.sseState;
        this.avxState = (t & T_AVX) != 0 ? 0 : b.avxState;
        this.msrs = b.msrs;
        this.blockingBySti = b.blockingBySti;
        this.blockingByMovSs = b.blockingByMovSs;
        this.blockingByNmi = b.blockingByNmi;
        this.activity = Objects.requireNonNull(b.activity, "activity");
    }

    /** All-zero registers, RFLAGS = 2, unusable null segments, ACTIVE: a blank to build from. */
    public static ArchRegs zero() {
        return new Builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The full 64-bit GPR {@code n} (0..15). */
    public long gpr(int n) {
        return gprs[n];
    }

    /** The taint mask ({@code T_*} bits). */
    public long taintMask() {
        return taint;
    }

    /** Whether any of the {@code bits} is tainted. */
    public boolean tainted(long bits) {
        return (taint & bits) != 0;
    }

    /** Whether GPR {@code n} holds ⊤. */
    public boolean gprTainted(int n) {
        return (taint & tGpr(n)) != 0;
    }

    /** The same registers with the taint mask replaced (tainted values become canonical 0). */
    public ArchRegs withTaintMask(long mask) {
        return mask == taint ? this : toBuilder().taint(mask).build();
    }

    /** The same registers with {@code bits} tainted (set to ⊤) or untainted (their current values kept). */
    public ArchRegs withTaint(long bits, boolean tainted) {
        return withTaintMask(tainted ? taint | bits : taint & ~bits);
    }

    /**
     * Reads GPR {@code n} with an operand size of {@code widthBits} (8, 16, 32 or 64), zero-extended.
     * {@code high8} selects AH/CH/DH/BH (n = 0..3, width 8), the legacy encodings 4..7 without REX.
     */
    public long gpr(int n, int widthBits, boolean high8) {
        long v = gprs[n];
        switch (widthBits) {
            case 8:
                if (high8) {
                    checkHigh8(n);
                    return (v >>> 8) & 0xFF;
                }
                return v & 0xFF;
            case 16:
                return v & 0xFFFF;
            case 32:
                return v & 0xFFFFFFFFL;
            case 64:
                return v;
            default:
                throw new IllegalArgumentException("operand size " + widthBits);
        }
    }

    /**
     * Writes GPR {@code n} with the SDM operand-size rules (Vol. 1 3.4.1.1): a 32-bit write
     * zero-extends to 64 bits; 8- and 16-bit writes merge into the unchanged upper bits.
     */
    public ArchRegs withGpr(int n, int widthBits, boolean high8, long value) {
        if (widthBits == 32 || widthBits == 64) {
            long v = widthBits == 32 ? value & 0xFFFFFFFFL : value;
            return withGpr(n, v);
        }
        if (gprTainted(n)) {
            return this; // a partial write of clean data into ⊤ leaves it ⊤
        }
        long old = gprs[n];
        long v;
        switch (widthBits) {
            case 8:
                if (high8) {
                    checkHigh8(n);
                    v = (old & ~0xFF00L) | ((value & 0xFF) << 8);
                } else {
                    v = (old & ~0xFFL) | (value & 0xFF);
                }
                break;
            case 16:
                v = (old & ~0xFFFFL) | (value & 0xFFFF);
                break;
            default:
                throw new IllegalArgumentException("operand size " + widthBits);
        }
        if (v == old) {
            return this;
        }
        return toBuilder().gpr(n, v).build();
    }

    /** Writes the full 64-bit GPR {@code n} with a concrete value (clearing its taint). */
    public ArchRegs withGpr(int n, long value) {
        return gprs[n] == value && !gprTainted(n) ? this : toBuilder().gpr(n, value).build();
    }

    private static void checkHigh8(int n) {
        if (n < 0 || n > 3) {
            throw new IllegalArgumentException("AH/CH/DH/BH exist only for registers 0..3, got " + n);
        }
    }

    public long rsp() {
        return gprs[RSP];
    }

    public ArchRegs withRsp(long v) {
        return withGpr(RSP, v);
    }

    /** Current privilege level: CS.RPL, bits 1:0 of the CS selector (SDM Vol. 3A 5.5). */
    public int cpl() {
        return cs.selector() & 3;
    }

    /** Segment register by number (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS). */
    public Segment seg(int sreg) {
        switch (sreg) {
            case ES: return es;
            case CS: return cs;
            case SS: return ss;
            case DS: return ds;
            case FS: return fs;
            case GS: return gs;
            default: throw new IllegalArgumentException("segment register " + sreg);
        }
    }

    public ArchRegs withSeg(int sreg, Segment s) {
        Builder b = toBuilder();
        switch (sreg) {
            case ES: b.es(s); break;
            case CS: b.cs(s); break;
            case SS: b.ss(s); break;
            case DS: b.ds(s); break;
            case FS: b.fs(s); break;
            case GS: b.gs(s); break;
            default: throw new IllegalArgumentException("segment register " + sreg);
        }
        return b.build();
    }

    /** FS.base (what WRFSBASE writes and IA32_FS_BASE aliases). */
    public long fsBase() {
        return fs.base();
    }

    /** GS.base (what WRGSBASE writes, IA32_GS_BASE aliases, and SWAPGS exchanges). */
    public long gsBase() {
        return gs.base();
    }

    public ArchRegs withFsBase(long v) {
        return toBuilder().fs(fs.withBase(v)).build();
    }

    public ArchRegs withGsBase(long v) {
        return toBuilder().gs(gs.withBase(v)).build();
    }

    /** Debug register DRn for n in {0,1,2,3,6,7}. */
    public long dr(int n) {
        switch (n) {
            case 0: return dr0;
            case 1: return dr1;
            case 2: return dr2;
            case 3: return dr3;
            case 6: return dr6;
            case 7: return dr7;
            default: throw new IllegalArgumentException("DR" + n);
        }
    }

    public ArchRegs withDr(int n, long v) {
        Builder b = toBuilder();
        switch (n) {
            case 0: b.dr0(v); break;
            case 1: b.dr1(v); break;
            case 2: b.dr2(v); break;
            case 3: b.dr3(v); break;
            case 6: b.dr6(v); break;
            case 7: b.dr7(v); break;
            default: throw new IllegalArgumentException("DR" + n);
        }
        return b.build();
    }

    /** The extended-state token of XSAVE component {@code c} (XSTATE_X87, XSTATE_SSE, XSTATE_AVX). */
    public long xstate(int c) {
        switch (c) {
            case XSTATE_X87: return x87State;
            case XSTATE_SSE: return sseState;
            case XSTATE_AVX: return avxState;
            default: throw new IllegalArgumentException("XSAVE component " + c);
        }
    }

    public ArchRegs withXstate(int c, long v) {
        Builder b = toBuilder();
        switch (c) {
            case XSTATE_X87: b.x87State(v); break;
            case XSTATE_SSE: b.sseState(v); break;
            case XSTATE_AVX: b.avxState(v); break;
            default: throw new IllegalArgumentException("XSAVE component " + c);
        }
        return b.build();
    }

    /** The VMCS interruptibility-state encoding (SDM Vol. 3C 24.4.2, Table 24-3): bits 0, 1, 3. */
    public int interruptibility() {
        return (blockingBySti ? 1 : 0) | (blockingByMovSs ? 2 : 0) | (blockingByNmi ? 8 : 0);
    }

    /** RIP. */
    public long rip() {
        return rip;
    }

    public ArchRegs withRip(long v) {
        return toBuilder().rip(v).build();
    }

    /** RFLAGS. */
    public long rflags() {
        return rflags;
    }

    public ArchRegs withRflags(long v) {
        return toBuilder().rflags(v).build();
    }

    /** ES. */
    public Segment es() {
        return es;
    }

    public ArchRegs withEs(Segment v) {
        return toBuilder().es(v).build();
    }

    /** CS. */
    public Segment cs() {
        return cs;
    }

    public ArchRegs withCs(Segment v) {
        return toBuilder().cs(v).build();
    }

    /** SS. */
    public Segment ss() {
        return ss;
    }

    public ArchRegs withSs(Segment v) {
        return toBuilder().ss(v).build();
    }

    /** DS. */
    public Segment ds() {
        return ds;
    }

    public ArchRegs withDs(Segment v) {
        return toBuilder().ds(v).build();
    }

    /** FS; its base is FS.base. */
    public Segment fs() {
        return fs;
    }

    public ArchRegs withFs(Segment v) {
        return toBuilder().fs(v).build();
    }

    /** GS; its base is GS.base. */
    public Segment gs() {
        return gs;
    }

    public ArchRegs withGs(Segment v) {
        return toBuilder().gs(v).build();
    }

    /** LDTR. */
    public Segment ldtr() {
        return ldtr;
    }

    public ArchRegs withLdtr(Segment v) {
        return toBuilder().ldtr(v).build();
    }

    /** TR. */
    public Segment tr() {
        return tr;
    }

    public ArchRegs withTr(Segment v) {
        return toBuilder().tr(v).build();
    }

    /** GDTR. */
    public DescriptorTableReg gdtr() {
        return gdtr;
    }

    public ArchRegs withGdtr(DescriptorTableReg v) {
        return toBuilder().gdtr(v).build();
    }

    /** IDTR. */
    public DescriptorTableReg idtr() {
        return idtr;
    }

    public ArchRegs withIdtr(DescriptorTableReg v) {
        return toBuilder().idtr(v).build();
    }

    /** IA32_KERNEL_GS_BASE (the value SWAPGS exchanges with GS.base). */
    public long kernelGsBase() {
        return kernelGsBase;
    }

    public ArchRegs withKernelGsBase(long v) {
        return toBuilder().kernelGsBase(v).build();
    }

    /** CR0. */
    public long cr0() {
        return cr0;
    }

    public ArchRegs withCr0(long v) {
        return toBuilder().cr0(v).build();
    }

    /** CR2. */
    public long cr2() {
        return cr2;
    }

    public ArchRegs withCr2(long v) {
        return toBuilder().cr2(v).build();
    }

    /** CR3. */
    public long cr3() {
        return cr3;
    }

    public ArchRegs withCr3(long v) {
        return toBuilder().cr3(v).build();
    }

    /** CR4. */
    public long cr4() {
        return cr4;
    }

    public ArchRegs withCr4(long v) {
        return toBuilder().cr4(v).build();
    }

    /** CR8 = TPR[7:4]. */
    public long cr8() {
        return cr8;
    }

    public ArchRegs withCr8(long v) {
        return toBuilder().cr8(v).build();
    }

    /** IA32_EFER. */
    public long efer() {
        return efer;
    }

    public ArchRegs withEfer(long v) {
        return toBuilder().efer(v).build();
    }

    /** DR0. */
    public long dr0() {
        return dr0;
    }

    public ArchRegs withDr0(long v) {
        return toBuilder().dr0(v).build();
    }

    /** DR1. */
    public long dr1() {
        return dr1;
    }

    public ArchRegs withDr1(long v) {
        return toBuilder().dr1(v).build();
    }

    /** DR2. */
    public long dr2() {
        return dr2;
    }

    public ArchRegs withDr2(long v) {
        return toBuilder().dr2(v).build();
    }

    /** DR3. */
    public long dr3() {
        return dr3;
    }

    public ArchRegs withDr3(long v) {
        return toBuilder().dr3(v).build();
    }

    /** DR6. */
    public long dr6() {
        return dr6;
    }

    public ArchRegs withDr6(long v) {
        return toBuilder().dr6(v).build();
    }

    /** DR7. */
    public long dr7() {
        return dr7;
    }

    public ArchRegs withDr7(long v) {
        return toBuilder().dr7(v).build();
    }

    /** XCR0. */
    public long xcr0() {
        return xcr0;
    }

    public ArchRegs withXcr0(long v) {
        return toBuilder().xcr0(v).build();
    }

    /** PKRU. */
    public int pkru() {
        return pkru;
    }

    public ArchRegs withPkru(int v) {
        return toBuilder().pkru(v).build();
    }

    /** MXCSR. */
    public int mxcsr() {
        return mxcsr;
    }

    public ArchRegs withMxcsr(int v) {
        return toBuilder().mxcsr(v).build();
    }

    /** Opaque token for the x87 XSAVE component (state component 0). */
    public long x87State() {
        return x87State;
    }

    public ArchRegs withX87State(long v) {
        return toBuilder().x87State(v).build();
    }

    /** Opaque token for the SSE XSAVE component (state component 1). */
    public long sseState() {
        return sseState;
    }

    public ArchRegs withSseState(long v) {
        return toBuilder().sseState(v).build();
    }

    /** Opaque token for the AVX XSAVE component (state component 2). */
    public long avxState() {
        return avxState;
    }

    /**
     * The value of an MSR without a field of its own (the SYSCALL/SYSENTER entry points, PAT, the
     * x2APIC ICR, ...): the last value written, 0 if none since boot.
     */
    public long msr(long index) {
        for (int i = 0; i < msrs.length; i += 2) {
            if (msrs[i] == index) {
                return msrs[i + 1];
            }
        }
        return 0;
    }

    /** The register file with MSR {@code index} (one without a field of its own) holding {@code v}. */
    public ArchRegs withMsr(long index, long v) {
        int at = 0;
        while (at < msrs.length && msrs[at] < index) {
            at += 2;
        }
        long[] n;
        if (at < msrs.length && msrs[at] == index) {
            if (msrs[at + 1] == v) {
                return this;
            }
            n = msrs.clone();
        } else {
            n = new long[msrs.length + 2];
            System.arraycopy(msrs, 0, n, 0, at);
            System.arraycopy(msrs, at, n, at + 2, msrs.length - at);
            n[at] = index;
        }
        n[at + 1] = v;
        Builder b = toBuilder();
        b.msrs = n;
        return b.build();
    }

    public ArchRegs withAvxState(long v) {
        return toBuilder().avxState(v).build();
    }

    /** Blocking by STI (interruptibility bit 0). */
    public boolean blockingBySti() {
        return blockingBySti;
    }

    public ArchRegs withBlockingBySti(boolean v) {
        return toBuilder().blockingBySti(v).build();
    }

    /** Blocking by MOV SS (interruptibility bit 1). */
    public boolean blockingByMovSs() {
        return blockingByMovSs;
    }

    public ArchRegs withBlockingByMovSs(boolean v) {
        return toBuilder().blockingByMovSs(v).build();
    }

    /** Blocking by NMI (interruptibility bit 3). */
    public boolean blockingByNmi() {
        return blockingByNmi;
    }

    public ArchRegs withBlockingByNmi(boolean v) {
        return toBuilder().blockingByNmi(v).build();
    }

    /** Activity state. */
    public ActivityState activity() {
        return activity;
    }

    public ArchRegs withActivity(ActivityState v) {
        return toBuilder().activity(v).build();
    }

    @Override
    public boolean equals(Object obj) {
        if (this == obj) {
            return true;
        }
        if (!(obj instanceof ArchRegs o)) {
            return false;
        }
        return Arrays.equals(gprs, o.gprs)
                && rip == o.rip
                && rflags == o.rflags
                && es.equals(o.es)
                && cs.equals(o.cs)
                && ss.equals(o.ss)
                && ds.equals(o.ds)
                && fs.equals(o.fs)
                && gs.equals(o.gs)
                && ldtr.equals(o.ldtr)
                && tr.equals(o.tr)
                && gdtr.equals(o.gdtr)
                && idtr.equals(o.idtr)
                && kernelGsBase == o.kernelGsBase
                && cr0 == o.cr0
                && cr2 == o.cr2
                && cr3 == o.cr3
                && cr4 == o.cr4
                && cr8 == o.cr8
                && efer == o.efer
                && dr0 == o.dr0
                && dr1 == o.dr1
                && dr2 == o.dr2
                && dr3 == o.dr3
                && dr6 == o.dr6
                && dr7 == o.dr7
                && xcr0 == o.xcr0
                && pkru == o.pkru
                && mxcsr == o.mxcsr
                && x87State == o.x87State
                && sseState == o.sseState
                && avxState == o.avxState
                && Arrays.equals(msrs, o.msrs)
                && blockingBySti == o.blockingBySti
                && blockingByMovSs == o.blockingByMovSs
                && blockingByNmi == o.blockingByNmi
                && activity.equals(o.activity)
                && taint == o.taint;
    }

    @Override
    public int hashCode() {
        long h = contentHash(0);
        return (int) (h ^ (h >>> 32));
    }

    /** One value a tool derives from this immutable object and keeps with it, with its owner: {owner, value}. */
    private volatile Object[] derived;

    /** The value {@code owner} derived from this object and kept with it ({@link #keep}), or null. */
    public Object derived(Object owner) {
        Object[] d = derived;
        return d != null && d[0] == owner ? d[1] : null;
    }

    /** Keeps {@code value}, derived by {@code owner} (one owner's value at a time; not part of the contents). */
    public void keep(Object owner, Object value) {
        derived = new Object[] {owner, value};
    }

    /** The seed and value of the last {@link #contentHash(long)} (the register file is immutable). */
    private volatile Hash64.Seeded hashCache;

    /** Deterministic 64-bit fingerprint of every register (for the model checker's state hash). */
    public long contentHash(long seed) {
        Hash64.Seeded c = hashCache;
        if (!Hash64.Seeded.holds(c, seed)) {
            c = new Hash64.Seeded(seed, computeHash(seed));
            hashCache = c;
        }
        return c.value();
    }

    private long computeHash(long seed) {
        long h = Hash64.mix(seed ^ 0x41726368L);
        for (long g : gprs) {
            h = Hash64.combine(h, g);
        }
        h = Hash64.combine(h, rip);
        h = Hash64.combine(h, rflags);
        h = hashSegment(h, es);
        h = hashSegment(h, cs);
        h = hashSegment(h, ss);
        h = hashSegment(h, ds);
        h = hashSegment(h, fs);
        h = hashSegment(h, gs);
        h = hashSegment(h, ldtr);
        h = hashSegment(h, tr);
        h = Hash64.combine(Hash64.combine(h, gdtr.base()), gdtr.limit());
        h = Hash64.combine(Hash64.combine(h, idtr.base()), idtr.limit());
        h = Hash64.combine(h, kernelGsBase);
        h = Hash64.combine(h, cr0);
        h = Hash64.combine(h, cr2);
        h = Hash64.combine(h, cr3);
        h = Hash64.combine(h, cr4);
        h = Hash64.combine(h, cr8);
        h = Hash64.combine(h, efer);
        h = Hash64.combine(h, dr0);
        h = Hash64.combine(h, dr1);
        h = Hash64.combine(h, dr2);
        h = Hash64.combine(h, dr3);
        h = Hash64.combine(h, dr6);
        h = Hash64.combine(h, dr7);
        h = Hash64.combine(h, xcr0);
        h = Hash64.combine(h, pkru);
        h = Hash64.combine(h, mxcsr);
        h = Hash64.combine(h, x87State);
        h = Hash64.combine(h, sseState);
        h = Hash64.combine(h, avxState);
        for (long m : msrs) {
            h = Hash64.combine(h, m);
        }
        h = Hash64.combine(h, blockingBySti ? 1 : 0);
        h = Hash64.combine(h, blockingByMovSs ? 1 : 0);
        h = Hash64.combine(h, blockingByNmi ? 1 : 0);
        h = Hash64.combine(h, activity.ordinal());
        h = Hash64.combine(h, taint);
        return Hash64.mix(h);
    }

    private static long hashSegment(long h, Segment s) {
        h = Hash64.combine(h, s.selector());
        h = Hash64.combine(h, s.base());
        h = Hash64.combine(h, s.limit());
        return Hash64.combine(h, s.accessRights());
    }

    @Override
    public String toString() {
        return String.format("ArchRegs[rip=%x rsp=%x rflags=%x cs=%x ss=%x cr3=%x cpl=%d %s%s]",
                rip, gprs[RSP], rflags, cs.selector(), ss.selector(), cr3, cpl(), activity,
                taint == 0 ? "" : String.format(" taint=%x", taint));
    }

    /** The reset value of every segment register of a {@link Builder} (an immutable value, shared). */
    private static final Segment NULL_SEGMENT = Segment.nullSelector(0);

    /** Mutable builder; {@link #build()} snapshots it. */
    public static final class Builder {
        private final long[] gprs;
        private long rip;
        private long rflags = Rflags.FIXED1;
        private Segment es = NULL_SEGMENT;
        private Segment cs = NULL_SEGMENT;
        private Segment ss = NULL_SEGMENT;
        private Segment ds = NULL_SEGMENT;
        private Segment fs = NULL_SEGMENT;
        private Segment gs = NULL_SEGMENT;
        private Segment ldtr = NULL_SEGMENT;
        private Segment tr = NULL_SEGMENT;
        private DescriptorTableReg gdtr = DescriptorTableReg.ZERO;
        private DescriptorTableReg idtr = DescriptorTableReg.ZERO;
        private long kernelGsBase;
        private long cr0;
        private long cr2;
        private long cr3;
        private long cr4;
        private long cr8;
        private long efer;
        private long dr0;
        private long dr1;
        private long dr2;
        private long dr3;
        private long dr6 = 0xFFFF0FF0L;
        private long dr7 = 0x400;
        private long xcr0 = 1;
        private int pkru;
        private int mxcsr = 0x1F80;
        private long x87State;
        private long sseState;
        private long avxState;
        private long[] msrs = NO_MSRS;
        private boolean blockingBySti;
        private boolean blockingByMovSs;
        private boolean blockingByNmi;
        private ActivityState activity = ActivityState.ACTIVE;
        private long taint;

        private Builder() {
            this.gprs = new long[16];
        }

        private Builder(ArchRegs r) {
            this.gprs = r.gprs.clone();
            this.rip = r.rip;
            this.rflags = r.rflags;
            this.es = r.es;
            this.cs = r.cs;
            this.ss = r.ss;
            this.ds = r.ds;
            this.fs = r.fs;
            this.gs = r.gs;
            this.ldtr = r.ldtr;
            this.tr = r.tr;
            this.gdtr = r.gdtr;
            this.idtr = r.idtr;
            this.kernelGsBase = r.kernelGsBase;
            this.cr0 = r.cr0;
            this.cr2 = r.cr2;
            this.cr3 = r.cr3;
            this.cr4 = r.cr4;
            this.cr8 = r.cr8;
            this.efer = r.efer;
            this.dr0 = r.dr0;
            this.dr1 = r.dr1;
            this.dr2 = r.dr2;
            this.dr3 = r.dr3;
            this.dr6 = r.dr6;
            this.dr7 = r.dr7;
            this.xcr0 = r.xcr0;
            this.pkru = r.pkru;
            this.mxcsr = r.mxcsr;
            this.x87State = r.x87State;
            this.sseState = r.sseState;
            this.avxState = r.avxState;
            this.msrs = r.msrs;
            this.blockingBySti = r.blockingBySti;
            this.blockingByMovSs = r.blockingByMovSs;
            this.blockingByNmi = r.blockingByNmi;
            this.activity = r.activity;
            this.taint = r.taint;
        }

        /** Replaces the taint mask; values of tainted registers become canonical 0 at build. */
        public Builder taint(long mask) {
            this.taint = mask;
            return this;
        }

        public Builder gpr(int n, long v) {
            gprs[n] = v;
            this.taint &= ~tGpr(n);
            return this;
        }

        public Builder rip(long v) {
            this.rip = v;
            this.taint &= ~T_RIP;
            return this;
        }

        public Builder rflags(long v) {
            this.rflags = v;
            return this;
        }

        public Builder es(Segment v) {
            this.es = v;
            return this;
        }

        public Builder cs(Segment v) {
            this.cs = v;
            return this;
        }

        public Builder ss(Segment v) {
            this.ss = v;
            return this;
        }

        public Builder ds(Segment v) {
            this.ds = v;
            return this;
        }

        public Builder fs(Segment v) {
            this.fs = v;
            this.taint &= ~T_FS_BASE;
            return this;
        }

        public Builder gs(Segment v) {
            this.gs = v;
            this.taint &= ~T_GS_BASE;
            return this;
        }

        public Builder ldtr(Segment v) {
            this.ldtr = v;
            return this;
        }

        public Builder tr(Segment v) {
            this.tr = v;
            return this;
        }

        public Builder gdtr(DescriptorTableReg v) {
            this.gdtr = v;
            return this;
        }

        public Builder idtr(DescriptorTableReg v) {
            this.idtr = v;
            return this;
        }

        public Builder kernelGsBase(long v) {
            this.kernelGsBase = v;
            this.taint &= ~T_KERNEL_GS_BASE;
            return this;
        }

        public Builder cr0(long v) {
            this.cr0 = v;
            return this;
        }

        public Builder cr2(long v) {
            this.cr2 = v;
            return this;
        }

        public Builder cr3(long v) {
            this.cr3 = v;
            return this;
        }

        public Builder cr4(long v) {
            this.cr4 = v;
            return this;
        }

        public Builder cr8(long v) {
            this.cr8 = v;
            return this;
        }

        public Builder efer(long v) {
            this.efer = v;
            return this;
        }

        public Builder dr0(long v) {
            this.dr0 = v;
            return this;
        }

        public Builder dr1(long v) {
            this.dr1 = v;
            return this;
        }

        public Builder dr2(long v) {
            this.dr2 = v;
            return this;
        }

        public Builder dr3(long v) {
            this.dr3 = v;
            return this;
        }

        public Builder dr6(long v) {
            this.dr6 = v;
            return this;
        }

        public Builder dr7(long v) {
            this.dr7 = v;
            return this;
        }

        public Builder xcr0(long v) {
            this.xcr0 = v;
            this.taint &= ~T_XCR0;
            return this;
        }

        public Builder pkru(int v) {
            this.pkru = v;
            this.taint &= ~T_PKRU;
            return this;
        }

        public Builder mxcsr(int v) {
            this.mxcsr = v;
            this.taint &= ~T_MXCSR;
            return this;
        }

        public Builder x87State(long v) {
            this.x87State = v;
            this.taint &= ~T_X87;
            return this;
        }

        public Builder sseState(long v) {
            this.sseState = v;
            this.taint &= ~T_SSE;
            return this;
        }

        public Builder avxState(long v) {
            this.avxState = v;
            this.taint &= ~T_AVX;
            return this;
        }

        public Builder blockingBySti(boolean v) {
            this.blockingBySti = v;
            return this;
        }

        public Builder blockingByMovSs(boolean v) {
            this.blockingByMovSs = v;
            return this;
        }

        public Builder blockingByNmi(boolean v) {
            this.blockingByNmi = v;
            return this;
        }

        public Builder activity(ActivityState v) {
            this.activity = v;
            return this;
        }

        public ArchRegs build() {
            return new ArchRegs(this);
        }
    }
}
