package org.lvdcheck.emulator.paging;

import org.lvdcheck.emulator.cpu.Cr0;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.cpu.Efer;
import org.lvdcheck.emulator.cpu.Rflags;
import org.lvdcheck.emulator.ept.EptBuilder;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.mem.PageSize;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.testutil.Frames;

/**
 * Guest page tables under an EPT: GPA [0, 64 MiB) is identity-mapped RWX with 4 KiB EPT pages
 * (so tests can change the EPT rights of single table pages); page tables are allocated from
 * GPA 0x20_0000; EPT tables live at HPA 0x1000_0000 and up.
 */
final class PagingRig {
    static final long TABLES_GPA = 0x20_0000L;
    final CpuCaps caps;
    final PhysMem.Editor mem;
    final EptBuilder ept;
    final PageTableBuilder pt;

    PagingRig(CpuCaps caps) {
        this.caps = caps;
        this.mem = PhysMem.empty(caps.maxPhysAddr()).edit();
        this.ept = EptBuilder.create(mem, new Frames(0x1000_0000L), caps);
        ept.map(0, 0, 0x400_0000L, EptEntry.RWX, PageSize.SIZE_4K);
        this.pt = PageTableBuilder.create(mem, gpa -> gpa, new Frames(TABLES_GPA), caps);
    }

    PagingRig() {
        this(CpuCaps.skylake());
    }

    /** CPL-0 long mode with WP and NXE, no SMEP/SMAP. */
    PagingRegs kernel() {
        return new PagingRegs(Cr0.PE | Cr0.PG | Cr0.WP, pt.root(), 0, Efer.LME | Efer.LMA | Efer.NXE, Rflags.FIXED1, 0);
    }

    EptGuestPhysical view(boolean ad) {
        return new EptGuestPhysical(mem.freeze(), ept.eptp(ad), caps);
    }

    PagingResult translate(PagingRegs regs, long linear, LinearAccess a) {
        return GuestPaging.translate(regs, linear, a, view(false));
    }
}
