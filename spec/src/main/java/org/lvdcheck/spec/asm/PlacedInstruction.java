package org.lvdcheck.spec.asm;

import java.util.List;
import org.lvdcheck.spec.SourcePos;

/**
 * An instruction at its linked address with its machine encoding.
 *
 * @param pos where it was written (for an instruction a macro expanded: the line of the macro's body)
 * @param sites for an instruction a macro expanded, the lines of the macro invocations that produced
 *        it, outermost first (what a mutant dropping one of them removes); empty otherwise
 */
public record PlacedInstruction(long address, byte[] bytes, Instruction insn, SourcePos pos, List<SourcePos> sites) {
    public PlacedInstruction {
        bytes = bytes.clone();
        sites = List.copyOf(sites);
    }

    /** An instruction no macro expanded. */
    public PlacedInstruction(long address, byte[] bytes, Instruction insn, SourcePos pos) {
        this(address, bytes, insn, pos, List.of());
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** The address of the next instruction (what RIP-relative and relative branches count from). */
    public long end() {
        return address + bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlacedInstruction p && p.address == address
                && java.util.Arrays.equals(p.bytes, bytes) && p.insn.equals(insn)
                && java.util.Objects.equals(p.pos, pos) && p.sites.equals(sites);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address) * 31 + java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            hex.append(String.format("%02x ", b & 0xff));
        }
        return String.format("%#x: %s %s", address, hex.toString().trim(), insn);
    }
}
