package org.lvdcheck.emulator.irq;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.lvdcheck.emulator.cpu.ActivityState;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearMemory;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagingResult;

/**
 * Delivery of an interrupt or exception in 64-bit mode through a 64-bit IDT gate (SDM Vol. 3A
 * 6.14, with the checks of the INT n / interrupt pseudo-code of Vol. 2A and 6.12.1). Every read
 * (the 16-byte gate, the CS descriptor, the TSS stack slot) and write (the CS accessed bit, the
 * pushes) goes through {@link LinearMemory} as an implicit supervisor access, i.e. through guest
 * paging and the current EPT.
 *
 * <p>Steps: IDT limit (#GP(vector·8+2+EXT)); gate type 0xE/0xF and zero upper type (#GP(same));
 * gate DPL for software interrupts (#GP(vector·8+2)); gate present (#NP(vector·8+2+EXT)); CS
 * selector not null (#GP(EXT)), within the GDT/LDT limit, a present 64-bit code segment (L=1,
 * D=0) with DPL &le; CPL (#GP/#NP(selector+EXT)); target RIP canonical (#GP(EXT)); new stack: the
 * IST slot (TR.base + 0x24 + 8·(IST−1)) whenever IST &ne; 0, else RSPn (TR.base + 4 + 8·n) on a
 * CPL change, else the current RSP (#TS(TR selector+EXT) beyond the TSS limit, #SS(EXT) if
 * non-canonical); RSP aligned down to 16; push SS, RSP, RFLAGS, CS, RIP and the error code;
 * clear TF, NT, RF (and IF through an interrupt gate); load CS:RIP, and SS = null selector with
 * RPL = new CPL on a CPL change.
 *
 * <p>Taint (DESIGN.md §3): a ⊤ gate, descriptor or TSS slot, and a push through a ⊤ RSP
 * outside a domain's EPT, end the delivery with {@link DeliveryResult.TaintedUse}. Under a
 * domain's EPT ({@code confined}) a push through the domain's ⊤ RSP lands where the domain can
 * write anyway: it is dropped and the handler starts with RSP ⊤. The pushed RSP and RIP keep
 * their labels; the RFLAGS image marks ⊤ status flags ({@link Rflags#STATUS_TOP}).
 */
public final class InterruptDelivery {
    private InterruptDelivery() {
    }

    /**
     * Delivers {@code vector}. {@code regs.rip()} must already be the RIP to push (the faulting
     * instruction for faults, the next one for traps and interrupts).
     */
    public static DeliveryResult deliver(ArchRegs regs, int vector, OptionalLong errorCode, EventKind kind, LinearMemory mem) {
        return deliver(regs, vector, errorCode, kind, mem, false);
    }

    /** As {@link #deliver(ArchRegs, int, OptionalLong, EventKind, LinearMemory)}; {@code confined}: under a domain's EPT. */
    public static DeliveryResult deliver(ArchRegs regs, int vector, OptionalLong errorCode, EventKind kind, LinearMemory mem,
                                         boolean confined) {
        if (vector < 0 || vector > 255) {
            throw new IllegalArgumentException("vector " + vector);
        }
        return new Attempt(regs, vector, errorCode, kind, mem, confined).run();
    }

    /** One delivery; fields carry the context needed to build nested-fault results. */
    private static final class Attempt {
        final ArchRegs regs;
        final int vector;
        final OptionalLong errorCode;
        final EventKind kind;
        final LinearMemory mem;
        final int ext;
        final boolean confined;
        final List<LinearWrite> writes = new ArrayList<>(7);
        DeliveryResult failure;

        Attempt(ArchRegs regs, int vector, OptionalLong errorCode, EventKind kind, LinearMemory mem, boolean confined) {
            this.regs = regs;
            this.vector = vector;
            this.errorCode = errorCode;
            this.kind = kind;
            this.mem = mem;
            this.ext = kind.extBit();
            this.confined = confined;
        }

