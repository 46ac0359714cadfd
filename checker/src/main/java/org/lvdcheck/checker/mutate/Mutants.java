package org.lvdcheck.checker.mutate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lvdcheck.spec.lvd.Patch;

/**
 * Every one-line mutation of an assembly file (DESIGN.md §9): for each instruction line, drop
 * it, negate its condition (a conditional jump), change its first numeric immediate (+1), change
 * its first general-purpose register to the next one of the same width. Each is a {@link Patch}
 * of that line. Swapping two neighbouring lines changes two lines and is not generated.
 */
public final class Mutants {
    private Mutants() {
    }

    /** One mutant: the patch and what it does, in words. */
    public record Mutant(Patch patch, String operator, String description) {}

    private static final Map<String, String> NEGATED = Map.ofEntries(
            Map.entry("je", "jne"), Map.entry("jne", "je"), Map.entry("jz", "jnz"), Map.entry("jnz", "jz"),
            Map.entry("ja", "jbe"), Map.entry("jbe", "ja"), Map.entry("jae", "jb"), Map.entry("jb", "jae"),
            Map.entry("jg", "jle"), Map.entry("jle", "jg"), Map.entry("jge", "jl"), Map.entry("jl", "jge"),
            Map.entry("js", "jns"), Map.entry("jns", "js"), Map.entry("jc", "jnc"), Map.entry("jnc", "jc"));

    private static final String[][] REGISTER_RINGS = {
        {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"},
        {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"},
    };

    private static final Pattern LABEL = Pattern.compile("^(\\s*(?:[A-Za-z_.$][\\w.$]*|\\d+):)");
    private static final Pattern IMMEDIATE = Pattern.compile("\\$(-?)(0x[0-9a-fA-F]+|\\d+)\\b");
    private static final Pattern REGISTER = Pattern.compile("%([a-z0-9]+)\\b");

    /** The mutants of {@code text}, a file the spec names {@code file} (its path among the spec's inputs). */
    public static List<Mutant> of(String file, String text) {
        List<Mutant> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            String code = hash < 0 ? line : line.substring(0, hash);
            String label = "";
            Matcher lm = LABEL.matcher(code);
            if (lm.find()) {
                label = lm.group(1);
                code = code.substring(label.length());
            }
            String insn = code.trim();
            if (insn.isEmpty() || insn.startsWith(".") || insn.contains("=")) {
                continue;
            }
            int n = i + 1;
            String mnemonic = insn.split("\\s+")[0];
            String indent = code.substring(0, code.indexOf(insn.charAt(0)));
            String rest = insn.substring(mnemonic.length());
            // Drop the instruction (a label on its line stays).
            out.add(new Mutant(label.isEmpty() ? Patch.delete(file, n, line) : Patch.replace(file, n, line, label),
                    "drop", "drop `" + insn + "`"));
            String neg = NEGATED.get(mnemonic);
            if (neg != null) {
                out.add(new Mutant(Patch.replace(file, n, line, label + indent + neg + rest), "condition",
                        "`" + mnemonic + "` -> `" + neg + "`"));
            }
            Matcher im = IMMEDIATE.matcher(rest);
            if (im.find()) {
                String digits = im.group(2);
                long v = digits.startsWith("0x") ? Long.parseUnsignedLong(digits.substring(2), 16) : Long.parseLong(digits);
                long nv = (im.group(1).isEmpty() ? v : -v) + 1;
                String repl = "$" + (digits.startsWith("0x") && nv >= 0 ? "0x" + Long.toHexString(nv) : Long.toString(nv));
                String changed = rest.substring(0, im.start()) + repl + rest.substring(im.end());
                out.add(new Mutant(Patch.replace(file, n, line, label + indent + mnemonic + changed), "immediate",
                        "`" + im.group() + "` -> `" + repl + "`"));
            }
            Matcher rm = REGISTER.matcher(rest);
            while (rm.find()) {
                String next = nextRegister(rm.group(1));
                if (next != null) {
                    String changed = rest.substring(0, rm.start()) + "%" + next + rest.substring(rm.end());
                    out.add(new Mutant(Patch.replace(file, n, line, label + indent + mnemonic + changed), "register",
                            "`%" + rm.group(1) + "` -> `%" + next + "`"));
                    break;
                }
            }
        }
        return out;
    }

    private static String nextRegister(String r) {
        for (String[] ring : REGISTER_RINGS) {
            for (int i = 0; i < ring.length; i++) {
                if (ring[i].equals(r)) {
                    return ring[(i + 1) % ring.length];
                }
            }
        }
        return null;
    }
}
