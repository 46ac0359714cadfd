package org.lvdcheck.emulator.machine;

import java.util.HashMap;
import java.util.Map;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.asm.PlacedInstruction;

/** How a trace shows an instruction: its source line as written, and where that line is. */
public final class InstructionText {
    private final Map<String, String[]> lines = new HashMap<>();

    public InstructionText(LvdSystem system) {
        for (InputFile f : system.loaded().files().values()) {
            lines.put(f.name(), f.text().split("\n", -1));
        }
    }

    public String of(PlacedInstruction pi) {
        if (pi == null) {
            return "(bytes that are no instruction of the subset)";
        }
        String file = pi.pos().file();
        String[] text = lines.get(file);
        if (text == null || pi.pos().line() > text.length) {
            return pi.insn().mnemonic().name().toLowerCase() + " (decoded from memory)";
        }
        String l = text[pi.pos().line() - 1];
        int hash = l.indexOf('#');
        String shortFile = file.substring(file.lastIndexOf('/') + 1);
        return (hash >= 0 ? l.substring(0, hash) : l).strip() + "  [" + shortFile + ":" + pi.pos().line() + "]";
    }
}