        DeliveryResult run() {
            int cpl = regs.cpl();
            int idtErr = vector * 8 + 2 + ext;
            DescriptorTableReg idtr = regs.idtr();
            if (vector * 16L + 15 > idtr.limit()) {
                return fault(Vectors.GP, idtErr);
            }
            long gateAddr = idtr.base() + 16L * vector;
            long lo = read(gateAddr, 8, "IDT gate");
            if (failure != null) {
                return failure;
            }
            long hi = read(gateAddr + 8, 8, "IDT gate");
            if (failure != null) {
                return failure;
            }
            int type = (int) ((lo >>> 40) & 0xF);
            boolean interruptGate = type == 0xE;
            if ((type != 0xE && type != 0xF) || ((hi >>> 40) & 0x1F) != 0) {
                return fault(Vectors.GP, idtErr);
            }
            int gateDpl = (int) ((lo >>> 45) & 3);
            if (kind == EventKind.SOFTWARE && cpl > gateDpl) {
                return fault(Vectors.GP, vector * 8 + 2);
            }
            if (((lo >>> 47) & 1) == 0) {
                return fault(Vectors.NP, idtErr);
            }
            int selector = (int) ((lo >>> 16) & 0xFFFF);
            long target = (lo & 0xFFFF) | (((lo >>> 48) & 0xFFFF) << 16) | ((hi & 0xFFFFFFFFL) << 32);
            int ist = (int) ((lo >>> 32) & 7);

            int selErr = (selector & 0xFFFC) + ext;
            if ((selector & 0xFFFC) == 0) {
                return fault(Vectors.GP, ext);
            }
            boolean ldt = (selector & 4) != 0;
            long tableBase = ldt ? regs.ldtr().base() : regs.gdtr().base();
            long tableLimit = ldt ? regs.ldtr().limit() : regs.gdtr().limit();
            if (ldt && regs.ldtr().unusable() || (selector & ~7L) + 7 > tableLimit) {
                return fault(Vectors.GP, selErr);
            }
            long descAddr = tableBase + (selector & ~7L);
            long desc = read(descAddr, 8, "GDT descriptor of the handler's CS");
            if (failure != null) {
                return failure;
            }
            boolean codeSegment = ((desc >>> 44) & 1) != 0 && ((desc >>> 43) & 1) != 0;
            int dpl = (int) ((desc >>> 45) & 3);
            if (!codeSegment || dpl > cpl) {
                return fault(Vectors.GP, selErr);
            }
            if (((desc >>> 47) & 1) == 0) {
                return fault(Vectors.NP, selErr);
            }
            boolean longMode = ((desc >>> 53) & 1) != 0;
            boolean defaultBig = ((desc >>> 54) & 1) != 0;
            if (!longMode || defaultBig) {
                return fault(Vectors.GP, selErr);
            }
            boolean conforming = ((desc >>> 42) & 1) != 0;
            int newCpl = conforming ? cpl : dpl;
            if (!GuestPaging.isCanonical(target)) {
                return fault(Vectors.GP, ext);
            }
            if (((desc >>> 40) & 1) == 0) {
                // Loading the descriptor sets its accessed bit (3.4.5.1): a write through paging.
                desc |= 1L << 40;
                write(descAddr + 5, 1, (desc >>> 40) & 0xFF, LinearAccess.SUPERVISOR_WRITE);
                if (failure != null) {
                    return failure;
                }
            }

            long newRsp;
            Segment tr = regs.tr();
            int tssErr = (tr.selector() & 0xFFFC) + ext;
            if (ist != 0 || newCpl < cpl) {
                long offset = ist != 0 ? 0x24 + 8L * (ist - 1) : 4 + 8L * newCpl;
                if (offset + 7 > tr.limit()) {
                    return fault(Vectors.TS, tssErr);
                }
                newRsp = read(tr.base() + offset, 8, "TSS stack slot");
                if (failure != null) {
                    return failure;
                }
                if (!GuestPaging.isCanonical(newRsp)) {
                    return fault(Vectors.SS, ext);
                }
            } else {
                newRsp = regs.rsp();
            }
            newRsp &= ~0xFL;
            boolean topStack = ist == 0 && newCpl == cpl && regs.gprTainted(ArchRegs.RSP);
            if (topStack && !confined) {
                return new DeliveryResult.TaintedUse("push of the vector " + vector + " frame through a ⊤ RSP");
            }

            boolean cplChange = newCpl != cpl;
            long flags = Rflags.image(regs.rflags(), regs.tainted(ArchRegs.T_FLAGS));
            long[] frame = errorCode.isPresent()
                    ? new long[] {regs.ss().selector(), regs.rsp(), flags, regs.cs().selector(), regs.rip(), errorCode.getAsLong()}
                    : new long[] {regs.ss().selector(), regs.rsp(), flags, regs.cs().selector(), regs.rip()};
            boolean[] top = {false, regs.gprTainted(ArchRegs.RSP), false, false, regs.tainted(ArchRegs.T_RIP), false};
            long sp = newRsp;
            for (int i = 0; i < frame.length && !topStack; i++) {
                sp -= 8;
                write(sp, 8, frame[i], top[i], LinearAccess.SUPERVISOR_STACK_WRITE);
                if (failure != null) {
                    return failure;
                }
            }

            long rflags = regs.rflags() & ~(Rflags.TF | Rflags.NT | Rflags.RF | Rflags.VM);
            if (interruptGate) {
                rflags &= ~Rflags.IF;
            }
            Segment cs = Segment.fromDescriptor((selector & ~3) | newCpl, desc);
            ArchRegs.Builder b = regs.toBuilder()
                    .cs(cs)
                    .rip(target)
                    .rflags(rflags)
                    .blockingBySti(false)
                    .blockingByMovSs(false);
            if (!topStack) {
                b.gpr(ArchRegs.RSP, sp);
            }
            if (cplChange) {
                b.ss(Segment.nullSelector(newCpl));
            }
            if (kind == EventKind.NMI) {
                b.blockingByNmi(true);
            }
            if (regs.activity() == ActivityState.HLT) {
                b.activity(ActivityState.ACTIVE);
            }
            return new DeliveryResult.Delivered(b.build(), vector, List.copyOf(writes), topStack);
        }

