package org.lvdcheck.emulator.exec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.cpu.CpuCaps;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.mem.PhysMem;
import org.lvdcheck.emulator.mem.PhysReader;
import org.lvdcheck.emulator.paging.GuestPaging;
import org.lvdcheck.emulator.vmx.Vmcs;

/**
 * A test double of the machine: flat memory in which a linear address is its own host-physical
 * address, per-page faults and read-only pages, a chosen VMCS, an EPTP list in PhysMem and a
 * table of primitives. It logs every access so tests can check which ones an instruction made.
 */
final class FakeContext implements ExecContext {
    record Access(int segment, long linear, int size, AccessKind kind) {
    }

    private final Map<Long, Byte> bytes = new HashMap<>();
    /** Aligned 8-byte words (address / 8) that hold ⊤. */
    private final Set<Long> taintedWords = new HashSet<>();
    /** Whether the instruction is trusted code under a domain's EPT ({@link ExecContext#confined()}). */
    boolean confined;
    private final Map<Long, MemResult> faultingPages = new HashMap<>();
    private final Set<Long> readOnlyPages = new HashSet<>();
    private final Map<Long, String> primitives = new HashMap<>();
    final List<Access> accesses = new ArrayList<>();
    Vmcs vmcs = Vmcs.zero();
    CpuCaps caps = CpuCaps.skylake();
    PhysMem phys = PhysMem.empty(46);

    FakeContext poke(long linear, int size, long value) {
        for (int i = 0; i < size; i++) {
            bytes.put(linear + i, (byte) (value >>> (8 * i)));
        }
        return this;
    }

    /** Marks the words the bytes touch as ⊤. */
    FakeContext taint(long linear, int size) {
        for (long w = linear >>> 3; w <= (linear + size - 1) >>> 3; w++) {
            taintedWords.add(w);
        }
        return this;
    }

    boolean tainted(long linear, int size) {
        for (long w = linear >>> 3; w <= (linear + size - 1) >>> 3; w++) {
            if (taintedWords.contains(w)) {
                return true;
            }
        }
        return false;
    }

    long peek(long linear, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (bytes.getOrDefault(linear + i, (byte) 0) & 0xFFL) << (8 * i);
        }
        return v;
    }

    /** Every access touching the page of {@code linear} answers {@code result}. */
    FakeContext faultOnPage(long linear, MemResult result) {
        faultingPages.put(linear >>> 12, result);
        return this;
    }

    /** Writes to the page of {@code linear} are #PF with error code P|W (and U/S per CPL). */
    FakeContext readOnlyPage(long linear) {
        readOnlyPages.add(linear >>> 12);
        return this;
    }

    FakeContext primitive(long address, String name) {
        primitives.put(address, name);
        return this;
    }

    /** Applies writes with PhysMem's taint rules: ⊤ taints what it touches, a clean aligned quadword cleans. */
    void apply(List<MemWrite> writes) {
        for (MemWrite w : writes) {
            if (w.tainted()) {
                taint(w.hpa(), w.size());
                poke(w.hpa(), w.size(), 0);
            } else if (w.size() == 8 && (w.hpa() & 7) == 0) {
                taintedWords.remove(w.hpa() >>> 3);
                poke(w.hpa(), w.size(), w.value());
            } else if (!tainted(w.hpa(), w.size())) {
                poke(w.hpa(), w.size(), w.value());
            }
        }
    }

    private MemResult check(ArchRegs regs, int segment, long offset, int size, AccessKind kind) {
        long linear = offset + (segment == ArchRegs.FS ? regs.fsBase() : segment == ArchRegs.GS ? regs.gsBase() : 0);
        accesses.add(new Access(segment, linear, size, kind));
        if (!GuestPaging.isCanonical(linear) || !GuestPaging.isCanonical(linear + size - 1)) {
            return new MemResult.Fault(kind.isStack() ? 12 : 13, 0, 0);
        }
        for (long page : new long[] {linear >>> 12, (linear + size - 1) >>> 12}) {
            MemResult f = faultingPages.get(page);
            if (f != null) {
                return f;
            }
            if (kind.isWrite() && readOnlyPages.contains(page)) {
                long user = regs.cpl() == 3 && !kind.isImplicitSupervisor() ? 4 : 0;
                return new MemResult.Fault(14, 1 | 2 | user, linear);
            }
        }
        return null;
    }

    private long linear(ArchRegs regs, int segment, long offset) {
        return offset + (segment == ArchRegs.FS ? regs.fsBase() : segment == ArchRegs.GS ? regs.gsBase() : 0);
    }

    @Override
    public MemResult read(ArchRegs regs, int segment, long offset, int size, AccessKind kind) {
        MemResult f = check(regs, segment, offset, size, kind);
        if (f != null) {
            return f;
        }
        long linear = linear(regs, segment, offset);
        boolean top = tainted(linear, size);
        return new MemResult.Ok(top ? 0 : peek(linear, size), List.of(), top);
    }

    @Override
    public MemResult write(ArchRegs regs, int segment, long offset, int size, long value, boolean tainted,
                           AccessKind kind) {
        MemResult f = check(regs, segment, offset, size, kind);
        if (f != null) {
            return f;
        }
        return new MemResult.Ok(0, List.of(new MemWrite(linear(regs, segment, offset), size, value, tainted)));
    }

    @Override
    public boolean confined() {
        return confined;
    }

    @Override
    public Vmcs vmcs() {
        return vmcs;
    }

    @Override
    public CpuCaps caps() {
        return caps;
    }

    @Override
    public PhysReader physMem() {
        return phys;
    }

    @Override
    public Optional<String> primitiveAt(long address) {
        return Optional.ofNullable(primitives.get(address));
    }
}
