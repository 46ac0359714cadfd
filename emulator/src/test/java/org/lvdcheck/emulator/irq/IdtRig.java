package org.lvdcheck.emulator.irq;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.DescriptorTableReg;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.cpu.Segment;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.paging.EptGuestPhysical;
import org.lvdcheck.emulator.paging.PageTableBuilder;
import org.lvdcheck.emulator.paging.PagedLinearMemory;
import org.lvdcheck.emulator.paging.PagingRegs;
import org.lvdcheck.emulator.paging.Pte;
import org.lvdcheck.emulator.testutil.Frames;

/**
 * A minimal 64-bit kernel under an EPT: IDT, GDT and TSS pages, a kernel stack, IST stacks and a
 * user stack, mapped by guest page tables; GPA [0, 16 MiB) identity-mapped RWX by 4 KiB EPT pages.
 */
final class IdtRig {
    static final long IDT = 0xFFFF_FE00_0000_0000L;
    static final long GDT = IDT + 0x1000;
    static final long TSS = IDT + 0x2000;
    static final long KSTACK_TOP = IDT + 0x4000;       // page IDT+0x3000
    static final long IST_STACK_BASE = IDT + 0x10000;  // IST n stack page at base + n*0x1000, top at +0x1000
    static final long USTACK_TOP = 0x7FFF_0000_2000L;  // page ...1000
    static final long IDT_GPA = 0x10_0000L;
    static final long USTACK_GPA = 0x20_0000L;
    static final int KCS = 0x10, KDS = 0x18, UDS = 0x2B, UCS = 0x33, TR_SEL = 0x40;
    static final long HANDLER = 0xFFFF_FFFF_8100_0000L;

    final CpuCaps caps = CpuCaps.skylake();
    final PhysMem.Editor mem = PhysMem.empty(caps.maxPhysAddr()).edit();
    final EptBuilder ept = EptBuilder.create(mem, new Frames(0x4000_0000L), caps);
    final PageTableBuilder pt;

    IdtRig() {
        ept.map(0, 0, 0x100_0000L, EptEntry.RWX, PageSize.SIZE_4K);
        pt = PageTableBuilder.create(mem, g -> g, new Frames(0x80_0000L), caps);
        pt.map(IDT, IDT_GPA, 0x20000, Pte.RW | Pte.XD, PageSize.SIZE_4K);
        pt.map(USTACK_TOP - 0x2000, USTACK_GPA, 0x2000, Pte.RW | Pte.US | Pte.XD, PageSize.SIZE_4K);
        gdt(KCS, 0x00af9b000000ffffL);
        gdt(KDS, 0x00cf93000000ffffL);
        gdt(UDS, 0x00cff3000000ffffL);
        gdt(UCS, 0x00affb000000ffffL);
        tss(4, KSTACK_TOP);                      // RSP0
        for (int ist = 1; ist <= 7; ist++) {
            tss(0x24 + 8 * (ist - 1), IST_STACK_BASE + ist * 0x1000L + 0x1000);
        }
        gate(32, HANDLER, 0xE, 0, 0);
        gate(33, HANDLER + 0x100, 0xF, 0, 0);
        gate(34, HANDLER + 0x200, 0xE, 5, 0);
        gate(Vectors.NMI, HANDLER + 0x300, 0xE, 2, 0);
        gate(Vectors.GP, HANDLER + 0x400, 0xE, 0, 0);
        gate(Vectors.PF, HANDLER + 0x500, 0xE, 0, 0);
        gate(Vectors.DF, HANDLER + 0x600, 0xE, 1, 0);
        gate(0x80, HANDLER + 0x700, 0xF, 0, 3);
    }

    /** Writes through the identity-mapped kernel region: linear IDT.. maps to IDT_GPA.. = HPA. */
    long hpa(long linear) {
        return linear - IDT + IDT_GPA;
    }

    void gdt(int selector, long descriptor) {
        mem.write(hpa(GDT) + (selector & ~7), 8, descriptor);
    }

    long gdtEntry(int selector) {
        return mem.read(hpa(GDT) + (selector & ~7), 8);
    }

    void tss(int offset, long value) {
        mem.write(hpa(TSS) + offset, 8, value);
    }

    void gate(int vector, long offset, int type, int ist, int dpl) {
        long lo = (offset & 0xFFFF) | ((long) KCS << 16) | ((long) ist << 32) | ((long) type << 40)
                | ((long) dpl << 45) | (1L << 47) | (((offset >>> 16) & 0xFFFF) << 48);
        mem.write(hpa(IDT) + 16L * vector, 8, lo);
        mem.write(hpa(IDT) + 16L * vector + 8, 8, offset >>> 32);
    }

    long gateLow(int vector) {
        return mem.read(hpa(IDT) + 16L * vector, 8);
    }

    void setGateLow(int vector, long lo) {
        mem.write(hpa(IDT) + 16L * vector, 8, lo);
    }

    ArchRegs kernel() {
        return ArchRegs.builder()
                .cs(Segment.code64(KCS)).ss(Segment.flatData(KDS)).ds(Segment.flatData(0)).es(Segment.flatData(0))
                .rip(0xFFFF_FFFF_8000_1234L).gpr(ArchRegs.RSP, KSTACK_TOP - 0x108)
                .rflags(Rflags.FIXED1 | Rflags.IF)
                .idtr(new DescriptorTableReg(IDT, 0xFFF)).gdtr(new DescriptorTableReg(GDT, 0x7F))
                .tr(Segment.tss64(TR_SEL, TSS, 0x67))
                .cr0(Cr0.PE | Cr0.PG | Cr0.WP).cr3(pt.root()).cr4(Cr4.PAE).efer(Efer.LME | Efer.LMA | Efer.NXE)
                .build();
    }

    ArchRegs user() {
        return kernel().toBuilder().cs(Segment.code64(UCS)).ss(Segment.flatData(UDS))
                .rip(0x40_1000L).gpr(ArchRegs.RSP, USTACK_TOP - 0x18).build();
    }

    /** Fresh linear memory over the current contents, as the CPU with {@code regs} sees it. */
    PagedLinearMemory linear(ArchRegs regs) {
        return new PagedLinearMemory(PagingRegs.of(regs), new EptGuestPhysical(mem.freeze(), ept.eptp(false), caps));
    }

    PhysMem memoryAfter(PagedLinearMemory lm) {
        return ((EptGuestPhysical) lm.guestPhysical()).memory();
    }
}
