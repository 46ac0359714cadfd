package org.lvdcheck.emulator.paging;

import java.util.List;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.ept.EptAccess;
import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.PhysMem;

/**
 * Physical memory without EPT (VMX root operation, or EPT disabled): guest-physical equals
 * host-physical and every access is allowed. Collects writes like {@link EptGuestPhysical}.
 */
public final class DirectGuestPhysical implements GuestPhysical {
    private final PhysMem base;
    private final CpuCaps caps;
    private PhysMem.Editor editor;

    public DirectGuestPhysical(PhysMem base, CpuCaps caps) {
        this.base = base;
        this.caps = caps;
    }

    @Override
    public EptResult translate(long gpa, EptAccess access) {
        return new EptResult.Ok(gpa, EptEntry.RWX, 1, EptEntry.MT_WB, List.of());
    }

    @Override
    public long readHost(long hpa, int size) {
        return editor != null ? editor.read(hpa, size) : base.read(hpa, size);
    }

    @Override
    public void writeHost(long hpa, int size, long value, boolean tainted) {
        if (editor == null) {
            editor = base.edit();
        }
        editor.write(hpa, size, value, tainted);
    }

    @Override
    public boolean readsTop(long hpa, int size) {
        return editor != null ? editor.isTainted(hpa, size) : base.isTainted(hpa, size);
    }

    @Override
    public CpuCaps caps() {
        return caps;
    }

    public PhysMem memory() {
        return editor == null ? base : editor.freeze();
    }
}
