package org.lvdcheck.spec.asm;

import org.lvdcheck.spec.SourcePos;

/** An instruction at its linked address with its machine encoding. */
public record PlacedInstruction(long address, byte[] bytes, Instruction insn, SourcePos pos) {
    public PlacedInstruction {
        bytes = bytes.clone();
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
                && java.util.Objects.equals(p.pos, pos);
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
