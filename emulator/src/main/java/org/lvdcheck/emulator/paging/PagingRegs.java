package org.lvdcheck.emulator.paging;

import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.Cr4;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;

/**
 * The registers that govern linear-address translation (SDM Vol. 3A 4.1.1, 4.6): CR0.PG/WP,
 * CR3 (with PCID in bits 11:0 when CR4.PCIDE = 1; bit 63 is a MOV-to-CR3 hint, ignored by walks),
 * CR4.SMEP/SMAP/PCIDE, EFER.NXE/LMA, RFLAGS.AC and the CPL.
 */
public record PagingRegs(long cr0, long cr3, long cr4, long efer, long rflags, int cpl) {

    public static PagingRegs of(ArchRegs r) {
        return new PagingRegs(r.cr0(), r.cr3(), r.cr4(), r.efer(), r.rflags(), r.cpl());
    }

    public boolean paging() {
        return (cr0 & Cr0.PG) != 0;
    }

    public boolean wp() {
        return (cr0 & Cr0.WP) != 0;
    }

    public boolean smep() {
        return (cr4 & Cr4.SMEP) != 0;
    }

    public boolean smap() {
        return (cr4 & Cr4.SMAP) != 0;
    }

    public boolean pcide() {
        return (cr4 & Cr4.PCIDE) != 0;
    }

    public boolean nxe() {
        return (efer & Efer.NXE) != 0;
    }

    public boolean ac() {
        return (rflags & Rflags.AC) != 0;
    }

    /** PCID (CR3 bits 11:0) when CR4.PCIDE = 1, else 0. */
    public int pcid() {
        return pcide() ? (int) (cr3 & 0xFFF) : 0;
    }

    public PagingRegs withCpl(int v) {
        return new PagingRegs(cr0, cr3, cr4, efer, rflags, v);
    }

    public PagingRegs withCr3(long v) {
        return new PagingRegs(cr0, v, cr4, efer, rflags, cpl);
    }
}