        private long read(long linear, int size, String what) {
            LinearResult r = mem.read(linear, size, LinearAccess.SUPERVISOR_READ);
            if (r instanceof LinearResult.Value v) {
                if (v.tainted()) {
                    failure = new DeliveryResult.TaintedUse("a ⊤ " + what + " for vector " + vector);
                }
                return v.value();
            }
            failure = fromPaging(((LinearResult.Fault) r).failure());
            return 0;
        }

        private void write(long linear, int size, long value, LinearAccess access) {
            write(linear, size, value, false, access);
        }

        private void write(long linear, int size, long value, boolean tainted, LinearAccess access) {
            LinearResult r = mem.write(linear, size, value, tainted, access);
            if (r instanceof LinearResult.Fault f) {
                failure = fromPaging(f.failure());
            } else {
                writes.add(new LinearWrite(linear, size, value));
            }
        }

        private DeliveryResult fromPaging(PagingResult.Failure f) {
            if (f instanceof PagingResult.EptExit x) {
                return new DeliveryResult.EptExit(x, vector, kind, errorCode);
            }
            if (f instanceof PagingResult.PageFault pf) {
                return fault(Vectors.PF, pf.errorCode(), pf.cr2());
            }
            if (f instanceof PagingResult.StackFault ss) {
                return fault(Vectors.SS, ss.errorCode() | ext);
            }
            return fault(Vectors.GP, ((PagingResult.GeneralProtection) f).errorCode() | ext);
        }

        private DeliveryResult fault(int second, long err) {
            return fault(second, err, 0);
        }

        /** Applies Table 6-5 to the fault met while delivering this attempt's event. */
        private DeliveryResult fault(int second, long err, long cr2) {
            int next = DoubleFaultRules.combine(vector, kind, second);
            if (next == DoubleFaultRules.TRIPLE_FAULT) {
                return new DeliveryResult.TripleFault();
            }
            // Only a page fault found by paging can come out as #PF, and it loads CR2.
            ArchRegs out = next == Vectors.PF ? regs.withCr2(cr2) : regs;
            return new DeliveryResult.Fault(next, next == Vectors.DF ? 0 : err, out);
        }
    }
}
